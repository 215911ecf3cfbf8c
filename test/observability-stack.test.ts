import { spawnSync } from 'child_process';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { synthToFiles, SynthResult } from './helpers/synth';

/**
 * The dashboard JSON and the alert/recording rules are another module's output with their own
 * snapshot tests (test/model-service/dashboard/, test/model-service/rules/); here they are replaced by a
 * marker so these snapshots change only when what this synthesizer writes changes.
 */
function withoutForeignContent(file: string, content: string): string {
  if (file.endsWith('.k8s.yaml')) {
    return parseAllDocuments(content)
      .map((doc) => {
        const obj = doc.toJS();
        if (obj.kind === 'ConfigMap' && obj.metadata.labels?.['app.kubernetes.io/component'] === 'dashboards') {
          for (const key of Object.keys(obj.data)) obj.data[key] = '<dashboard JSON from lib/model-service/dashboard>';
        }
        return stringify(obj);
      })
      .join('---\n');
  }
  if (file === 'helm/values/prometheus.yaml') {
    const values = parse(content);
    for (const key of Object.keys(values.serverFiles)) values.serverFiles[key] = '<rules from lib/model-service/rules>';
    return stringify(values);
  }
  return content;
}

describe('npm run synth output', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthToFiles({ profile: 'reference' });
  });

  test('writes the Kubernetes YAML, one values file per release and the install wrappers', () => {
    expect(Object.keys(result.files)).toEqual([
      'helm/create-secrets.sh',
      'helm/helmfile.yaml',
      'helm/install.sh',
      'helm/values/grafana.yaml',
      'helm/values/loki.yaml',
      'helm/values/minio.yaml',
      'helm/values/prometheus.yaml',
      'helm/values/promtail.yaml',
      'helm/values/tempo.yaml',
      'observability.k8s.yaml',
    ]);
  });

  test('every file matches its snapshot', () => {
    for (const [file, content] of Object.entries(result.files)) {
      expect(withoutForeignContent(file, content)).toMatchSnapshot(file);
    }
  });

  test('is deterministic: a second synth writes byte-identical files', () => {
    expect(synthToFiles({ profile: 'reference' }).files).toEqual(result.files);
  });

  test('the shell scripts parse (bash -n)', () => {
    for (const file of Object.keys(result.files).filter((f) => f.endsWith('.sh'))) {
      const check = spawnSync('bash', ['-n', `${result.outdir}/${file}`], { encoding: 'utf8' });
      expect({ file, status: check.status, stderr: check.stderr }).toEqual({ file, status: 0, stderr: '' });
    }
  });

  test('no literal credential anywhere in the output', () => {
    // A credential value may only be an env reference (${VAR}, expanded in-cluster from a Secret)
    // or generated at install time by create-secrets.sh.
    const assignment = /(password|passwd|secret_key|secretAccessKey|access_key|accessKeyId|rootUser|rootPassword|secretKey|accessKey)\s*[:=]\s*(\S+)/gi;
    const allowed = /^("?\$\{[A-Z_]+\}"?|"\$\(random_value\)"|""|null)$/;
    for (const [file, content] of Object.entries(result.files)) {
      for (const match of content.matchAll(assignment)) {
        expect({ file, found: match[0], ok: allowed.test(match[2]) }).toEqual({ file, found: match[0], ok: true });
      }
      // Default credentials of the charts and of the reference design must not leak in.
      expect(content).not.toMatch(/supersecret|enterprise-logs|minio123|prom-operator/);
    }
  });
});

describe('npm run synth output, current profile', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthToFiles({ profile: 'current' });
  });

  test('writes the Kubernetes YAML, one values file per release and the install wrappers', () => {
    expect(Object.keys(result.files)).toEqual([
      'helm/create-secrets.sh',
      'helm/helmfile.yaml',
      'helm/install.sh',
      'helm/values/alloy.yaml',
      'helm/values/grafana.yaml',
      'helm/values/loki.yaml',
      'helm/values/prometheus.yaml',
      'helm/values/seaweedfs.yaml',
      'helm/values/tempo.yaml',
      'observability.k8s.yaml',
    ]);
  });

  test('every file matches its snapshot', () => {
    for (const [file, content] of Object.entries(result.files)) {
      expect(withoutForeignContent(file, content)).toMatchSnapshot(`current ${file}`);
    }
  });

  test('is the default profile, and deterministic', () => {
    expect(synthToFiles().files).toEqual(result.files);
  });

  test('the shell scripts parse (bash -n)', () => {
    for (const file of Object.keys(result.files).filter((f) => f.endsWith('.sh'))) {
      const check = spawnSync('bash', ['-n', `${result.outdir}/${file}`], { encoding: 'utf8' });
      expect({ file, status: check.status, stderr: check.stderr }).toEqual({ file, status: 0, stderr: '' });
    }
  });

  test('no literal credential anywhere in the output', () => {
    const assignment = /(password|passwd|secret_key|secretAccessKey|access_key|accessKeyId|rootUser|rootPassword|secretKey|accessKey)\s*[:=]\s*(\S+)/gi;
    const allowed = /^("?\$\{[A-Z][A-Z0-9_]*\}"?|"\$\(random_value\)"|""|null)$/;
    for (const [file, content] of Object.entries(result.files)) {
      for (const match of content.matchAll(assignment)) {
        expect({ file, found: match[0], ok: allowed.test(match[2]) }).toEqual({ file, found: match[0], ok: true });
      }
      expect(content).not.toMatch(/supersecret|enterprise-logs|minio123|prom-operator/);
    }
  });
});

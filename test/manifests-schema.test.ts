import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { manifests, SynthResult, synthToFiles, values } from './helpers/synth';

// kubernetes-models is ESM-only, which Jest's CommonJS runtime cannot load, so the validation
// runs in a child node process (scripts/validate-manifests.mjs, also usable by hand).
const VALIDATOR = path.resolve(__dirname, '..', 'scripts', 'validate-manifests.mjs');

function validate(yamlText: string): { status: number | null; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
  const file = path.join(dir, 'input.yaml');
  fs.writeFileSync(file, yamlText);
  const run = spawnSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('Kubernetes schema validation', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthToFiles();
  });

  test('every synthesized manifest is valid', () => {
    const text = result.files['observability.k8s.yaml'];
    const run = validate(text);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${manifests(result).length} manifests valid`);
  });

  test('the Kubernetes fragments inside the Helm values (secretKeyRef env) are valid container env', () => {
    const loki = values(result, 'loki');
    const tempo = values(result, 'tempo');
    const pod = (env: unknown) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'env-check' },
      spec: { containers: [{ name: 'c', image: 'busybox', env }] },
    });
    const docs = [loki.write.extraEnv, loki.read.extraEnv, tempo.tempo.extraEnv].map((env) => stringify(pod(env)));
    const run = validate(docs.join('---\n'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test('a deliberately broken manifest is rejected, naming the bad field', () => {
    const deployment = manifests(result).find((m) => m.kind === 'Deployment');
    const broken = JSON.parse(JSON.stringify(deployment));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand and ten';
    const run = validate(stringify(broken));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('containers/0/ports/0/containerPort must be integer');
  });

  test('an unknown kind is rejected', () => {
    const run = validate(stringify({ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } }));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('unknown kind apps/v1/Deploymnet');
  });
});

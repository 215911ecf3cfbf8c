import { spawnSync } from 'child_process';
import { AlertingOptions } from '../../lib/prometheus/alerting';
import { synthToFiles } from '../helpers/synth';
import { REAL_KUBECTL, runCreateSecrets as runScript } from '../helpers/create-secrets';
import { kubernetesSchemaProblems } from '../helpers/kubernetes-schema';

const describeWithKubectl = REAL_KUBECTL ? describe : describe.skip;
if (!REAL_KUBECTL) {
  // .ci/run installs kubectl; a dev machine without it skips loudly rather than silently.
  console.warn('create-secrets.sh tests SKIPPED: no kubectl on PATH (apt-get install kubernetes-client)');
}

// The script runs with the real kubectl, client-side (test/helpers/create-secrets.ts).
describeWithKubectl('create-secrets.sh, run with the real kubectl (client-side)', () => {
  let script: string;
  beforeAll(() => {
    script = synthToFiles({ profile: 'reference' }).files['helm/create-secrets.sh'];
  });

  test('on a fresh cluster: the namespace and both Secrets, valid, with random 32-character values', () => {
    const run = runScript(script);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.applied.flatMap((object) => kubernetesSchemaProblems(object))).toEqual([]);
    const byName = Object.fromEntries(
      run.applied.map((o) => [`${o.kind}/${(o.metadata as { name: string }).name}`, o as { data?: Record<string, string> }]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'Namespace/technical-observability-for-ml',
      'Secret/grafana-admin',
      'Secret/minio-root-credentials',
    ]);
    const decode = (secret: string, key: string) => Buffer.from(byName[secret].data![key], 'base64').toString('utf8');
    expect(decode('Secret/grafana-admin', 'admin-user')).toBe('admin');
    const randoms = [
      decode('Secret/grafana-admin', 'admin-password'),
      decode('Secret/minio-root-credentials', 'root-user'),
      decode('Secret/minio-root-credentials', 'root-password'),
    ];
    for (const value of randoms) expect(value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(randoms).size).toBe(3);
    // No credential was ever a command-line argument (visible to every user via ps while kubectl runs).
    for (const value of randoms) expect(run.argv).not.toContain(value);
  });

  test('keeps a Secret that already exists (re-running never rotates live credentials)', () => {
    const run = runScript(script, ['minio-root-credentials']);
    expect(run.status).toBe(0);
    const secrets = run.applied.filter((o) => o.kind === 'Secret').map((o) => (o.metadata as { name: string }).name);
    expect(secrets).toEqual(['grafana-admin']);
  });

  describe('with alert receivers reading Secrets the user creates', () => {
    const alerting: AlertingOptions = {
      receivers: [
        { type: 'slack', name: 'team-slack', urlSecret: { name: 'alertmanager-slack', key: 'url' } },
        { type: 'webhook', name: 'pager', url: 'https://pager.example/hook', bearerTokenSecret: { name: 'alertmanager-pager', key: 'token' } },
      ],
    };
    let withReceivers: string;
    beforeAll(() => {
      withReceivers = synthToFiles({ profile: 'reference', alerting }).files['helm/create-secrets.sh'];
    });

    test('a missing one stops the install before anything is created, saying how to create it', () => {
      const run = runScript(withReceivers, ['alertmanager-slack']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        'missing: Secret technical-observability-for-ml/alertmanager-pager with key token (credential of alert receiver pager)',
      );
      expect(run.stderr).toContain('kubectl --namespace technical-observability-for-ml create secret generic alertmanager-pager --from-file=token=<file>');
      expect(run.applied).toEqual([]);
    });

    test('the presence check prints "present" only for a Secret holding the key, never the value (real kubectl, client-side)', () => {
      // The script's own -o argument, applied by the real kubectl to Secrets built client-side.
      const output = /-o ("go-template=(?:[^"\\]|\\.)*")/.exec(withReceivers)![1];
      const check = (literal: string, key: string) =>
        spawnSync('bash', ['-c', `key=${key}; ${REAL_KUBECTL} create secret generic s ${literal} --dry-run=client -o ${output} 2>/dev/null`], {
          encoding: 'utf8',
        }).stdout;
      expect(check('--from-literal=url=https://hooks.example/T0/B0/x', 'url')).toBe('present');
      expect(check('--from-literal=url=https://hooks.example/T0/B0/x', 'token')).toBe('');
      // A Secret without data makes kubectl print a template error (naming the template), not "present".
      expect(check('', 'url')).not.toBe('present');
    });

    test('when they exist the install goes on, and they are never created or changed', () => {
      const run = runScript(withReceivers, ['alertmanager-slack', 'alertmanager-pager']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const names = run.applied.map((o) => `${o.kind}/${(o.metadata as { name: string }).name}`).sort();
      expect(names).toEqual(['Namespace/technical-observability-for-ml', 'Secret/grafana-admin', 'Secret/minio-root-credentials']);
      expect(run.argv).not.toMatch(/create secret generic alertmanager-/);
    });
  });
});

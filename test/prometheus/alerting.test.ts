import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { AlertingOptions } from '../../lib/prometheus/alerting';
import { modelServiceRules } from '../../lib/model-service/rules';
import { synthToFiles, SynthResult, values } from '../helpers/synth';
import { KubeObject } from '../../verify/helm';
import { kubernetesSchemaProblems } from '../helpers/kubernetes-schema';
import { alertmanagerConfigOf, amtool, renderPrometheusRelease } from './amtool';
import { withYamlFiles } from './promtool';

const NS = 'technical-observability-for-ml';

/** Tests that render the chart: the first one may fetch helm into the cache (verify/helm.ts). */
const RENDER_TIMEOUT_MS = 180_000;

const SAMPLE: AlertingOptions = {
  receivers: [
    { type: 'slack', name: 'team-slack', urlSecret: { name: 'alertmanager-slack', key: 'url' }, channel: '#ml-alerts' },
    {
      type: 'webhook',
      name: 'pager',
      url: 'https://pager.example/hook',
      severities: ['critical'],
      bearerTokenSecret: { name: 'alertmanager-pager', key: 'token' },
    },
  ],
};

/** Alert names of the generated rules with the given severity. */
function alertsWith(severity: string): string[] {
  return modelServiceRules({ appName: 'model-service' })
    .alerting.groups.flatMap((g) => g.rules)
    .filter((r) => r.labels.severity === severity)
    .map((r) => r.alert);
}

/** amtool check-config, then `config routes test` for each label set: the receivers Alertmanager picks. */
function checkWithAmtool(config: object, labelSets: string[][]): { check: string; routes: string[] } {
  return withYamlFiles({ 'alertmanager.yml': config }, (dir) => {
    const check = amtool(['check-config', 'alertmanager.yml'], dir);
    if (check.status !== 0) throw new Error(`amtool check-config rejected the config:\n${check.output}`);
    const routes = labelSets.map((labels) => {
      const run = amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', ...labels], dir);
      // amtool warns on stderr that --config.file overrides --alertmanager.url; the verdict is the first line.
      return run.output.split('\n')[0];
    });
    return { check: check.output, routes };
  });
}

describe('alerting: no receiver configured (the default)', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthToFiles({ profile: 'reference' });
  });

  test('every alert goes to a receiver without integration, and synth says alerts reach no one', () => {
    expect(values(result, 'prometheus').alertmanager).toEqual({
      config: { receivers: [{ name: 'unrouted' }], route: { receiver: 'unrouted', group_by: ['alertname', 'namespace'] } },
    });
    expect(result.warnings).toEqual([
      'alerting: Alertmanager has no receiver, so firing alerts reach no one. Add one with the stack prop ' +
        '`alerting: { receivers: [...] }` (Slack or webhook; README > Deploy > "Alerts: add a receiver") or under ' +
        '`alertmanager.config` in charts-values/prometheus.yaml, then run npm run synth again.',
    ]);
    expect(result.files['helm/create-secrets.sh']).not.toContain('require_secret');
  });

  test('the real amtool accepts the config the chart renders from these values', async () => {
    const { check, routes } = checkWithAmtool(alertmanagerConfigOf(await renderPrometheusRelease(result.outdir)), [['severity=critical']]);
    expect(check).toContain('SUCCESS');
    expect(routes).toEqual(['unrouted']);
  }, RENDER_TIMEOUT_MS);

  test('a receiver set in charts-values/prometheus.yaml instead of the props silences the warning; switching Alertmanager off does not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-values-'));
    fs.writeFileSync(
      path.join(dir, 'prometheus.yaml'),
      'alertmanager:\n  config:\n    receivers:\n      - name: unrouted\n        webhook_configs:\n          - url: https://hooks.example/am\n',
    );
    expect(synthToFiles({ profile: 'reference', valuesOverridesDir: dir }).warnings).toEqual([]);
    fs.writeFileSync(path.join(dir, 'prometheus.yaml'), 'alertmanager:\n  enabled: false\n');
    expect(synthToFiles({ profile: 'reference', valuesOverridesDir: dir, alerting: SAMPLE }).warnings).toEqual([
      'alerting: Alertmanager is switched off (alertmanager.enabled: false), so firing alerts reach no one.',
    ]);
  });
});

describe('alerting: Slack and webhook receivers from props', () => {
  let result: SynthResult;
  let renderedObjects: KubeObject[] | undefined;
  /** `helm template` of the prometheus release, once, when a test first needs it. */
  const rendered = async (): Promise<KubeObject[]> => (renderedObjects ??= await renderPrometheusRelease(result.outdir));
  beforeAll(() => {
    result = synthToFiles({ profile: 'reference', alerting: SAMPLE });
  });

  test('receivers read their credentials from files in the mounted Secrets; routes follow the severity label', () => {
    const alertmanager = values(result, 'prometheus').alertmanager;
    expect(alertmanager.config.receivers).toEqual([
      { name: 'unrouted' },
      {
        name: 'team-slack',
        slack_configs: [
          {
            api_url_file: '/etc/alertmanager-secrets/alertmanager-slack/url',
            channel: '#ml-alerts',
            send_resolved: true,
            text: expect.stringContaining('{{ .Annotations.runbook_url }}'),
          },
        ],
      },
      {
        name: 'pager',
        webhook_configs: [
          {
            url: 'https://pager.example/hook',
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager-secrets/alertmanager-pager/token' } },
          },
        ],
      },
    ]);
    expect(alertmanager.config.route).toEqual({
      receiver: 'unrouted',
      group_by: ['alertname', 'namespace'],
      routes: [
        { receiver: 'team-slack', matchers: ['severity=~"critical|warning"'], continue: true },
        { receiver: 'pager', matchers: ['severity="critical"'], continue: true },
      ],
    });
    // Each file the config names lies in a Secret mounted read-only at that path.
    expect(alertmanager.extraSecretMounts).toEqual([
      { name: 'alerting-secret-0', mountPath: '/etc/alertmanager-secrets/alertmanager-pager', subPath: '', secretName: 'alertmanager-pager', readOnly: true },
      { name: 'alerting-secret-1', mountPath: '/etc/alertmanager-secrets/alertmanager-slack', subPath: '', secretName: 'alertmanager-slack', readOnly: true },
    ]);
    expect(result.warnings).toEqual([]);
  });

  test('the real amtool accepts the rendered config and routes critical to both receivers, warning to Slack only', async () => {
    const config = alertmanagerConfigOf(await rendered());
    // What the chart rendered is our config over the subchart's defaults (its route timings, templates).
    expect(config).toMatchObject({ ...values(result, 'prometheus').alertmanager.config, templates: ['/etc/alertmanager/*.tmpl'] });
    const { check, routes } = checkWithAmtool(config, [
      ['alertname=ModelServiceErrorBudgetBurnFast', 'severity=critical'],
      ['alertname=ModelServiceHighErrorRatio', 'severity=warning'],
      ['alertname=SomethingElse'],
    ]);
    expect(check).toContain('SUCCESS');
    expect(routes).toEqual(['team-slack,pager', 'team-slack', 'unrouted']);
  }, RENDER_TIMEOUT_MS);

  test('the chart mounts each Secret read-only where the config reads it (rendered StatefulSet, Kubernetes 1.27 schema)', async () => {
    const statefulSet = (await rendered()).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'prometheus-alertmanager')!;
    expect(kubernetesSchemaProblems(statefulSet)).toEqual([]);
    const pod = (statefulSet.spec as { template: { spec: { volumes: Record<string, unknown>[]; containers: { name: string; volumeMounts: Record<string, unknown>[] }[] } } }).template.spec;
    const mounts = pod.containers.find((c) => c.name === 'alertmanager')!.volumeMounts;
    for (const [secretName, key] of [['alertmanager-slack', 'url'], ['alertmanager-pager', 'token']]) {
      const volume = pod.volumes.find((v) => (v.secret as { secretName?: string } | undefined)?.secretName === secretName);
      expect(volume).toBeDefined();
      const mount = mounts.find((m) => m.name === volume!.name);
      expect(mount).toMatchObject({ mountPath: `/etc/alertmanager-secrets/${secretName}`, readOnly: true });
      expect(JSON.stringify(alertmanagerConfigOf(await rendered()))).toContain(`"${mount!.mountPath}/${key}"`);
    }
  }, RENDER_TIMEOUT_MS);

  test('the install scripts check the user\'s Secrets exist and never create them', () => {
    const script = result.files['helm/create-secrets.sh'];
    expect(script).toMatch(new RegExp(`^require_secret ${NS} alertmanager-pager token '.*pager'$`, 'm'));
    expect(script).toMatch(new RegExp(`^require_secret ${NS} alertmanager-slack url '.*team-slack'$`, 'm'));
    expect(script).not.toMatch(/ensure_secret \S+ alertmanager-(slack|pager)/);
    // The checks come before anything is created.
    expect(script.indexOf('require_secret technical')).toBeLessThan(script.indexOf('ensure_secret technical'));
    // helmfile runs the script before installing Prometheus too.
    const prometheus = parse(result.files['helm/helmfile.yaml']).releases.find((r: { name: string }) => r.name === 'prometheus');
    expect(prometheus.hooks).toEqual([{ events: ['presync'], showlogs: true, command: 'bash', args: ['./create-secrets.sh'] }]);
    // No credential: only file paths and the non-secret webhook URL reach dist/.
    expect(result.files['helm/values/prometheus.yaml']).not.toMatch(/hooks\.slack\.com|api_url:|bearer_token:/);
  });

  test('a severity no receiver takes is named in a warning, with the alerts that then reach no one', () => {
    const pagerOnly = synthToFiles({ profile: 'reference', alerting: { receivers: [SAMPLE.receivers![1]] } });
    expect(pagerOnly.warnings).toEqual([
      `alerting: no receiver takes severity="warning", so ${alertsWith('warning').join(', ')} reach no one. ` +
        'Add "warning" to a receiver\'s severities (alerting.receivers[].severities).',
    ]);
    expect(alertsWith('warning').length).toBeGreaterThan(0);
  });
});

describe('alerting in the current profile (prometheus 29.27.0, Alertmanager v0.34.0): the same receivers', () => {
  let result: SynthResult;
  let objects: KubeObject[];
  beforeAll(async () => {
    result = synthToFiles({ profile: 'current', alerting: SAMPLE });
    objects = await renderPrometheusRelease(result.outdir);
  }, RENDER_TIMEOUT_MS);

  test('the values are the reference profile\'s, and the chart renders them into alertmanager.yml', () => {
    const reference = values(synthToFiles({ profile: 'reference', alerting: SAMPLE }), 'prometheus').alertmanager;
    expect(values(result, 'prometheus').alertmanager).toEqual(reference);
    expect(alertmanagerConfigOf(objects)).toMatchObject(reference.config);
    expect(result.warnings).toEqual([]);
  });

  test('amtool (Debian\'s 0.25.0, older than the v0.34.0 deployed) accepts the rendered config and routes by severity', () => {
    const { check, routes } = checkWithAmtool(alertmanagerConfigOf(objects), [
      ['alertname=ModelServiceErrorBudgetBurnFast', 'severity=critical'],
      ['alertname=ModelServiceHighErrorRatio', 'severity=warning'],
      ['alertname=SomethingElse'],
    ]);
    expect(check).toContain('SUCCESS');
    expect(routes).toEqual(['team-slack,pager', 'team-slack', 'unrouted']);
  });

  test('the chart mounts each receiver Secret read-only where the config reads it', () => {
    const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'prometheus-alertmanager')!;
    expect(kubernetesSchemaProblems(statefulSet)).toEqual([]);
    const pod = (statefulSet.spec as { template: { spec: { volumes: Record<string, unknown>[]; containers: { name: string; volumeMounts: Record<string, unknown>[] }[] } } }).template.spec;
    const mounts = pod.containers.find((c) => c.name === 'alertmanager')!.volumeMounts;
    for (const secretName of ['alertmanager-slack', 'alertmanager-pager']) {
      const volume = pod.volumes.find((v) => (v.secret as { secretName?: string } | undefined)?.secretName === secretName);
      expect(mounts.find((m) => m.name === volume?.name)).toMatchObject({ mountPath: `/etc/alertmanager-secrets/${secretName}`, readOnly: true });
    }
  });
});

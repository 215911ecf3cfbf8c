import { Testing } from 'cdk8s';
import { ObservabilityStack, ObservabilityStackProps } from '../lib/observability-stack';
import { synthToFiles } from './helpers/synth';

function build(props: ObservabilityStackProps): () => void {
  return () => new ObservabilityStack(Testing.app(), 'observability', { profile: 'reference', ...props });
}

describe('invalid props fail synth with a clear message', () => {
  test('a namespace that is not an RFC 1123 label', () => {
    expect(build({ namespace: 'Observability_Stack' })).toThrow(
      'namespace: "Observability_Stack" is not a valid Kubernetes namespace name',
    );
    expect(build({ namespace: 'x'.repeat(64) })).toThrow(/is not a valid Kubernetes namespace name/);
  });

  test('a NodePort outside 30000-32767', () => {
    expect(build({ grafanaNodePort: 3000 })).toThrow('grafana.nodePort: 3000 is not a usable NodePort. Pick an integer from 30000 to 32767');
    expect(build({ minioConsoleNodePort: 40000 })).toThrow(/minio.consoleNodePort: 40000 is not a usable NodePort/);
    expect(build({ modelService: { nodePort: 30010.5 } })).toThrow(/model-service.nodePort: 30010.5 is not a usable NodePort/);
  });

  test('two Services asking for the same NodePort', () => {
    expect(build({ grafanaNodePort: 30010 })).toThrow(
      'grafanaNodePort and modelService.nodePort both ask for NodePort 30010: pick a different one for each',
    );
  });

  test('a chart version that is not an exact semantic version', () => {
    expect(build({ chartVersions: { grafana: '^6.50' } })).toThrow(
      'chartVersions.grafana: "^6.50" is not an exact chart version. Give a full semantic version such as "6.50.8"',
    );
    expect(build({ chartVersions: { loki: 'v1.8.11' } })).toThrow(/chartVersions.loki: "v1.8.11" is not an exact chart version/);
  });

  test('a release name Helm would refuse', () => {
    expect(build({ releaseNames: { loki: 'Loki!' } })).toThrow('loki.releaseName: "Loki!" is not a valid Helm release name');
  });

  test('an image reference with whitespace, and a replica count below one', () => {
    expect(build({ modelService: { image: 'my image:1' } })).toThrow(/model-service.image: "my image:1" is not a container image reference/);
    expect(build({ modelService: { autoscaling: false, replicas: 0 } })).toThrow('model-service.replicas: 0 must be a whole number of at least 1.');
  });

  test('alert receivers: bad or duplicate names, missing Secret or key, unknown severity or type, credentials in a URL', () => {
    const slack = { type: 'slack', name: 'team-slack', urlSecret: { name: 'alertmanager-slack', key: 'url' } } as const;
    const alerting = (...receivers: unknown[]) => build({ alerting: { receivers: receivers as never } });
    expect(alerting({ ...slack, name: 'Team Slack' })).toThrow(
      'alerting.receivers[0].name: "Team Slack" is not a valid receiver name. Use at most 63 lower-case letters',
    );
    expect(alerting({ ...slack, name: 'unrouted' })).toThrow('alerting.receivers[0].name: "unrouted" is reserved for the root route');
    expect(alerting(slack, { type: 'webhook', name: 'team-slack', url: 'https://hooks.example/am' })).toThrow(
      'alerting.receivers[1].name: "team-slack" is already the name of alerting.receivers[0]. Give each receiver its own name.',
    );
    expect(alerting({ type: 'slack', name: 'team-slack' })).toThrow(
      'alerting.receivers[0].urlSecret: required; name the Secret you created and its key holding the Slack incoming-webhook URL',
    );
    expect(alerting({ ...slack, urlSecret: { name: 'alertmanager-slack' } })).toThrow(
      'alerting.receivers[0].urlSecret.key: required; the key of Secret "alertmanager-slack" holding the Slack incoming-webhook URL.',
    );
    expect(alerting({ ...slack, urlSecret: { key: 'url' } })).toThrow('alerting.receivers[0].urlSecret.name: required');
    expect(alerting({ ...slack, urlSecret: { name: 'Slack_Secret', key: 'url' } })).toThrow(
      'alerting.receivers[0].urlSecret.name: "Slack_Secret" is not a valid Secret name.',
    );
    expect(alerting({ ...slack, urlSecret: { name: 'alertmanager-slack', key: 'the url' } })).toThrow(
      'alerting.receivers[0].urlSecret.key: "the url" is not a valid Secret key.',
    );
    expect(alerting({ type: 'webhook', name: 'pager', url: 'https://hooks.example/am', bearerTokenSecret: { name: 'pager' } })).toThrow(
      'alerting.receivers[0].bearerTokenSecret.key: required',
    );
    expect(alerting({ ...slack, severities: ['info'] })).toThrow(
      'alerting.receivers[0].severities: "info" is not a severity the rules use. Use "critical" or "warning".',
    );
    expect(alerting({ ...slack, severities: [] })).toThrow('alerting.receivers[0].severities: list at least one of "critical", "warning"');
    expect(alerting({ ...slack, type: 'email' })).toThrow('alerting.receivers[0].type: "email" is not a receiver type. Use "slack" or "webhook".');
    expect(alerting({ type: 'webhook', name: 'pager', url: 'hooks.example/am' })).toThrow(
      'alerting.receivers[0].url: "hooks.example/am" is not an absolute URL',
    );
    const withPassword = alerting({ type: 'webhook', name: 'pager', url: 'https://user:hunter2@hooks.example/am' });
    expect(withPassword).toThrow('alerting.receivers[0].url: "https://…@hooks.example" carries a user name or password');
    expect(withPassword).not.toThrow(/hunter2/);
  });

  test('two releases with the same name', () => {
    expect(() => synthToFiles({ profile: 'reference', releaseNames: { loki: 'store', tempo: 'store' } })).toThrow(
      'Two Helm releases are both named "technical-observability-for-ml/store"',
    );
  });

  test('valid non-default values are accepted', () => {
    const result = synthToFiles({ profile: 'reference', namespace: 'obs', grafanaNodePort: 32000, chartVersions: { grafana: '6.50.9' } });
    expect(result.files['helm/helmfile.yaml']).toContain('version: 6.50.9');
  });
});

/**
 * The public methods the constructs offer for composing a stack: release ordering and its cycle
 * check, buckets, dashboards and rule groups. GIVEN a small chart, WHEN a method is called with
 * good and bad input, THEN the output or the error says exactly what happened.
 */
import { Chart, Testing } from 'cdk8s';
import { Grafana } from '../../lib/grafana/grafana';
import { releasesInInstallOrder } from '../../lib/helm/helm-release';
import { Loki } from '../../lib/loki/loki';
import { Minio } from '../../lib/minio/minio';
import { Prometheus } from '../../lib/prometheus/prometheus';
import type { AlertingRule, RuleGroup } from '../../lib/prometheus/rule-types';
import { Tempo } from '../../lib/tempo/tempo';

const namespace = 'ns';
const profile = 'reference';

function chart(): Chart {
  return new Chart(Testing.app(), 'test');
}

const alert = (name: string): AlertingRule => ({
  alert: name,
  expr: 'vector(1)',
  labels: { severity: 'warning' },
  annotations: { summary: 's', description: 'd', runbook_url: 'r' },
});

describe('HelmRelease ordering', () => {
  test('releases come after the releases they need, whatever the construction order', () => {
    const scope = chart();
    const minio = new Minio(scope, 'minio', { namespace, profile });
    const loki = new Loki(scope, 'loki', { namespace, profile, storage: minio });
    const tempo = new Tempo(scope, 'tempo', { namespace, profile, storage: minio });
    tempo.addDependency(loki);
    tempo.addDependency(loki); // a repeat is ignored
    expect(tempo.needs.map((r) => r.releaseName)).toEqual(['minio', 'loki']);
    expect(releasesInInstallOrder(scope).map((r) => r.releaseName)).toEqual(['minio', 'loki', 'tempo']);
  });

  test('a release cannot depend on itself, and a cycle is refused naming a release on it', () => {
    const scope = chart();
    const minio = new Minio(scope, 'minio', { namespace, profile });
    const loki = new Loki(scope, 'loki', { namespace, profile, storage: minio });
    expect(() => minio.addDependency(minio)).toThrow('minio: a release cannot depend on itself.');
    minio.addDependency(loki); // loki already needs minio
    expect(() => releasesInInstallOrder(scope)).toThrow(/^Helm releases depend on each other in a cycle through "(minio|loki)"\.$/);
  });

  test('two releases with one name in one namespace are refused', () => {
    const scope = chart();
    const minio = new Minio(scope, 'minio', { namespace, profile });
    new Loki(scope, 'loki', { namespace, profile, storage: minio, releaseName: 'minio' });
    expect(() => releasesInInstallOrder(scope)).toThrow('Two Helm releases are both named "ns/minio": give each a distinct releaseName.');
  });
});

describe('Minio.addBucket', () => {
  test('declares each bucket once for the provisioning job, in order', () => {
    const minio = new Minio(chart(), 'minio', { namespace, profile });
    expect(minio.addBucket('traces')).toBe('traces');
    minio.addBucket('chunks');
    minio.addBucket('traces');
    expect(minio.renderValues().provisioning).toEqual({ enabled: true, buckets: [{ name: 'traces' }, { name: 'chunks' }] });
  });

  test.each(['ab', 'Upper', '-lead', 'trail-', 'under_score', 'x'.repeat(64)])('refuses the bucket name %j with the S3 rule', (name) => {
    const minio = new Minio(chart(), 'minio', { namespace, profile });
    expect(() => minio.addBucket(name)).toThrow(`MinIO bucket "${name}": use 3-63 lower-case letters, digits, '.' or '-' (S3 bucket naming rules).`);
  });
});

describe('Grafana.addDashboard', () => {
  const grafana = () =>
    new Grafana(chart(), 'grafana', { namespace, profile, datasources: { prometheusUrl: 'http://p', lokiUrl: 'http://l', tempoUrl: 'http://t' } });

  test('ships each dashboard as <name>.json in the dashboards ConfigMap, sorted, the last one of a name winning', () => {
    const g = grafana();
    g.addDashboard('zeta', { uid: 'z', title: 'old' });
    g.addDashboard('alpha', { uid: 'a' });
    g.addDashboard('zeta', { uid: 'z', title: 'new' });
    const data = Testing.synth(g.node.scope as Chart).find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>;
    expect(Object.keys(data)).toEqual(['alpha.json', 'zeta.json']);
    expect(JSON.parse(data['zeta.json'])).toEqual({ uid: 'z', title: 'new' });
  });

  test.each([
    [{}, 'Dashboard "d" has no fixed "uid": links to it would break on every re-provisioning.'],
    [{ uid: '' }, 'Dashboard "d" has no fixed "uid": links to it would break on every re-provisioning.'],
    [{ uid: 7 }, 'Dashboard "d" has no fixed "uid": links to it would break on every re-provisioning.'],
  ])('refuses a dashboard without a fixed uid (%j)', (model, message) => {
    expect(() => grafana().addDashboard('d', model)).toThrow(message);
  });

  test('refuses a file name that is not a resource name', () => {
    expect(() => grafana().addDashboard('Bad Name', { uid: 'x' })).toThrow(/dashboard file name/);
  });
});

describe('Prometheus.addRuleGroups', () => {
  test('writes the groups into the rule files in the order added', () => {
    const prometheus = new Prometheus(chart(), 'prometheus', { namespace, profile });
    const first: RuleGroup<AlertingRule> = { name: 'a', rules: [alert('A')] };
    prometheus.addRuleGroups({ alerting: [first], recording: [{ name: 'r', rules: [{ record: 'x:y', expr: 'vector(1)' }] }] });
    prometheus.addRuleGroups({ alerting: [{ name: 'b', rules: [alert('B')] }] });
    const files = prometheus.renderValues().serverFiles as Record<string, { groups: RuleGroup<unknown>[] }>;
    expect(files['alerting_rules.yml'].groups.map((g) => g.name)).toEqual(['a', 'b']);
    expect(files['recording_rules.yml'].groups.map((g) => g.name)).toEqual(['r']);
  });

  test('refuses a second group of the same name (Prometheus would refuse the file)', () => {
    const prometheus = new Prometheus(chart(), 'prometheus', { namespace, profile });
    prometheus.addRuleGroups({ alerting: [{ name: 'a', rules: [alert('A')] }] });
    expect(() => prometheus.addRuleGroups({ alerting: [{ name: 'a', rules: [alert('B')] }] })).toThrow(
      'prometheus.addRuleGroups: an alerting rule group named "a" was already added; group names must be unique.',
    );
  });
});

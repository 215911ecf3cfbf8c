import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRIFT_SIGNAL_NAMES } from 'model-service/contract';
import { modelServiceRules } from '../../../lib/model-service/rules';
import type { AlertingRule, RuleGroup } from '../../../lib/prometheus/rule-types';
import { PROFILES } from '../../../lib/profiles';
import { PROMETHEUS_MAJOR, Promtool, promtool, resolvePromtool, withYamlFiles } from '../../prometheus/promtool';
import { APP, RuleTestCase, promtoolTestFile, recordingRuleTests, ruleTestCases } from './rules-unit-tests';

const rules = modelServiceRules({ appName: APP });
const alertingGroups = rules.alerting.groups as RuleGroup<AlertingRule>[];
const alerts = alertingGroups.flatMap((g) => g.rules);

/**
 * promtool compares annotations exactly. Descriptions interpolate `$value`, whose formatting is Prometheus'
 * business, so the unit-test copy of the rules drops them (promtool check rules still parses their templates);
 * summary and runbook_url are plain text and are checked on every firing alert.
 */
function withoutDescriptions(groups: RuleGroup<AlertingRule>[]): unknown {
  return {
    groups: groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => ({ ...r, annotations: { summary: r.annotations.summary, runbook_url: r.annotations.runbook_url } })),
    })),
  };
}

function withExpectedAnnotations(cases: RuleTestCase[]): RuleTestCase[] {
  return cases.map((c) => {
    if (!alerts.some((a) => a.alert === c.alert)) throw new Error(`unit test for unknown alert ${c.alert}`);
    const tests = c.group.alert_rule_test.map((t) => ({
      ...t,
      exp_alerts: t.exp_alerts.map((e) => {
        // One alert name can have a rule per signal (ModelServiceDrift): pick the rule by its own labels.
        const rule = alerts.find((a) => a.alert === c.alert && Object.entries(a.labels).every(([k, v]) => e.exp_labels[k] === v))!;
        return { ...e, exp_annotations: { summary: rule.annotations.summary, runbook_url: rule.annotations.runbook_url } };
      }),
    }));
    return { ...c, group: { ...c.group, alert_rule_test: tests } };
  });
}

function runUnitTests(tool: Promtool, cases: RuleTestCase[], recordingTests = recordingRuleTests()) {
  return withYamlFiles(
    {
      'alerting_rules.yml': withoutDescriptions(alertingGroups),
      'recording_rules.yml': rules.recording,
      'tests.yml': promtoolTestFile(['recording_rules.yml', 'alerting_rules.yml'], withExpectedAnnotations(cases), recordingTests),
    },
    (dir) => promtool(tool, ['test', 'rules', 'tests.yml'], dir),
  );
}

describe('model-service Prometheus rules', () => {
  test('snapshot', () => {
    expect(rules).toMatchSnapshot();
  });

  test('every alert has a summary, a description, a severity and a runbook section', () => {
    for (const a of alerts) {
      expect(a.annotations.summary).toBeTruthy();
      expect(a.annotations.description).toBeTruthy();
      expect(['critical', 'warning']).toContain(a.labels.severity);
      expect(a.annotations.runbook_url).toBe(`docs/runbook.md#${a.alert.toLowerCase()}`);
    }
    const runbook = readFileSync(join(__dirname, '../../../docs/runbook.md'), 'utf8');
    const missing = [...new Set(alerts.map((a) => a.alert))].filter((name) => !runbook.includes(`\n## ${name}\n`));
    expect(missing).toEqual([]);
  });

  test('every drift signal has its own alert rule, tested firing and silent', () => {
    const drift = alerts.filter((a) => a.alert === 'ModelServiceDrift').map((a) => a.labels.signal).sort();
    expect(drift).toEqual([...DRIFT_SIGNAL_NAMES].sort());
    for (const kind of ['fire', 'silent'] as const) {
      const tested = ruleTestCases().filter((c) => c.alert === 'ModelServiceDrift' && c.kind === kind).map((c) => c.group.name.split(' ')[0]);
      expect([...new Set(tested)].sort()).toEqual(drift);
    }
  });

  test('drift thresholds and the accuracy objective are options, checked at once', () => {
    const custom = modelServiceRules({ appName: APP, driftThresholds: { oov_ratio: 0.8 }, accuracyObjective: 0.97, driftFor: '30m' });
    const oov = custom.alerting.groups.flatMap((g) => g.rules).find((r) => r.alert === 'ModelServiceDrift' && r.labels.signal === 'oov_ratio')!;
    expect(oov.expr).toMatch(/> 0\.8$/);
    expect(oov.for).toBe('30m');
    expect(() => modelServiceRules({ appName: APP, driftThresholds: { oov: 0.5 } as never })).toThrow(
      'modelServiceRules: driftThresholds has an unknown signal "oov"; the signals are class_mix, confidence, document_tokens, oov_ratio, informative_mass',
    );
    expect(() => modelServiceRules({ appName: APP, driftThresholds: { confidence: -1 } })).toThrow('driftThresholds.confidence must be a positive number, got -1');
    expect(() => modelServiceRules({ appName: APP, accuracyObjective: 0.9 })).toThrow(
      'accuracyObjective 0.9 leaves an error budget of 0.1, and the fast burn alert (14.4 × budget) would need more than 100 % wrong predictions; use an objective of at least 0.931',
    );
    expect(() => modelServiceRules({ appName: APP, driftFor: '15 minutes' })).toThrow('driftFor must be a Prometheus duration such as 15m or 1h, got "15 minutes"');
  });

  test('every alert is unit-tested firing on a bad series and silent on a healthy one', () => {
    const cases = ruleTestCases();
    const names = [...new Set(alerts.map((a) => a.alert))].sort();
    expect([...new Set(cases.filter((c) => c.kind === 'fire').map((c) => c.alert))].sort()).toEqual(names);
    expect([...new Set(cases.filter((c) => c.kind === 'silent').map((c) => c.alert))].sort()).toEqual(names);
  });

  test('the availability objective sets the burn-rate thresholds', () => {
    const r = modelServiceRules({ appName: APP, availabilityObjective: 0.99 });
    const fast = (r.alerting.groups as RuleGroup<AlertingRule>[]).flatMap((g) => g.rules).find((a) => a.alert === 'ModelServiceErrorBudgetBurnFast')!;
    // budget 1 %: 14.4x = 0.144, 6x = 0.06
    expect(fast.expr).toContain('> 0.144');
    expect(fast.expr).toContain('> 0.06');
    expect(fast.annotations.summary).toContain('99%');
  });

  test.each([
    [{ appName: 'model service' }, /appName "model service" is not a Kubernetes label value/],
    [{ appName: 'x"}or vector(1)' }, /is not a Kubernetes label value/],
    [{ appName: APP, availabilityObjective: 99.9 }, /availabilityObjective must be a fraction.*write 99.9 % as 0.999/],
    [{ appName: APP, availabilityObjective: 1 }, /availabilityObjective must be a fraction/],
    [{ appName: APP, latencyP99ThresholdSeconds: -1 }, /latencyP99ThresholdSeconds must be a positive number/],
  ])('rejects bad options %j with a clear message', (opts, message) => {
    expect(() => modelServiceRules(opts)).toThrow(message);
  });
});

// Both profiles deploy these rules: each is checked and unit-tested by the promtool of its own
// Prometheus (2.x for the reference's 2.41, 3.14.0 for the current), so the cases hold under
// Prometheus 3's semantics too (left-open range selectors, `.` matching newlines in regexes, ...).
describe.each(PROFILES)('model-service rules under the %s profile\'s promtool', (profile) => {
  let tool: Promtool;
  beforeAll(async () => {
    tool = await resolvePromtool(profile);
  });

  test('the promtool is the one of the profile\'s Prometheus', () => {
    expect(tool.version).toMatch(profile === 'current' ? /^3\.14\.0$/ : /^2\./);
  });

  // Prometheus 3 made range selectors left-open: the sample exactly at a window's start is no
  // longer in it, so at the unit tests' one-minute interval a [5m] window holds 5 samples, not 6.
  // The rules take rates, averages and quantiles over windows of 5m and more, which that one
  // sample does not change: the cases below pass under both. This shows which semantics ran.
  test(`range selectors: [5m] holds ${PROMETHEUS_MAJOR[profile] === 3 ? 5 : 6} one-minute samples (left-open under Prometheus 3 only)`, () => {
    const samples = PROMETHEUS_MAJOR[profile] === 3 ? 5 : 6;
    const tests = {
      rule_files: ['none.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [{ series: 'x{a="1"}', values: '0+1x20' }],
          promql_expr_test: [{ expr: 'count_over_time(x[5m])', eval_time: '10m', exp_samples: [{ labels: '{a="1"}', value: samples }] }],
        },
      ],
    };
    const result = withYamlFiles({ 'none.yml': { groups: [] }, 'tests.yml': tests }, (dir) => promtool(tool, ['test', 'rules', 'tests.yml'], dir));
    if (result.status !== 0) throw new Error(`promtool test rules failed:\n${result.output}`);
  });

  test('promtool check rules accepts the generated files', () => {
    const result = withYamlFiles(
      { 'alerting_rules.yml': rules.alerting, 'recording_rules.yml': rules.recording },
      (dir) => promtool(tool, ['check', 'rules', 'alerting_rules.yml', 'recording_rules.yml'], dir),
    );
    expect(result.output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(result.output).toContain(`SUCCESS: ${rules.recording.groups.flatMap((g) => g.rules).length} rules found`);
    expect(result.status).toBe(0);
  });

  test('promtool test rules: every alert case and the SLO recording rules pass', () => {
    const result = runUnitTests(tool, ruleTestCases());
    if (result.status !== 0) throw new Error(`promtool test rules failed:\n${result.output}`);
    expect(result.output).toContain('SUCCESS');
  });

  test('promtool test rules catches a wrong expectation (the harness can fail)', () => {
    // Expect the healthy 1 % error case to fire: promtool must report it.
    const healthy = ruleTestCases().find((c) => c.kind === 'silent' && c.alert === 'ModelServiceHighErrorRatio')!;
    const wrong: RuleTestCase = {
      ...healthy,
      kind: 'fire',
      group: {
        ...healthy.group,
        alert_rule_test: healthy.group.alert_rule_test.map((t) => ({
          ...t,
          exp_alerts: [{ exp_labels: { severity: 'warning', app: APP, namespace: 'ml' } }],
        })),
      },
    };
    const result = runUnitTests(tool, [wrong], []);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('ModelServiceHighErrorRatio');
  });
});

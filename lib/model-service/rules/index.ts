/**
 * Prometheus rules for the model service, generated from its metric catalogue: golden-signal and
 * scrape alerts, the availability SLO (recording rules + multi-window burn-rate alerts), and model
 * quality (drift per signal, accuracy recording rules and the accuracy SLO).
 * The synthesizer writes `alerting` and `recording` into the prometheus chart's serverFiles
 * (alerting_rules.yml / recording_rules.yml).
 */
import { goldenSignalAlertingGroup } from './golden-signals';
import { ModelServiceRulesOptions, resolveRulesOptions } from './options';
import { modelQualityAlertingGroup, modelQualityRecordingGroup } from './model-quality';
import { sloAlertingGroup, sloRecordingGroup } from './slo';
import type { AlertingRule, RecordingRule, RuleGroup } from '../../prometheus/rule-types';

export type { ModelServiceRulesOptions } from './options';
export { DEFAULT_DRIFT_PSI_THRESHOLDS, resolveDriftThresholds } from './options';
export { MODEL_QUALITY_ALERTS } from './model-quality';
export { ALERT_SEVERITIES } from '../../prometheus/rule-types';
export type { AlertingRule, AlertSeverity } from '../../prometheus/rule-types';
export { BURN_ALERTS } from './slo';
export { GOLDEN_SIGNAL_ALERTS } from './golden-signals';

export function modelServiceRules(opts: ModelServiceRulesOptions): {
  alerting: { groups: RuleGroup<AlertingRule>[] };
  recording: { groups: RuleGroup<RecordingRule>[] };
} {
  const resolved = resolveRulesOptions(opts);
  return {
    alerting: { groups: [goldenSignalAlertingGroup(resolved), sloAlertingGroup(resolved), modelQualityAlertingGroup(resolved)] },
    recording: { groups: [sloRecordingGroup(resolved), modelQualityRecordingGroup(resolved)] },
  };
}

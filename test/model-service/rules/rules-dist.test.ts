/**
 * What ships: the rules inside the committed prometheus values (dist/, written by `npm run synth`) are the
 * generated ones, and the real promtool accepts them exactly as the chart will mount them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { modelServiceRules } from '../../../lib/model-service/rules';
import { profileDir } from '../../../lib/profiles';
import { promtool, withYamlFiles } from '../../prometheus/promtool';

const VALUES = join(profileDir('reference'), 'helm/values/prometheus.yaml');

test('dist prometheus values carry the generated rules, and promtool accepts them', () => {
  if (!existsSync(VALUES)) throw new Error(`${VALUES} is missing: run \`npm run synth\``);
  const values = parse(readFileSync(VALUES, 'utf8')) as { serverFiles: Record<string, unknown> };
  const alerting = values.serverFiles['alerting_rules.yml'];
  const recording = values.serverFiles['recording_rules.yml'];
  // The synthesizer passes its own objective; compare the structure, not a default we might not share.
  const names = (file: unknown) =>
    (file as { groups: { rules: { alert?: string; record?: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert ?? r.record));
  const generated = modelServiceRules({ appName: 'model-service' });
  expect(names(alerting)).toEqual(names(generated.alerting));
  expect(names(recording)).toEqual(names(generated.recording));
  const result = withYamlFiles({ 'alerting_rules.yml': alerting, 'recording_rules.yml': recording }, (dir) =>
    promtool(['check', 'rules', 'alerting_rules.yml', 'recording_rules.yml'], dir),
  );
  if (result.status !== 0) throw new Error(`promtool rejected the shipped rules:\n${result.output}`);
});

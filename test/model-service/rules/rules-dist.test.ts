/**
 * What ships: the rules inside each profile's committed prometheus values (dist/, written by `npm run synth`)
 * are the generated ones, and the promtool of that profile's Prometheus accepts them exactly as the chart will
 * mount them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { modelServiceRules } from '../../../lib/model-service/rules';
import { PROFILES, profileDir } from '../../../lib/profiles';
import { promtool, resolvePromtool, withYamlFiles } from '../../prometheus/promtool';

test.each(PROFILES)('%s: dist prometheus values carry the generated rules, and the profile\'s promtool accepts them', async (profile) => {
  const valuesFile = join(profileDir(profile), 'helm/values/prometheus.yaml');
  const tool = await resolvePromtool(profile);
  if (!existsSync(valuesFile)) throw new Error(`${valuesFile} is missing: run \`npm run synth\``);
  const values = parse(readFileSync(valuesFile, 'utf8')) as { serverFiles: Record<string, unknown> };
  const alerting = values.serverFiles['alerting_rules.yml'];
  const recording = values.serverFiles['recording_rules.yml'];
  // The synthesizer passes its own objective; compare the structure, not a default we might not share.
  const names = (file: unknown) =>
    (file as { groups: { rules: { alert?: string; record?: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert ?? r.record));
  const generated = modelServiceRules({ appName: 'model-service' });
  expect(names(alerting)).toEqual(names(generated.alerting));
  expect(names(recording)).toEqual(names(generated.recording));
  const result = withYamlFiles({ 'alerting_rules.yml': alerting, 'recording_rules.yml': recording }, (dir) =>
    promtool(tool, ['check', 'rules', 'alerting_rules.yml', 'recording_rules.yml'], dir),
  );
  if (result.status !== 0) throw new Error(`promtool ${tool.version} rejected the shipped ${profile} rules:\n${result.output}`);
});

import Ajv, { ValidateFunction } from 'ajv';
import deepmerge from 'deepmerge';
import { parse } from 'yaml';
import { PROFILE_CHARTS } from '../../lib/shared/versions';
import { readChartFile, resolveChartArchive, resolveHelm } from '../../verify/helm';
import { synthToFiles, values } from '../helpers/synth';

// prometheus 19.6.1 ships values.schema.json, and Helm refuses an install whose coalesced values
// (chart defaults + our file) break it; check that here instead of on a cluster. Both files come
// from the pinned chart archive itself (verify/helm.ts finds it: CHARTS_DIR, ../shared, the cache, helm pull).
describe('prometheus values against the chart\'s values.schema.json', () => {
  let validate: ValidateFunction;
  let defaults: object;
  beforeAll(async () => {
    const archive = (await resolveChartArchive(PROFILE_CHARTS.reference.prometheus, (await resolveHelm()).path)).path;
    const schema = JSON.parse(readChartFile(archive, PROFILE_CHARTS.reference.prometheus.chart, 'values.schema.json'));
    delete schema.$schema; // draft-04-style URI that Ajv 8 does not need to resolve
    validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    defaults = parse(readChartFile(archive, PROFILE_CHARTS.reference.prometheus.chart, 'values.yaml'));
  }, 180_000);
  const coalesce = (ours: object) => deepmerge(defaults, ours, { arrayMerge: (_t, source) => source });

  test('the generated values, coalesced with the chart defaults, pass', () => {
    const ok = validate(coalesce(values(synthToFiles({ profile: 'reference' }), 'prometheus')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the schema is not vacuous: a wrongly typed value fails', () => {
    expect(validate(coalesce({ alertmanager: { enabled: 'yes' } }))).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('/alertmanager/enabled');
  });
});

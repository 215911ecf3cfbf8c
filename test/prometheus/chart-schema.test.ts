import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import deepmerge from 'deepmerge';
import { parse } from 'yaml';
import { PROFILE_CHARTS } from '../../lib/shared/versions';
import { synthToFiles, values } from '../helpers/synth';

// prometheus 19.6.1 ships values.schema.json, and Helm refuses an install whose coalesced values
// (chart defaults + our file) break it; check that here instead of on a cluster.
const chartDir = path.resolve(
  __dirname, '..', '..', '..', 'shared', 'charts-reference', `${PROFILE_CHARTS.reference.prometheus.chart}-${PROFILE_CHARTS.reference.prometheus.version}`,
);

describe('prometheus values against the chart\'s values.schema.json', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8'));
  delete schema.$schema; // draft-04-style URI that Ajv 8 does not need to resolve
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const defaults = parse(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'));
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

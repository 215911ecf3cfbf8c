import { readFileSync } from 'node:fs';
import { CONFIG_KEYS } from '../../src/contract';
import { SERVING_DOC, configTable, withConfigTable } from '../../scripts/config-table';

describe('the configuration table of docs/serving.md', () => {
  it('is the one generated from the contract key table (run npm run docs:config -w model-service)', () => {
    const doc = readFileSync(SERVING_DOC, 'utf8');
    expect(withConfigTable(doc)).toBe(doc);
  });

  it('has one row per key with its variable, flag and default', () => {
    const rows = configTable().split('\n').slice(2);
    expect(rows).toHaveLength(Object.keys(CONFIG_KEYS).length);
    expect(rows[1]).toBe(`| \`port\` | \`PORT\` | \`--port\` | \`${CONFIG_KEYS.port.default}\` | ${CONFIG_KEYS.port.description} |`);
  });
});

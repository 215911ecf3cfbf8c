import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { mergeValues, readOverrides } from '../../lib/helm/values-overrides';
import { synthToFiles } from '../helpers/synth';

function overridesDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-values-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('charts-values/ overrides', () => {
  test('merge: maps key by key, lists replaced whole, null kept (Helm then drops the default)', () => {
    const merged = mergeValues(
      { a: { keep: 1, change: 1 }, list: [1, 2, 3], gone: 'x' },
      { a: { change: 2, added: true }, list: [9], gone: null },
    );
    expect(merged).toEqual({ a: { keep: 1, change: 2, added: true }, list: [9], gone: null });
  });

  test('a user override lands in the values file, over the generated values, without losing the wiring', () => {
    const dir = overridesDir({
      'loki.yaml': 'write:\n  replicas: 3\n  extraArgs: ["-log.level=debug"]\n',
      'prometheus.yaml': 'server:\n  retention: 7d\n',
    });
    const result = synthToFiles({ profile: 'reference', valuesOverridesDir: dir });
    const loki = parse(result.files['helm/values/loki.yaml']);
    expect(loki.write.replicas).toBe(3);
    expect(loki.write.extraArgs).toEqual(['-log.level=debug']);
    expect(loki.write.extraEnv).toHaveLength(2);
    expect(loki.loki.storage.s3.endpoint).toBe('minio.technical-observability-for-ml.svc:9000');
    const prometheus = parse(result.files['helm/values/prometheus.yaml']);
    expect(prometheus.server).toMatchObject({ retention: '7d', extraFlags: expect.arrayContaining(['enable-feature=exemplar-storage']) });
  });

  test('missing and comment-only files mean no overrides', () => {
    const dir = overridesDir({ 'grafana.yaml': '# nothing yet\n' });
    expect(readOverrides(dir, 'grafana')).toEqual({});
    expect(readOverrides(dir, 'tempo')).toEqual({});
  });

  test('broken files fail with the file name and what to do', () => {
    const dir = overridesDir({ 'loki.yaml': 'write: [unclosed\n', 'tempo.yaml': '- a\n- b\n' });
    expect(() => readOverrides(dir, 'loki')).toThrow(/loki\.yaml: not valid YAML .*Fix the syntax or empty the file/);
    expect(() => readOverrides(dir, 'tempo')).toThrow(/tempo\.yaml: must be a YAML mapping of Helm values .*got a list/);
  });
});

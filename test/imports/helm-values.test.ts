import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { spawnSync } from 'child_process';

const IMPORTS = path.resolve(__dirname, '..', '..', 'imports', 'helm-values');

/** Type-checks a snippet against the generated typings with the real compiler; returns the error messages. */
function typeErrors(source: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'typed-values-'));
  const file = path.join(dir, 'snippet.ts');
  fs.writeFileSync(file, source.split('@imports').join(IMPORTS));
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('typed Helm values (imports/helm-values)', () => {
  test('are what `npm run import:charts` generates from the pinned charts now', () => {
    // A child process: the generator's formatter (prettier 3) needs dynamic import(), which Jest's
    // CommonJS runtime refuses.
    const repo = path.resolve(__dirname, '..', '..');
    const run = spawnSync(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), '--project', 'tsconfig.json', '--transpile-only', 'scripts/import-chart-values.ts', '--check'],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('6 chart typings up to date');
    expect(run.status).toBe(0);
  });

  test('a misspelt key is a compile error, including keys the reference design sets but these charts ignore', () => {
    const errors = typeErrors(`
      import type { GrafanaValues } from '@imports/reference/grafana';
      import type { LokiSimpleScalableValues } from '@imports/reference/loki-simple-scalable';
      import type { PromtailValues } from '@imports/reference/promtail';
      export const ok: GrafanaValues = { service: { type: 'NodePort', nodePort: 30000 }, extraLabels: { any: 'x' } };
      export const typo: GrafanaValues = { service: { typ: 'NodePort' } };
      export const nested: LokiSimpleScalableValues = { loki: { storage: { schema_config: {} } } };
      export const ignored: PromtailValues = { loki: { serviceName: 'loki' } };
    `);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/'typ' does not exist in type/);
    expect(errors[1]).toMatch(/'schema_config' does not exist in type/);
    expect(errors[2]).toMatch(/'loki' does not exist in type 'PromtailValues'/);
  });
});

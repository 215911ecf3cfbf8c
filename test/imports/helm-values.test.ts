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
    expect(run.stdout).toContain('12 chart typings up to date');
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

  test('the current profile\'s charts too: a misspelt key of Loki 3, SeaweedFS, Alloy or Tempo 2.x does not compile', () => {
    const errors = typeErrors(`
      import type { LokiValues } from '@imports/current/loki';
      import type { SeaweedfsValues } from '@imports/current/seaweedfs';
      import type { AlloyValues } from '@imports/current/alloy';
      import type { TempoValues } from '@imports/current/tempo';
      export const ok: LokiValues = { deploymentMode: 'SimpleScalable', loki: { limits_config: { allow_structured_metadata: true } } };
      export const loki: LokiValues = { loki: { limits_config: { allow_structured_metdata: true } } };
      export const seaweedfs: SeaweedfsValues = { allInOne: { s3: { createBucket: [] } } };
      export const alloy: AlloyValues = { alloy: { mounts: { varlogs: true } } };
      export const tempo: TempoValues = { tempo: { metricsGenerator: { remoteWriteURL: 'http://p' } } };
    `);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/'allow_structured_metdata' does not exist in type/);
    expect(errors[1]).toMatch(/'createBucket' does not exist in type/);
    expect(errors[2]).toMatch(/'varlogs' does not exist in type/);
    expect(errors[3]).toMatch(/'remoteWriteURL' does not exist in type/);
  });
});

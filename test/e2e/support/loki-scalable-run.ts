/**
 * The current profile with Loki in its SimpleScalable mode, on the real Loki 3.7.6: synth with the
 * `loki.deployment` prop set, `helm template` of that output, then the same local stack as the
 * monolithic run (current-stack.ts) with Loki as separate `write`, `read` and `backend` processes
 * (current-loki.ts) on the same kind of SeaweedFS, and the shared checks (verify/stack-checks.ts):
 * the dashboard's Logs panel query and the traces-to-logs query must find the traced request's line.
 *
 * One process per target (replication factor 1) keeps it inside the end-to-end time budget; the
 * ring, the memberlist gossip, the read path's scheduler and the backend's index gateway and
 * compactor are the same code at any count.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ObservabilityStackProps } from '../../../lib/observability-stack';
import { formatTable } from '../../../model-service/src/cli/table';
import type { TrainedModel } from '../../../model-service/test/support/model';
import { CheckRow, formatCheckTable, readSynthesized, runStackChecks } from '../../../verify/stack-checks';
import { synthToFiles } from '../../helpers/synth';
import { CurrentLocalStack, startCurrentStack } from './current-stack';
import type { ProcessRegistry } from './processes';

/** The props the run synthesizes: the mode, one process per target, each stream held once. */
export const LOKI_SIMPLE_SCALABLE_PROPS: ObservabilityStackProps = {
  loki: { deployment: { mode: 'SimpleScalable', replicas: { write: 1, read: 1, backend: 1 } }, replicationFactor: 1 },
};

export interface LokiScalableRun {
  readonly stack: CurrentLocalStack;
  readonly rows: readonly CheckRow[];
  readonly workDir: string;
  readonly reportFile: string;
}

/** Where the run's report (changes, check table, timings) goes. */
export function lokiScalableReportFile(): string {
  return path.join(process.env.E2E_REPORT_DIR || path.join(tmpdir(), 'tofml-e2e'), 'current-loki-simple-scalable.txt');
}

export async function runLokiScalable(options: { model: Promise<TrainedModel>; registry: ProcessRegistry }): Promise<LokiScalableRun> {
  const lines: string[] = [];
  const timings: [string, number][] = [];
  const t = Date.now();
  const workDir = mkdtempSync(path.join(tmpdir(), 'e2e-loki-scalable-'));
  const synth = synthToFiles(LOKI_SIMPLE_SCALABLE_PROPS);
  timings.push(['synth', Date.now() - t]);
  const stack = await startCurrentStack({
    workDir, modelPath: options.model.then((m) => m.modelPath), log: (line) => lines.push(line), registry: options.registry, distDir: synth.outdir,
  });
  timings.push(['start (render, backends ready)', Date.now() - t]);
  lines.push(formatTable(['backend', 'changed', 'to', 'why'], stack.changes
    .filter((b) => b.backend.startsWith('Loki') || b.backend.startsWith('Alloy'))
    .flatMap((b) => b.changes.map((c) => [b.backend, c.path, JSON.stringify(c.to).slice(0, 60), c.why]))));
  const t1 = Date.now();
  const documents = (await options.model).documents.slice(0, 40);
  const rows = await runStackChecks(stack.endpoints, readSynthesized(synth.outdir), { documents, timeoutMs: 60_000, log: (line) => lines.push(line) });
  timings.push(['checks', Date.now() - t1]);
  lines.push(formatCheckTable(rows));
  lines.push(formatTable(['phase', 'seconds'], timings.map(([phase, ms]) => [phase, (ms / 1000).toFixed(1)])));
  const reportFile = lokiScalableReportFile();
  mkdirSync(path.dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, `${lines.join('\n')}\n`);
  rmSync(synth.outdir, { recursive: true, force: true });
  return { stack, rows, workDir, reportFile };
}

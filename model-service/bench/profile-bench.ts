/**
 * `npm run bench:profile`: how far the drift reference profile moves (PSI per signal) when its
 * out-of-fold models use the default 'fast' solver settings (a looser L-BFGS tolerance and
 * fewer correction pairs than the final model), next to how far it moves when the
 * same documents are merely cut into other folds (other seeds), with the CPU time of each.
 * The second is the profile's own noise: an approximation that stays below it costs nothing
 * the profile could resolve.
 */
import { DRIFT_SIGNAL_NAMES } from '../src/contract';
import { formatTable } from '../src/cli/table';
import { UsageError, numberFlag, parseFlags } from '../src/cli/flags';
import { runCli } from '../src/cli/run-cli';
import { DEFAULT_CATEGORIES, loadNewsgroups } from '../src/data/newsgroups';
import type { ReferenceProfile } from '../src/model/reference-profile';
import { DEFAULT_SEED, trainModel, type TrainOptions } from '../src/model/training';
import { populationStabilityIndex } from '../src/monitoring/drift-statistics';
import { resolveDataSource } from '../src/paths';

const USAGE = `Usage: npm run bench:profile -w model-service -- [--data <archive or folder>] [--seeds <n>]

  --data    20news-bydate.tar.gz or extracted folder (default: $NEWSGROUPS_DATA, else the cached download)
  --seeds   other seeds (fold assignments) for the noise rows (default 4)`;

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { data: { type: 'string' }, seeds: { type: 'string' } });
  const seeds = numberFlag('seeds', flags.seeds, { integer: true, min: 1 }) ?? 4;
  const data = await loadNewsgroups({ source: resolveDataSource(flags.data), categories: [...DEFAULT_CATEGORIES] });
  if (data.train.length === 0) throw new UsageError('no training documents');

  const profile = (options: TrainOptions): { profile: ReferenceProfile; cpu: number } => {
    const start = cpuSeconds();
    const model = trainModel(data.train, options);
    return { profile: model.referenceProfile!, cpu: cpuSeconds() - start };
  };
  const finalSolver = { referenceSolver: 'final' as const };
  profile({ ...finalSolver, referenceFolds: 2 }); // warm-up of the code paths
  const exact = profile(finalSolver);
  const rows: { name: string; profile: ReferenceProfile; cpu: number }[] = [
    { name: `default (fast fold solver), seed ${DEFAULT_SEED}`, ...profile({}) },
  ];
  for (let s = 1; s <= seeds; s++) rows.push({ name: `final-model solver, seed ${s} (other folds)`, ...profile({ ...finalSolver, seed: s }) });
  process.stdout.write(
    `\nReference profile, 4 categories (${data.train.length} training documents): PSI per signal against the profile whose\n` +
      `out-of-fold models are solved as the final model is (seed ${DEFAULT_SEED}, ${exact.cpu.toFixed(2)} s CPU for the whole training)\n\n` +
      `${formatTable(
        ['profile', ...DRIFT_SIGNAL_NAMES, 'training CPU s'],
        rows.map((r) => [
          r.name,
          ...DRIFT_SIGNAL_NAMES.map((s) => populationStabilityIndex(exact.profile.signals[s].counts, r.profile.signals[s].counts)!.toFixed(4)),
          r.cpu.toFixed(2),
        ]),
      )}\n`,
  );
}

runCli(main, USAGE);

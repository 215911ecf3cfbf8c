/**
 * `npm run bench:train`: `npm run train` as a user runs it (a whole process, from the repository
 * root, build check included) against the same job in scikit-learn (bench/sklearn_train.py),
 * in alternating rounds so both see the same machine, with the ratio of the medians. With
 * `--against <checkout>`, another checkout's `npm run train` (e.g. the main branch) runs in the
 * same rounds, for a before/after in one run.
 *
 * Run it under `flock /tmp/bench.lock` so two benchmarks never overlap.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveDataSource, resolveUserPath } from '../src/paths';
import { formatTable } from '../src/cli/table';
import { UsageError, numberFlag, parseFlags } from '../src/cli/flags';
import { runCli } from '../src/cli/run-cli';
import { median } from './stats';

const USAGE = `Usage: npm run bench:train -w model-service -- --data <archive> [--rounds <n>] [--python <interpreter>] [--against <checkout>]

  --data     20news-bydate.tar.gz (default: $NEWSGROUPS_DATA)
  --rounds   timed runs of each (default 5), after one untimed warm-up run of each
  --against  the root of another checkout of this repository, with its dependencies installed
             (e.g. git worktree add ../before main && npm ci there): its npm run train is timed
             in the same rounds
  --python   a Python 3 with scikit-learn (default: the first of python3, /usr/bin/python3 that imports it;
             Debian: apt-get install python3-sklearn)`;

/** The target (issue 21): our whole `npm run train`, reference profile included, at most scikit-learn's whole process. */
const TARGET_RATIO = 1.0;
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const SKLEARN_SCRIPT = resolve(__dirname, '..', '..', 'bench', 'sklearn_train.py');

function pythonWithSklearn(explicit: string | undefined): string {
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new UsageError(`no Python with scikit-learn among ${candidates.join(', ')}: install it (apt-get install python3-sklearn) or pass --python`);
}

/** Runs a command to completion; returns its wall time in seconds, or throws with its output. */
function timed(label: string, command: string, args: readonly string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, INIT_CWD: cwd } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  return seconds;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    data: { type: 'string' },
    rounds: { type: 'string' },
    python: { type: 'string' },
    against: { type: 'string' },
  });
  const data = resolveDataSource(flags.data);
  if (data === undefined) throw new UsageError('no data: pass --data <20news-bydate.tar.gz> or set NEWSGROUPS_DATA');
  const rounds = numberFlag('rounds', flags.rounds, { integer: true, min: 1 }) ?? 5;
  const python = pythonWithSklearn(flags.python);
  const against = flags.against === undefined ? undefined : resolveUserPath(flags.against);
  if (against !== undefined && !existsSync(join(against, 'model-service', 'package.json'))) {
    throw new UsageError(`--against ${against}: not a checkout of this repository (no model-service/package.json there)`);
  }
  const out = mkdtempSync(join(tmpdir(), 'bench-train-'));
  try {
    const npmTrain = (root: string) => () => timed(`npm run train in ${root}`, 'npm', ['run', 'train', '--silent', '--', '--data', data, '--out', join(out, 'model.json')], root);
    const sides: { name: string; run: () => number; times: number[] }[] = [
      { name: 'npm run train', run: npmTrain(REPO_ROOT), times: [] },
      { name: `scikit-learn (${SKLEARN_SCRIPT.split('/').pop()})`, run: () => timed('scikit-learn', python, [SKLEARN_SCRIPT, '--data', data, '--out', join(out, 'model.pickle')], REPO_ROOT), times: [] },
      ...(against === undefined ? [] : [{ name: `npm run train in ${against}`, run: npmTrain(against), times: [] as number[] }]),
    ];
    for (const side of sides) side.run();
    for (let round = 1; round <= rounds; round++) {
      // Rotate who goes first so a slow moment of the machine does not always hit the same side.
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(i + round - 1) % sides.length];
        side.times.push(side.run());
      }
      process.stderr.write(`round ${round}/${rounds}: ${sides.map((s) => `${s.name} ${s.times.at(-1)!.toFixed(2)} s`).join(', ')}\n`);
    }
    const row = (name: string, xs: number[]) => [name, median(xs).toFixed(2), Math.min(...xs).toFixed(2), Math.max(...xs).toFixed(2)];
    const [ours, sklearn, before] = sides;
    const ratio = median(ours.times) / median(sklearn.times);
    process.stdout.write(
      `\nWhole-process training, 4 categories, ${rounds} alternating rounds (wall seconds)\n\n` +
        `${formatTable(['process', 'median', 'min', 'max'], sides.map((s) => row(s.name, s.times)))}\n\n` +
        `ratio of medians: ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'})\n` +
        (before === undefined
          ? ''
          : `the other checkout against scikit-learn: ${(median(before.times) / median(sklearn.times)).toFixed(2)}; this checkout against the other: ${(median(ours.times) / median(before.times)).toFixed(2)}\n`),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

runCli(main, USAGE);

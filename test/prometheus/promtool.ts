/**
 * Runs the real promtool (Debian's prometheus package; .ci/run installs it) on files written to a temp dir.
 * Kept as a helper so the rules and dashboard tests share one way of calling it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

export interface PromtoolResult {
  readonly status: number | null;
  /** stdout and stderr together: promtool splits its verdict across them. */
  readonly output: string;
}

export function promtool(args: readonly string[], cwd: string): PromtoolResult {
  const run = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    throw new Error(
      `could not run ${PROMTOOL} (${run.error.message}): install Debian's prometheus package ` +
        '(apt-get install prometheus; .ci/run does it) or point PROMTOOL at the binary.',
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Writes each `name -> object` as YAML into a fresh temp dir, runs `fn(dir)`, and removes the dir. */
export function withYamlFiles<T>(files: Record<string, unknown>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(dir, name), stringify(content, { lineWidth: 0 }));
    }
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

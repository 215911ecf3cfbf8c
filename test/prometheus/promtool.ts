/**
 * Runs the real promtool of a profile's Prometheus on files written to a temp dir, so the rules,
 * dashboard and config tests share one way of calling it:
 *
 * - reference (Prometheus 2.41): a 2.x promtool, Debian's 2.42 (scripts/install-test-tools.sh
 *   installs it) or whatever PROMTOOL names;
 * - current (Prometheus 3.14.0): promtool 3.14.0 from verify/backend-binaries.ts
 *   (CURRENT_PROMTOOL_BINARY, else ../shared/bin's archive, the cache or the release).
 *
 * Each is checked to be of its major version before use, so a test never checks the current
 * profile with Prometheus 2 semantics (or the reference with 3's) without saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { StackProfile } from '../../lib/profiles';
import { CURRENT_BACKENDS, resolveCurrentBackend } from '../../verify/backend-binaries';

export interface PromtoolResult {
  readonly status: number | null;
  /** stdout and stderr together: promtool splits its verdict across them. */
  readonly output: string;
}

/** A promtool binary and the version it reports. */
export interface Promtool {
  readonly binary: string;
  readonly version: string;
}

/** The Prometheus major version each profile deploys (the promtool must match it). */
export const PROMETHEUS_MAJOR: Readonly<Record<StackProfile, number>> = { current: 3, reference: 2 };

/** The promtool for `profile`, its version checked against the profile's Prometheus. */
export async function resolvePromtool(profile: StackProfile): Promise<Promtool> {
  const binary = profile === 'current' ? (await resolveCurrentBackend('promtool')).path : (process.env.PROMTOOL ?? 'promtool');
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    throw new Error(
      profile === 'current'
        ? `could not run ${binary} (${run.error.message}): point CURRENT_PROMTOOL_BINARY at a promtool ${CURRENT_BACKENDS.promtool.version}.`
        : `could not run ${binary} (${run.error.message}): install Debian's prometheus package (apt-get install prometheus; .ci/run does it) or point PROMTOOL at a 2.x promtool.`,
    );
  }
  const version = /promtool, version (\S+)/.exec(`${run.stdout}${run.stderr}`)?.[1] ?? '';
  const major = Number(version.split('.')[0]);
  if (major !== PROMETHEUS_MAJOR[profile]) {
    const variable = profile === 'current' ? 'CURRENT_PROMTOOL_BINARY' : 'PROMTOOL';
    throw new Error(`${binary} is promtool ${version || '(no version)'}; the ${profile} profile deploys Prometheus ${PROMETHEUS_MAJOR[profile]}.x: point ${variable} at a promtool ${PROMETHEUS_MAJOR[profile]}.x.`);
  }
  return { binary, version };
}

export function promtool(tool: Promtool, args: readonly string[], cwd: string): PromtoolResult {
  const run = spawnSync(tool.binary, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw new Error(`could not run ${tool.binary} (${run.error.message})`);
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

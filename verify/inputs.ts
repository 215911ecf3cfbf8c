/**
 * Finds the inputs that are not in the repository — the `helm` binary, the pinned chart archives,
 * each profile's backend programs (verify/backend-binaries.ts) — in one fixed order:
 *
 *   1. an explicit variable (HELM_BINARY, CHARTS_DIR, LOKI_BINARY, CURRENT_BACKENDS_DIR, ...);
 *   2. `../shared` beside the repository (CI has it; override with SHARED_DIR);
 *   3. the cache folder ($TOFML_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, then
 *      technical-observability-for-ml/);
 *   4. a download into the cache, with a progress line and a checksum check.
 *
 * When none works, the error says which variable to set or which command to run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** An input we could not find anywhere; the message names the fix. */
export class MissingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingInputError';
  }
}

/** A file or checksum that is there but wrong (a damaged download, a file of another version). */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

export type InputSourceKind = 'variable' | 'path' | 'shared' | 'cache' | 'download';

export interface ResolvedInput {
  readonly path: string;
  readonly source: InputSourceKind;
}

export interface InputEnvironment {
  /** Where variables are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress of downloads and extractions (one line per step); default stderr. */
  readonly log?: (line: string) => void;
}

export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHARED_DIR || path.resolve(REPO_ROOT, '..', 'shared');
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOFML_CACHE_DIR) return env.TOFML_CACHE_DIR;
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'technical-observability-for-ml');
}

/** How to obtain one input from each of the four sources. */
export interface InputSpec {
  /** What it is, for messages: "chart archive grafana-6.50.8.tgz". */
  readonly what: string;
  /** The variable that names the file directly (or, with `fromVariable`, a folder holding it). */
  readonly variable: string;
  /** The file the variable's value points at. @default - the value itself */
  readonly fromVariable?: (value: string) => string;
  /**
   * The file under `../shared`, how to turn it into the cached file (default: use it as is), and
   * how to check the unpacked file. The check runs on every use: a cached copy that fails it (a
   * file of another build left in the cache) is unpacked again from `../shared`, which comes first.
   */
  readonly shared?: {
    readonly file: string;
    readonly unpack?: (from: string, to: string) => Promise<void>;
    /**
     * Instead of `unpack`, for an archive holding several inputs that is unpacked once for all of
     * them: puts the file at `cached` itself (atomically, by renames) and logs its own progress.
     */
    readonly unpackInPlace?: (from: string, cached: string, log: (line: string) => void) => Promise<void>;
    /**
     * Where the unpacked file lives in the cache, when it is another build than the download (the
     * ../shared Alloy 1.19.0-rc.3 stands in for the 1.18.1 release). @default - cacheFile
     */
    readonly cacheFile?: string;
    readonly check?: (file: string) => Promise<void>;
  };
  /** The file's path inside the cache folder. */
  readonly cacheFile: string;
  /** Fills `to` (a temporary path next to the cache file); absent when there is nothing to download. */
  readonly download?: (to: string, log: (line: string) => void) => Promise<void>;
  /** Checks a candidate before it is used (a checksum); throws InvalidInputError. */
  readonly check?: (file: string) => Promise<void>;
  /** The command or setting that gets it, for the final error. */
  readonly howToGet: string;
}

export function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Walks the four sources in order; see the file comment. */
export async function resolveInput(spec: InputSpec, options: InputEnvironment = {}): Promise<ResolvedInput> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const value = env[spec.variable];
  if (value) {
    const explicit = spec.fromVariable ? spec.fromVariable(value) : value;
    // A variable that names nothing is a mistake to report, not a reason to look elsewhere.
    if (!isFile(explicit)) {
      const file = explicit === value ? '' : ` ${explicit}`;
      throw new MissingInputError(`${spec.variable}=${value}: no such file${file} (${spec.what}). Fix the path or unset ${spec.variable}.`);
    }
    return { path: explicit, source: 'variable' };
  }

  const cached = path.join(cacheDir(env), spec.cacheFile);
  const unpacked = spec.shared?.cacheFile ? path.join(cacheDir(env), spec.shared.cacheFile) : cached;
  if (spec.shared) {
    const shared = path.join(sharedDir(env), spec.shared.file);
    if (isFile(shared)) {
      const sharedCheck = spec.shared.check ?? spec.check;
      const { unpack, unpackInPlace } = spec.shared;
      if (!unpack && !unpackInPlace) {
        await sharedCheck?.(shared);
        return { path: shared, source: 'shared' };
      }
      if (isFile(unpacked) && sharedCheck) {
        try {
          await sharedCheck(unpacked);
          return { path: unpacked, source: 'shared' };
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          log(`${spec.what}: ${unpacked} is not the build in ${shared}; unpacking it again`);
        }
      } else if (isFile(unpacked)) {
        return { path: unpacked, source: 'shared' };
      }
      if (unpackInPlace) {
        await unpackInPlace(shared, unpacked, log);
        await sharedCheck?.(unpacked);
      } else {
        log(`${spec.what}: unpacking ${shared} into ${unpacked}`);
        await intoPlace(unpacked, (tmp) => unpack!(shared, tmp), sharedCheck);
      }
      return { path: unpacked, source: 'shared' };
    }
  }

  // An unpacked ../shared build left in the cache (../shared gone since) is the same build: it
  // comes before a downloaded release and is held to the ../shared checksum.
  if (unpacked !== cached && isFile(unpacked)) {
    await (spec.shared?.check ?? spec.check)?.(unpacked);
    return { path: unpacked, source: 'cache' };
  }
  if (isFile(cached)) {
    await spec.check?.(cached);
    return { path: cached, source: 'cache' };
  }

  const tried = [
    `${spec.variable} is not set`,
    spec.shared ? `${path.join(sharedDir(env), spec.shared.file)} does not exist` : undefined,
    unpacked !== cached ? `${unpacked} does not exist` : undefined,
    `${cached} does not exist`,
  ].filter((s): s is string => s !== undefined);
  if (spec.download) {
    log(`${spec.what}: downloading into ${cached}`);
    try {
      await intoPlace(cached, (tmp) => spec.download!(tmp, log), spec.check);
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      throw new MissingInputError(
        `${spec.what} not found (${tried.join('; ')}) and the download failed: ${(error as Error).message}. ${spec.howToGet}`,
      );
    }
    return { path: cached, source: 'download' };
  }
  throw new MissingInputError(`${spec.what} not found (${tried.join('; ')}). ${spec.howToGet}`);
}

/** Produces `target` through a temporary file, so a broken download never looks cached. */
async function intoPlace(target: string, produce: (tmp: string) => Promise<void>, check?: (file: string) => Promise<void>): Promise<void> {
  mkdirSync(path.dirname(target), { recursive: true });
  // Unique per call: two resolutions of the same input may run at once (in one process or several).
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await produce(tmp);
    await check?.(tmp);
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { force: true, recursive: true });
  }
}

export function sha256OfFile(file: string): Promise<string> {
  return hashOfFile(file, 'sha256');
}

export async function hashOfFile(file: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** A `check` that compares the file's sha256 with the expected one. */
export function expectSha256(what: string, expected: string): (file: string) => Promise<void> {
  return async (file) => {
    const actual = await sha256OfFile(file);
    if (actual !== expected.toLowerCase()) {
      throw new InvalidInputError(`${what} at ${file} has sha256 ${actual}, expected ${expected}: it is another version or damaged; delete it and resolve again.`);
    }
  };
}

/** Downloads `url` to `to`, logging progress about every 10 %. */
export async function downloadFile(url: string, to: string, log: (line: string) => void): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) }).catch((error: Error & { cause?: Error }) => {
    throw new Error(`cannot reach ${url} (${error.cause?.message ?? error.message})`);
  });
  if (!response.ok || response.body === null) throw new Error(`${url} answered HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  let received = 0;
  let nextReport = 0.1;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (total > 0 && received / total >= nextReport) {
      log(`  ${url}: ${Math.floor((100 * received) / total)} % of ${(total / 1e6).toFixed(1)} MB`);
      nextReport += 0.1;
    }
  });
  await pipeline(body, createWriteStream(to));
}

/** Decompresses an .xz file (the backend binaries in ../shared/bin) and makes it executable. */
export async function unxzExecutable(from: string, to: string): Promise<void> {
  // Node has no xz decoder and the npm ones are native builds or unmaintained; xz-utils is part of
  // every Debian/Ubuntu base system (dpkg needs it).
  if (!onPath('xz')) throw new MissingInputError(`cannot unpack ${from}: the xz command is missing (apt-get install xz-utils).`);
  const child = spawn('xz', ['-dc', from], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  await pipeline(child.stdout, createWriteStream(to));
  if ((await exited) !== 0) throw new InvalidInputError(`cannot unpack ${from}: ${stderr.trim() || 'xz failed'}`);
  chmodSync(to, 0o755);
}

/** Runs `command` with `args` and fails with its stderr. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** A command on PATH, or undefined. */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate) && isFile(candidate)) return candidate;
  }
  return undefined;
}

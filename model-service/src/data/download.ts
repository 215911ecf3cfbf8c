import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packageRoot } from '../paths';
import { NewsgroupsDataError } from './errors';

/** The canonical archive and its checksum (as published by the dataset's author). */
export const NEWSGROUPS_URL = 'http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz';
export const NEWSGROUPS_SHA256 = 'fe5f92d928c11ef8e15d72d303be935b0b0cec7f332c082b0ef19124a96fac96';
const ARCHIVE_NAME = '20news-bydate.tar.gz';

/**
 * The archive in the `shared/data/` folder beside the repository (where CI and the development
 * machines keep it; SHARED_DIR says where that folder is), or undefined when it is not there.
 */
export function sharedArchive(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = join(env.SHARED_DIR || resolve(packageRoot(), '..', '..', 'shared'), 'data', ARCHIVE_NAME);
  return existsSync(file) ? file : undefined;
}

export interface DownloadSettings {
  readonly url: string;
  readonly sha256: string;
  readonly cacheDir: string;
}

/**
 * Where to download from and cache to. Environment overrides exist for
 * mirrors and tests: NEWSGROUPS_URL, NEWSGROUPS_SHA256, NEWSGROUPS_CACHE_DIR
 * (default $XDG_CACHE_HOME or ~/.cache, then technical-observability-for-ml/).
 */
export function downloadSettings(env: NodeJS.ProcessEnv = process.env): DownloadSettings {
  const cacheRoot = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return {
    url: env.NEWSGROUPS_URL || NEWSGROUPS_URL,
    sha256: (env.NEWSGROUPS_SHA256 || NEWSGROUPS_SHA256).toLowerCase(),
    cacheDir: env.NEWSGROUPS_CACHE_DIR || join(cacheRoot, 'technical-observability-for-ml'),
  };
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Returns the path of a verified copy of the archive in the cache, downloading
 * it first when missing or damaged.
 * @param onProgress (bytes received, total bytes or 0 when the server does not say)
 */
export async function ensureArchiveDownloaded(settings: DownloadSettings, onProgress?: (received: number, total: number) => void): Promise<string> {
  const target = join(settings.cacheDir, ARCHIVE_NAME);
  const cached = await stat(target).catch(() => undefined);
  if (cached?.isFile() && (await sha256OfFile(target)) === settings.sha256) return target;

  const offlineHint = `download ${NEWSGROUPS_URL} on a connected machine and pass --data <file> (or set NEWSGROUPS_DATA)`;
  let response: Response;
  try {
    response = await fetch(settings.url, { signal: AbortSignal.timeout(10 * 60_000) });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new NewsgroupsDataError(`cannot download the 20 Newsgroups archive from ${settings.url} (${cause}); this machine may be offline: ${offlineHint}`);
  }
  if (!response.ok || response.body === null) {
    throw new NewsgroupsDataError(`cannot download the 20 Newsgroups archive from ${settings.url}: HTTP ${response.status} ${response.statusText}; ${offlineHint}`);
  }

  await mkdir(settings.cacheDir, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  const total = Number(response.headers.get('content-length') ?? 0);
  let received = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    onProgress?.(received, total);
  });
  try {
    await pipeline(body, createWriteStream(partial));
  } catch (error) {
    await rm(partial, { force: true });
    throw new NewsgroupsDataError(`the download from ${settings.url} broke off after ${received} bytes (${(error as Error).message}); try again, or ${offlineHint}`);
  }
  const actual = await sha256OfFile(partial);
  if (actual !== settings.sha256) {
    await rm(partial, { force: true });
    throw new NewsgroupsDataError(
      `the file downloaded from ${settings.url} has sha256 ${actual}, expected ${settings.sha256}: it is not the 20 Newsgroups bydate archive (or was damaged in transit)`,
    );
  }
  await rename(partial, target);
  return target;
}

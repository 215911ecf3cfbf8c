/**
 * The real backend programs the tests run, at the exact application versions each profile's
 * pinned charts deploy. Found by verify/inputs.ts in its order: variable, ../shared/bin (checked
 * against the sha256s of ../shared/bin/README.md, hard-coded below), the cache, then the official
 * release archive, checked against the checksums the release publishes.
 *
 * Reference profile (`resolveBackendBinary`): LOKI_BINARY / TEMPO_BINARY / PROMTAIL_BINARY, then
 * `../shared/bin/<name>-<version>-linux-amd64.xz`.
 *
 * Current profile (`resolveCurrentBackend`): CURRENT_LOKI_BINARY, CURRENT_TEMPO_BINARY,
 * CURRENT_PROMETHEUS_BINARY, CURRENT_PROMTOOL_BINARY, CURRENT_ALLOY_BINARY, CURRENT_WEED_BINARY
 * name one program; CURRENT_BACKENDS_DIR names a folder holding them under the archive's names
 * (loki-3.7.6, promtool-3.14.0, ..., i.e. an unpacked `current/`). Then
 * `../shared/bin/current-backends-linux-amd64.tar.xz`, unpacked whole, once, into
 * `<cache>/bin/current/`. Then the official releases, downloaded into `<cache>/bin/current-releases/`.
 * Alloy is the one program whose ../shared build (1.19.0-rc.3) is not the version the chart
 * deploys (1.18.1, which cannot be built offline; see ../shared/bin/README.md); its download is
 * the 1.18.1 release.
 */
import AdmZip from 'adm-zip';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { extract as extractTar } from 'tar';
import {
  InvalidInputError,
  InputEnvironment,
  MissingInputError,
  ResolvedInput,
  downloadFile,
  expectSha256,
  hashOfFile,
  isFile,
  onPath,
  resolveInput,
  sha256OfFile,
  unxzExecutable,
} from './inputs';

export type Backend = 'loki' | 'tempo' | 'promtail';

interface BackendRelease {
  readonly version: string;
  /** sha256 of the decompressed ../shared/bin build. */
  readonly sharedSha256: string;
  /** The official linux-amd64 release archive, the binary's name inside it, and the release's checksum list. */
  readonly archiveUrl: string;
  readonly member: string;
  readonly checksumsUrl: string;
  /** Environment the program needs to start at all. */
  readonly env: Readonly<Record<string, string>>;
}

const GITHUB = 'https://github.com/grafana';

export const BACKENDS: Readonly<Record<Backend, BackendRelease>> = {
  loki: {
    version: '2.6.1',
    sharedSha256: 'f409afddca14a2ba716bd4e346332daf581d599cfdf62b2f80d2bfaa09b50a87',
    archiveUrl: `${GITHUB}/loki/releases/download/v2.6.1/loki-linux-amd64.zip`,
    member: 'loki-linux-amd64',
    checksumsUrl: `${GITHUB}/loki/releases/download/v2.6.1/SHA256SUMS`,
    // A dependency of Loki 2.6 (modern-go/reflect2) refuses to run on a Go runtime newer than it
    // knew unless told to; harmless (../shared/bin/README.md).
    env: { ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH: 'go1.19' },
  },
  tempo: {
    version: '2.0.0',
    sharedSha256: 'd64ec6da2287a8863c2a3d06b4d38551b0280a0a1a6b25d376ce61f613507356',
    archiveUrl: `${GITHUB}/tempo/releases/download/v2.0.0/tempo_2.0.0_linux_amd64.tar.gz`,
    member: 'tempo',
    checksumsUrl: `${GITHUB}/tempo/releases/download/v2.0.0/SHA256SUMS`,
    env: {},
  },
  promtail: {
    version: '2.7.3',
    sharedSha256: 'e69110e96d94d86402496caa507abe232b70563f18fdbd38770b9125a901fe42',
    archiveUrl: `${GITHUB}/loki/releases/download/v2.7.3/promtail-linux-amd64.zip`,
    member: 'promtail-linux-amd64',
    checksumsUrl: `${GITHUB}/loki/releases/download/v2.7.3/SHA256SUMS`,
    env: { ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH: 'go1.19' },
  },
};

export function binaryVariable(backend: Backend): string {
  return `${backend.toUpperCase()}_BINARY`;
}

/** Path of a runnable binary of `backend` at the pinned version. */
export function resolveBackendBinary(backend: Backend, options: InputEnvironment = {}): Promise<ResolvedInput> {
  const release = BACKENDS[backend];
  const name = `${backend}-${release.version}-linux-amd64`;
  return resolveInput(
    {
      what: `${backend} ${release.version} binary`,
      variable: binaryVariable(backend),
      shared: {
        file: `bin/${name}.xz`,
        unpack: unxzExecutable,
        check: expectSha256(`${name} (the ../shared/bin build)`, release.sharedSha256),
      },
      cacheFile: `bin/${name}`,
      download: (to, log) => downloadRelease(release, to, log),
      howToGet:
        `Set ${binaryVariable(backend)} to a ${backend} ${release.version} linux-amd64 binary, or put ${name}.xz into ${path.join('<SHARED_DIR>', 'bin')}, ` +
        `or run once with network access, or fetch it by hand: curl -fLO ${release.archiveUrl} and point ${binaryVariable(backend)} at its ${release.member}.`,
    },
    options,
  );
}

/** An official release archive, the program's path inside it, and how the release lets us check it. */
export interface OfficialRelease {
  readonly archiveUrl: string;
  readonly member: string;
  /**
   * `sha256-list`: a `sha256sum`-style list covering the archive (most projects' SHA256SUMS);
   * `md5`: a file holding the archive's MD5 alone (all SeaweedFS publishes).
   */
  readonly checksums: { readonly url: string; readonly kind: 'sha256-list' | 'md5' };
}

function downloadRelease(release: BackendRelease, to: string, log: (line: string) => void): Promise<void> {
  return downloadReleaseMember({ archiveUrl: release.archiveUrl, member: release.member, checksums: { url: release.checksumsUrl, kind: 'sha256-list' } }, to, log);
}

/** Downloads `release`, checks the archive, and writes its `member` to `to` as an executable. */
export async function downloadReleaseMember(release: OfficialRelease, to: string, log: (line: string) => void): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'backend-download-'));
  try {
    const archiveName = path.basename(new URL(release.archiveUrl).pathname);
    const archive = path.join(work, archiveName);
    const sums = path.join(work, 'checksums');
    await downloadFile(release.checksums.url, sums, log);
    await downloadFile(release.archiveUrl, archive, log);
    const listed = readFileSync(sums, 'utf8');
    if (release.checksums.kind === 'sha256-list') {
      const expected = checksumFor(listed, archiveName);
      if (expected === undefined) throw new InvalidInputError(`${release.checksums.url} lists no checksum for ${archiveName}.`);
      const actual = await sha256OfFile(archive);
      if (actual !== expected) throw new InvalidInputError(`${archiveName}: sha256 ${actual}, the release lists ${expected}: damaged download, try again.`);
    } else {
      const expected = /^[0-9a-f]{32}\b/.exec(listed.trim())?.[0];
      if (expected === undefined) throw new InvalidInputError(`${release.checksums.url} holds no MD5 checksum.`);
      const actual = await hashOfFile(archive, 'md5');
      if (actual !== expected) throw new InvalidInputError(`${archiveName}: md5 ${actual}, the release lists ${expected}: damaged download, try again.`);
    }
    if (archiveName.endsWith('.zip')) {
      new AdmZip(archive).extractEntryTo(release.member, work, false, true);
      copyFileSync(path.join(work, path.basename(release.member)), to);
    } else {
      await extractTar({ file: archive, cwd: work }, [release.member]);
      copyFileSync(path.join(work, release.member), to);
    }
    chmodSync(to, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The checksum of `file` in a `sha256sum`-style list. */
export function checksumFor(list: string, file: string): string | undefined {
  for (const line of list.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
    if (match && path.basename(match[2]) === file) return match[1];
  }
  return undefined;
}

// ---- The current profile's programs ----

export type CurrentProgram = 'loki' | 'tempo' | 'prometheus' | 'promtool' | 'alloy' | 'weed';

export interface CurrentBackend {
  /** The application, for messages. */
  readonly name: string;
  /** Version of the ../shared/bin build; its file in the archive is `current/<program>-<version>`. */
  readonly version: string;
  /** The version the current profile's chart deploys, which the build stands for (only Alloy's differs). */
  readonly standsFor: string;
  /** sha256 of the build in the ../shared/bin archive (../shared/bin/README.md). */
  readonly sharedSha256: string;
  /** The official linux-amd64 release of `standsFor`, for machines without ../shared. */
  readonly release: OfficialRelease;
}

/** The archive under ../shared holding every current program, and its folder (also the cache folder's name). */
export const CURRENT_BACKENDS_ARCHIVE = 'bin/current-backends-linux-amd64.tar.xz';
const CURRENT_FOLDER = 'current';

const PROMETHEUS_RELEASE = 'https://github.com/prometheus/prometheus/releases/download/v3.14.0';

export const CURRENT_BACKENDS: Readonly<Record<CurrentProgram, CurrentBackend>> = {
  loki: {
    name: 'Loki',
    version: '3.7.6',
    standsFor: '3.7.6',
    sharedSha256: 'd7759b41334af5ac13db36ea7f94b3eeb1660bc783c45e06e3e78d5f9636e3fb',
    release: {
      archiveUrl: `${GITHUB}/loki/releases/download/v3.7.6/loki-linux-amd64.zip`,
      member: 'loki-linux-amd64',
      checksums: { url: `${GITHUB}/loki/releases/download/v3.7.6/SHA256SUMS`, kind: 'sha256-list' },
    },
  },
  tempo: {
    name: 'Tempo',
    version: '2.10.8',
    standsFor: '2.10.8',
    sharedSha256: 'bdb684e8d2cbcf95080106270f6413cc69a058adb5929696c6686fdc29aec4ac',
    release: {
      archiveUrl: `${GITHUB}/tempo/releases/download/v2.10.8/tempo_2.10.8_linux_amd64.tar.gz`,
      member: 'tempo',
      checksums: { url: `${GITHUB}/tempo/releases/download/v2.10.8/SHA256SUMS`, kind: 'sha256-list' },
    },
  },
  prometheus: {
    name: 'Prometheus',
    version: '3.14.0',
    standsFor: '3.14.0',
    sharedSha256: 'b351d039e8b23f729ccdf3a1a37f24f7eff126c30710cf86b7ff6829ecc6ced6',
    release: {
      archiveUrl: `${PROMETHEUS_RELEASE}/prometheus-3.14.0.linux-amd64.tar.gz`,
      member: 'prometheus-3.14.0.linux-amd64/prometheus',
      checksums: { url: `${PROMETHEUS_RELEASE}/sha256sums.txt`, kind: 'sha256-list' },
    },
  },
  promtool: {
    name: 'promtool',
    version: '3.14.0',
    standsFor: '3.14.0',
    sharedSha256: '2fda9267397ad3b13b899559a4109f3b128299336f53bba6639978439b1f5f46',
    release: {
      archiveUrl: `${PROMETHEUS_RELEASE}/prometheus-3.14.0.linux-amd64.tar.gz`,
      member: 'prometheus-3.14.0.linux-amd64/promtool',
      checksums: { url: `${PROMETHEUS_RELEASE}/sha256sums.txt`, kind: 'sha256-list' },
    },
  },
  alloy: {
    name: 'Alloy',
    version: '1.19.0-rc.3',
    standsFor: '1.18.1',
    sharedSha256: '5cbdb33d45529d3a5b03cd385adbe5be6395a79c42ad1b7e1cd5c59634851f46',
    release: {
      archiveUrl: `${GITHUB}/alloy/releases/download/v1.18.1/alloy-linux-amd64.zip`,
      member: 'alloy-linux-amd64',
      checksums: { url: `${GITHUB}/alloy/releases/download/v1.18.1/SHA256SUMS`, kind: 'sha256-list' },
    },
  },
  weed: {
    name: 'SeaweedFS weed',
    version: '4.44',
    standsFor: '4.44',
    sharedSha256: '702c7795d45ada631cf975bbde4aa7c8543d7335528c676fa7b3ffb04ac77833',
    release: {
      archiveUrl: 'https://github.com/seaweedfs/seaweedfs/releases/download/4.44/linux_amd64.tar.gz',
      member: 'weed',
      // SeaweedFS' release workflow (wangyoucao577/go-release-action, default options) publishes
      // no sha256, only `<asset>.md5`: that is what is checked. MD5 catches a damaged download,
      // not a forged one; the https transfer from GitHub is what vouches for the origin.
      checksums: { url: 'https://github.com/seaweedfs/seaweedfs/releases/download/4.44/linux_amd64.tar.gz.md5', kind: 'md5' },
    },
  },
};

/** The variable naming one current program, e.g. CURRENT_PROMTOOL_BINARY. */
export function currentBinaryVariable(program: string): string {
  return `CURRENT_${program.toUpperCase()}_BINARY`;
}

/** The variable naming a folder that holds every current program under its archive name. */
export const CURRENT_BACKENDS_DIR = 'CURRENT_BACKENDS_DIR';

/** Path of a runnable current-profile `program` (see the file comment for where it looks). */
export function resolveCurrentBackend(program: CurrentProgram, options: InputEnvironment = {}): Promise<ResolvedInput> {
  return resolveArchivedBackend(CURRENT_BACKENDS, program, options);
}

/** `resolveCurrentBackend` over any table shaped like CURRENT_BACKENDS (the tests pass their own checksums). */
export function resolveArchivedBackend<P extends string>(
  table: Readonly<Record<P, CurrentBackend>>,
  program: P,
  options: InputEnvironment = {},
): Promise<ResolvedInput> {
  const env = options.env ?? process.env;
  const backend = table[program];
  const file = `${program}-${backend.version}`;
  const variable = currentBinaryVariable(program);
  const useFolder = !env[variable] && Boolean(env[CURRENT_BACKENDS_DIR]);
  const what = `${backend.name} ${backend.version}${backend.standsFor === backend.version ? '' : ` (standing in for ${backend.standsFor})`}`;
  const members = Object.fromEntries(Object.entries<CurrentBackend>(table).map(([p, b]) => [`${p}-${b.version}`, b.sharedSha256]));
  return resolveInput(
    {
      what: `${what} binary`,
      variable: useFolder ? CURRENT_BACKENDS_DIR : variable,
      fromVariable: useFolder ? (dir) => path.join(dir, file) : undefined,
      shared: {
        file: CURRENT_BACKENDS_ARCHIVE,
        unpackInPlace: (archive, cached, log) =>
          unpackBackendArchive(archive, path.dirname(cached), CURRENT_FOLDER, members, `set ${CURRENT_BACKENDS_DIR} or the program's CURRENT_<PROGRAM>_BINARY`, log),
        cacheFile: `bin/${CURRENT_FOLDER}/${file}`,
        check: expectBuild(file, backend.sharedSha256, variable),
      },
      // Downloaded releases are other builds than the ../shared ones (other bytes, for Alloy
      // another version): kept apart, so that an unpacked build can always be held to its checksum.
      cacheFile: `bin/${CURRENT_FOLDER}-releases/${program}-${backend.standsFor}`,
      download: (to, log) => downloadReleaseMember(backend.release, to, log),
      howToGet:
        `Set ${variable} to a ${backend.name} ${backend.standsFor} linux-amd64 binary (or ${CURRENT_BACKENDS_DIR} to a folder holding ${file}), ` +
        `or put ${path.basename(CURRENT_BACKENDS_ARCHIVE)} into ${path.join('<SHARED_DIR>', 'bin')}, or run once with network access, ` +
        `or fetch it by hand: curl -fLO ${backend.release.archiveUrl} and point ${variable} at its ${backend.release.member}.`,
    },
    options,
  );
}

/** A sha256 check whose failure names the variable that bypasses it. */
function expectBuild(file: string, sha256: string, variable: string): (candidate: string) => Promise<void> {
  return async (candidate) => {
    const actual = await sha256OfFile(candidate);
    if (actual !== sha256) {
      throw new InvalidInputError(
        `${file} at ${candidate} has sha256 ${actual}, expected ${sha256} (../shared/bin/README.md): another build or damaged; ` +
          `delete it (it is then unpacked or downloaded again), or set ${variable}.`,
      );
    }
  };
}

/** Archives being unpacked by this process, so that resolving six programs at once unpacks once. */
const unpacking = new Map<string, Promise<void>>();

/**
 * Unpacks the members of `folder/` in `archive` into the folder `into`, each checked against
 * `members` (file name -> sha256). One unpack per archive and folder at a time in this process;
 * against other processes, see unpackArchiveOnce.
 */
export function unpackBackendArchive(
  archive: string,
  into: string,
  folder: string,
  members: Readonly<Record<string, string>>,
  /** How to do without the archive, for the error about a damaged one. */
  bypass: string,
  log: (line: string) => void,
): Promise<void> {
  const key = `${archive}\n${into}`;
  let running = unpacking.get(key);
  if (running === undefined) {
    running = unpackArchiveOnce(archive, into, folder, members, bypass, log).finally(() => unpacking.delete(key));
    unpacking.set(key, running);
  }
  return running;
}

/**
 * One unpack, safe against others running at the same time (two Jest workers, two `npm` commands,
 * two engineers sharing a cache): everything is unpacked into a fresh folder beside `into` (same
 * file system) and checked there; then each member is renamed into `into`, which replaces a file
 * atomically, so a reader sees the whole old file or the whole new one. A member already in `into`
 * with the right checksum was put there by a faster unpack and is kept: the loser uses the
 * winner's.
 */
export async function unpackArchiveOnce(
  archive: string,
  into: string,
  folder: string,
  members: Readonly<Record<string, string>>,
  /** How to do without the archive, for the error about a damaged one. */
  bypass: string,
  log: (line: string) => void,
): Promise<void> {
  mkdirSync(into, { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(into), `.${path.basename(into)}.unpacking-`));
  try {
    log(`unpacking ${archive} into ${into}`);
    const names = Object.keys(members);
    await untarXz(archive, work, names.map((name) => `${folder}/${name}`));
    for (const name of names) {
      const actual = await sha256OfFile(path.join(work, folder, name));
      if (actual !== members[name]) {
        throw new InvalidInputError(
          `${archive}: ${folder}/${name} has sha256 ${actual}, expected ${members[name]} (../shared/bin/README.md): ` +
            `the archive is another build or damaged; replace it, or ${bypass}.`,
        );
      }
    }
    for (const name of names) {
      const target = path.join(into, name);
      if (isFile(target) && (await sha256OfFile(target)) === members[name]) continue;
      chmodSync(path.join(work, folder, name), 0o755);
      renameSync(path.join(work, folder, name), target);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `tar -xJf archive -C dir members...`: GNU tar with xz (Node has no maintained xz decoder). */
async function untarXz(archive: string, dir: string, members: readonly string[]): Promise<void> {
  if (!onPath('xz') || !onPath('tar')) throw new MissingInputError(`cannot unpack ${archive}: the tar and xz commands are needed (apt-get install tar xz-utils).`);
  const child = spawn('tar', ['-xJf', archive, '-C', dir, ...members], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  if (status !== 0) {
    const reason = stderr.trim().split('\n').filter((line) => !/Exiting with failure status/.test(line)).join('; ');
    throw new InvalidInputError(`cannot unpack ${archive}: ${reason || `tar exited ${status}`}`);
  }
}

/**
 * The real backend programs the end-to-end test runs: the exact application versions the
 * reference profile's pinned charts deploy. Found by verify/inputs.ts: LOKI_BINARY /
 * TEMPO_BINARY / PROMTAIL_BINARY, then `../shared/bin/<name>-<version>-linux-amd64.xz`
 * (checked against the sha256 in ../shared/bin/README.md), then the cache, then the official
 * release archive, checked against the release's own SHA256SUMS.
 */
import AdmZip from 'adm-zip';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { extract as extractTar } from 'tar';
import { InvalidInputError, InputEnvironment, ResolvedInput, downloadFile, expectSha256, resolveInput, sha256OfFile, unxzExecutable } from './inputs';

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

async function downloadRelease(release: BackendRelease, to: string, log: (line: string) => void): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'backend-download-'));
  try {
    const archiveName = path.basename(new URL(release.archiveUrl).pathname);
    const archive = path.join(work, archiveName);
    const sums = path.join(work, 'SHA256SUMS');
    await downloadFile(release.checksumsUrl, sums, log);
    await downloadFile(release.archiveUrl, archive, log);
    const expected = checksumFor(readFileSync(sums, 'utf8'), archiveName);
    if (expected === undefined) throw new InvalidInputError(`${release.checksumsUrl} lists no checksum for ${archiveName}.`);
    const actual = await sha256OfFile(archive);
    if (actual !== expected) throw new InvalidInputError(`${archiveName}: sha256 ${actual}, the release lists ${expected}: damaged download, try again.`);
    if (archiveName.endsWith('.zip')) {
      new AdmZip(archive).extractEntryTo(release.member, work, false, true);
    } else {
      await extractTar({ file: archive, cwd: work }, [release.member]);
    }
    copyFileSync(path.join(work, release.member), to);
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

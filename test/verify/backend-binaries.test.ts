import AdmZip from 'adm-zip';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CURRENT_BACKENDS,
  CurrentBackend,
  CurrentProgram,
  resolveArchivedBackend,
  unpackArchiveOnce,
} from '../../verify/backend-binaries';
import { InvalidInputError, MissingInputError } from '../../verify/inputs';
import { filesUnder, serve, write } from './support';

// The current profile's programs from each source in turn, on temp folders: a small tar.xz made
// here with the real tar and xz stands in for ../shared/bin/current-backends-linux-amd64.tar.xz,
// and a table with its checksums for CURRENT_BACKENDS; downloads come from a loopback server.
// Nothing here touches the real ../shared, the real cache or the network.

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
const md5 = (content: Buffer) => createHash('md5').update(content).digest('hex');
const quiet = () => undefined;
const PROGRAMS = Object.keys(CURRENT_BACKENDS) as CurrentProgram[];
/** The file of each program in the archive's `current/` folder (loki-3.7.6, ...). */
const fileOf = (program: CurrentProgram) => `${program}-${CURRENT_BACKENDS[program].version}`;
const contentOf = (program: CurrentProgram) => `#!/bin/sh\necho ${fileOf(program)}\n`;

let root: string;
let env: NodeJS.ProcessEnv;
let cached: (program: CurrentProgram) => string;
let downloaded: (program: CurrentProgram) => string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'current-backends-test-'));
  fs.mkdirSync(path.join(root, 'shared'));
  fs.mkdirSync(path.join(root, 'cache'));
  env = { SHARED_DIR: path.join(root, 'shared'), TOFML_CACHE_DIR: path.join(root, 'cache'), PATH: '/usr/bin:/bin' };
  cached = (program) => path.join(root, 'cache', 'bin', 'current', fileOf(program));
  downloaded = (program) => path.join(root, 'cache', 'bin', 'current-releases', `${program}-${CURRENT_BACKENDS[program].standsFor}`);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** CURRENT_BACKENDS with the fake builds' checksums, downloads going to `url`. */
function table(url = 'http://127.0.0.1:9'): Record<CurrentProgram, CurrentBackend> {
  const entries = PROGRAMS.map((program): [CurrentProgram, CurrentBackend] => {
    const real = CURRENT_BACKENDS[program];
    const archiveUrl = `${url}/${program}/${path.basename(new URL(real.release.archiveUrl).pathname)}`;
    const checksumsUrl = `${url}/${program}/${path.basename(new URL(real.release.checksums.url).pathname)}`;
    return [program, { ...real, sharedSha256: sha256(contentOf(program)), release: { ...real.release, archiveUrl, checksums: { ...real.release.checksums, url: checksumsUrl } } }];
  });
  return Object.fromEntries(entries) as Record<CurrentProgram, CurrentBackend>;
}

/** Packs `current/<file>` for each program (content overridable) as ../shared/bin's archive. */
function fakeArchive(overrides: Partial<Record<CurrentProgram, string>> = {}): string {
  const build = path.join(root, 'build');
  for (const program of PROGRAMS) write(path.join(build, 'current', fileOf(program)), overrides[program] ?? contentOf(program), 0o755);
  const archive = path.join(root, 'shared', 'bin', 'current-backends-linux-amd64.tar.xz');
  fs.mkdirSync(path.dirname(archive), { recursive: true });
  const tar = spawnSync('tar', ['-cJf', archive, '-C', build, 'current'], { encoding: 'utf8' });
  expect(tar.stderr).toBe('');
  fs.rmSync(build, { recursive: true });
  return archive;
}

const resolve = (program: CurrentProgram, options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; url?: string } = {}) =>
  resolveArchivedBackend(table(options.url), program, { env: options.env ?? env, log: options.log ?? quiet });

describe('CURRENT_BACKENDS', () => {
  test('holds the ../shared/bin builds of the current profile, Alloy 1.19.0-rc.3 standing in for 1.18.1', () => {
    const summary = Object.fromEntries(PROGRAMS.map((p) => [p, `${CURRENT_BACKENDS[p].version} for ${CURRENT_BACKENDS[p].standsFor}`]));
    expect(summary).toEqual({
      loki: '3.7.6 for 3.7.6',
      tempo: '2.10.8 for 2.10.8',
      prometheus: '3.14.0 for 3.14.0',
      promtool: '3.14.0 for 3.14.0',
      alloy: '1.19.0-rc.3 for 1.18.1',
      weed: '4.44 for 4.44',
    });
    expect(CURRENT_BACKENDS.alloy.release.archiveUrl).toBe('https://github.com/grafana/alloy/releases/download/v1.18.1/alloy-linux-amd64.zip');
  });

  test('the sha256s are those of ../shared/bin/README.md', () => {
    const readme = path.resolve(__dirname, '..', '..', '..', 'shared', 'bin', 'README.md');
    if (!fs.existsSync(readme)) return; // only where ../shared is present
    const text = fs.readFileSync(readme, 'utf8');
    for (const program of PROGRAMS) {
      expect(text).toMatch(new RegExp(`\\| \`current/${fileOf(program).replace(/[.]/g, '\\.')}\` \\|.*\\| ${CURRENT_BACKENDS[program].sharedSha256} \\|`));
    }
  });
});

describe('resolveCurrentBackend: the sources in order', () => {
  test('1. CURRENT_<PROGRAM>_BINARY wins over CURRENT_BACKENDS_DIR and ../shared', async () => {
    fakeArchive();
    const own = write(path.join(root, 'own-promtool'), '#!/bin/sh\n', 0o755);
    const folder = path.join(root, 'builds');
    write(path.join(folder, 'promtool-3.14.0'), '#!/bin/sh\n', 0o755);
    await expect(resolve('promtool', { env: { ...env, CURRENT_PROMTOOL_BINARY: own, CURRENT_BACKENDS_DIR: folder } })).resolves.toEqual({ path: own, source: 'variable' });
    expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
  });

  test('1b. CURRENT_BACKENDS_DIR names a folder of the archive\'s files; one without the file fails naming it', async () => {
    const folder = path.join(root, 'builds');
    const tempo = write(path.join(folder, 'tempo-2.10.8'), '#!/bin/sh\n', 0o755);
    await expect(resolve('tempo', { env: { ...env, CURRENT_BACKENDS_DIR: folder } })).resolves.toEqual({ path: tempo, source: 'variable' });
    await expect(resolve('weed', { env: { ...env, CURRENT_BACKENDS_DIR: folder } })).rejects.toThrow(
      `CURRENT_BACKENDS_DIR=${folder}: no such file ${path.join(folder, 'weed-4.44')} (SeaweedFS weed 4.44 binary). Fix the path or unset CURRENT_BACKENDS_DIR.`,
    );
  });

  test('2. ../shared: the whole archive is unpacked once into the cache, every member checked, no temporary folder left', async () => {
    fakeArchive();
    const lines: string[] = [];
    await expect(resolve('promtool', { log: (l) => lines.push(l) })).resolves.toEqual({ path: cached('promtool'), source: 'shared' });
    expect(filesUnder(path.join(root, 'cache')).sort()).toEqual(PROGRAMS.map((p) => `bin/current/${fileOf(p)}`).sort());
    expect(fs.readdirSync(path.join(root, 'cache', 'bin'))).toEqual(['current']);
    expect(fs.statSync(cached('alloy')).mode & 0o777).toBe(0o755);
    // The other programs come from that one unpack.
    await expect(resolve('alloy', { log: (l) => lines.push(l) })).resolves.toEqual({ path: cached('alloy'), source: 'shared' });
    expect(lines.filter((l) => l.startsWith('unpacking'))).toHaveLength(1);
    expect(spawnSync(cached('loki')).stdout.toString()).toBe('loki-3.7.6\n');
  });

  test('2b. six programs asked for at once in one process share one unpack', async () => {
    fakeArchive();
    const lines: string[] = [];
    const resolved = await Promise.all(PROGRAMS.map((p) => resolve(p, { log: (l) => lines.push(l) })));
    expect(resolved).toEqual(PROGRAMS.map((p) => ({ path: cached(p), source: 'shared' })));
    expect(lines.filter((l) => l.startsWith('unpacking'))).toHaveLength(1);
  });

  test('2c. a damaged cached file is unpacked again from ../shared', async () => {
    fakeArchive();
    write(cached('loki'), 'truncated', 0o755);
    const lines: string[] = [];
    await expect(resolve('loki', { log: (l) => lines.push(l) })).resolves.toEqual({ path: cached('loki'), source: 'shared' });
    expect(fs.readFileSync(cached('loki'), 'utf8')).toBe(contentOf('loki'));
    expect(lines[0]).toMatch(/^Loki 3\.7\.6 binary: .*loki-3\.7\.6 is not the build in .*current-backends-linux-amd64\.tar\.xz; unpacking it again$/);
  });

  test('2d. an archive member with another checksum fails on one line, naming member, both checksums and the variables; nothing is cached', async () => {
    fakeArchive({ weed: 'not weed\n' });
    const failing = resolve('promtool');
    await expect(failing).rejects.toThrow(InvalidInputError);
    await expect(resolve('promtool')).rejects.toThrow(
      `current/weed-4.44 has sha256 ${sha256('not weed\n')}, expected ${sha256(contentOf('weed'))} (../shared/bin/README.md): ` +
        "the archive is another build or damaged; replace it, or set CURRENT_BACKENDS_DIR or the program's CURRENT_<PROGRAM>_BINARY.",
    );
    expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'cache', 'bin', 'current'))).toEqual([]);
  });

  test('2e. an archive that is not tar.xz fails naming the file', async () => {
    const archive = write(path.join(root, 'shared', 'bin', 'current-backends-linux-amd64.tar.xz'), 'not an archive');
    await expect(resolve('tempo')).rejects.toThrow(new RegExp(`^cannot unpack ${archive.replace(/[.]/g, '\\.')}: .*(format|xz)`));
    expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
  });

  test('3. the unpacked build in the cache when ../shared is absent, still held to its checksum', async () => {
    const promtool = write(cached('promtool'), contentOf('promtool'), 0o755);
    await expect(resolve('promtool')).resolves.toEqual({ path: promtool, source: 'cache' });
    write(cached('promtool'), 'damaged', 0o755);
    await expect(resolve('promtool')).rejects.toThrow(
      `promtool-3.14.0 at ${promtool} has sha256 ${sha256('damaged')}, expected ${sha256(contentOf('promtool'))} (../shared/bin/README.md): ` +
        'another build or damaged; delete it (it is then unpacked or downloaded again), or set CURRENT_PROMTOOL_BINARY.',
    );
  });

  test('4. the official release, checked against its SHA256SUMS (Alloy: the 1.18.1 release, cached under its own name)', async () => {
    const zip = new AdmZip();
    zip.addFile('alloy-linux-amd64', Buffer.from('alloy 1.18.1\n'));
    const archive = zip.toBuffer();
    const sums = `${sha256('other')}  alloy-darwin-amd64.zip\n${sha256(archive)}  alloy-linux-amd64.zip\n`;
    const server = await serve({ '/alloy/alloy-linux-amd64.zip': { status: 200, body: archive }, '/alloy/SHA256SUMS': { status: 200, body: sums } });
    try {
      const alloy = downloaded('alloy');
      expect(alloy).toMatch(/current-releases\/alloy-1\.18\.1$/);
      await expect(resolve('alloy', { url: server.url })).resolves.toEqual({ path: alloy, source: 'download' });
      expect(fs.readFileSync(alloy, 'utf8')).toBe('alloy 1.18.1\n');
      expect(fs.statSync(alloy).mode & 0o777).toBe(0o755);
      await expect(resolve('alloy', { url: server.url })).resolves.toEqual({ path: alloy, source: 'cache' });
      expect(server.requests).toEqual(['/alloy/SHA256SUMS', '/alloy/alloy-linux-amd64.zip']);
    } finally {
      await server.close();
    }
  });

  test('4b. Prometheus\' promtool from its release tarball, checked against sha256sums.txt; a tampered one is refused', async () => {
    const build = path.join(root, 'release');
    write(path.join(build, 'prometheus-3.14.0.linux-amd64', 'promtool'), 'promtool 3.14.0\n', 0o755);
    write(path.join(build, 'prometheus-3.14.0.linux-amd64', 'prometheus'), 'prometheus 3.14.0\n', 0o755);
    const tarball = path.join(root, 'prometheus.tar.gz');
    expect(spawnSync('tar', ['-czf', tarball, '-C', build, 'prometheus-3.14.0.linux-amd64']).status).toBe(0);
    const archive = fs.readFileSync(tarball);
    const sums = (sha: string) => `${sha}  prometheus-3.14.0.linux-amd64.tar.gz\n`;
    const routes = {
      '/promtool/prometheus-3.14.0.linux-amd64.tar.gz': { status: 200, body: archive },
      '/promtool/sha256sums.txt': { status: 200, body: sums(sha256('tampered')) },
    };
    const server = await serve(routes);
    try {
      await expect(resolve('promtool', { url: server.url })).rejects.toThrow(
        `prometheus-3.14.0.linux-amd64.tar.gz: sha256 ${sha256(archive)}, the release lists ${sha256('tampered')}: damaged download, try again.`,
      );
      expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
      routes['/promtool/sha256sums.txt'].body = sums(sha256(archive));
      await expect(resolve('promtool', { url: server.url })).resolves.toEqual({ path: downloaded('promtool'), source: 'download' });
      expect(fs.readFileSync(downloaded('promtool'), 'utf8')).toBe('promtool 3.14.0\n');
    } finally {
      await server.close();
    }
  });

  test('4c. SeaweedFS publishes only an MD5 per asset: that is what is checked', async () => {
    const build = path.join(root, 'release');
    write(path.join(build, 'weed'), 'weed 4.44\n', 0o755);
    const tarball = path.join(root, 'weed.tar.gz');
    expect(spawnSync('tar', ['-czf', tarball, '-C', build, 'weed']).status).toBe(0);
    const archive = fs.readFileSync(tarball);
    const routes = {
      '/weed/linux_amd64.tar.gz': { status: 200, body: archive },
      '/weed/linux_amd64.tar.gz.md5': { status: 200, body: `${md5(Buffer.from('x'))}\n` },
    };
    const server = await serve(routes);
    try {
      await expect(resolve('weed', { url: server.url })).rejects.toThrow(`linux_amd64.tar.gz: md5 ${md5(archive)}, the release lists ${md5(Buffer.from('x'))}`);
      routes['/weed/linux_amd64.tar.gz.md5'].body = `${md5(archive)}\n`;
      await expect(resolve('weed', { url: server.url })).resolves.toEqual({ path: downloaded('weed'), source: 'download' });
    } finally {
      await server.close();
    }
  });

  test('5. when nothing works: one line naming what was tried, the variables, the archive and the release to fetch', async () => {
    const server = await serve({});
    try {
      const failing = resolve('promtool', { url: server.url });
      await expect(failing).rejects.toThrow(MissingInputError);
      const message = await resolve('promtool', { url: server.url }).catch((error: Error) => error.message);
      expect(message).not.toContain('\n');
      expect(message).toBe(
        `promtool 3.14.0 binary not found (CURRENT_PROMTOOL_BINARY is not set; ${path.join(root, 'shared', 'bin', 'current-backends-linux-amd64.tar.xz')} does not exist; ` +
          `${cached('promtool')} does not exist; ${downloaded('promtool')} does not exist) and the download failed: ${server.url}/promtool/sha256sums.txt answered HTTP 404. ` +
          'Set CURRENT_PROMTOOL_BINARY to a promtool 3.14.0 linux-amd64 binary (or CURRENT_BACKENDS_DIR to a folder holding promtool-3.14.0), ' +
          'or put current-backends-linux-amd64.tar.xz into <SHARED_DIR>/bin, or run once with network access, ' +
          `or fetch it by hand: curl -fLO ${server.url}/promtool/prometheus-3.14.0.linux-amd64.tar.gz and point CURRENT_PROMTOOL_BINARY at its prometheus-3.14.0.linux-amd64/promtool.`,
      );
      expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  test('5b. Alloy\'s message says which build stands for which release', async () => {
    const message = await resolve('alloy').catch((error: Error) => error.message);
    expect(message).toMatch(/^Alloy 1\.19\.0-rc\.3 \(standing in for 1\.18\.1\) binary not found \(CURRENT_ALLOY_BINARY is not set; .*alloy-1\.19\.0-rc\.3 does not exist; .*alloy-1\.18\.1 does not exist\) and the download failed: cannot reach .*Set CURRENT_ALLOY_BINARY to a Alloy 1\.18\.1 linux-amd64 binary/);
  });
});

describe('unpackArchiveOnce: two unpacks at the same time (two processes, two Jest workers)', () => {
  const members = () => Object.fromEntries(PROGRAMS.map((p) => [fileOf(p), sha256(contentOf(p))]));
  const into = () => path.join(root, 'cache', 'bin', 'current');

  test('both succeed, the folder holds each member whole, and no temporary folder is left', async () => {
    const archive = fakeArchive();
    await Promise.all([1, 2].map(() => unpackArchiveOnce(archive, into(), 'current', members(), 'set X', quiet)));
    for (const program of PROGRAMS) expect(fs.readFileSync(cached(program), 'utf8')).toBe(contentOf(program));
    expect(fs.readdirSync(path.join(root, 'cache', 'bin'))).toEqual(['current']);
  });

  test('the loser uses the winner\'s: a member already in place with the right checksum is not replaced', async () => {
    const archive = fakeArchive();
    await unpackArchiveOnce(archive, into(), 'current', members(), 'set X', quiet);
    const before = fs.statSync(cached('prometheus')).ino;
    write(cached('tempo'), 'damaged', 0o755);
    await unpackArchiveOnce(archive, into(), 'current', members(), 'set X', quiet);
    expect(fs.statSync(cached('prometheus')).ino).toBe(before);
    expect(fs.readFileSync(cached('tempo'), 'utf8')).toBe(contentOf('tempo'));
  });
});

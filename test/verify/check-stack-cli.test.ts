/** `npm run check:stack` as a person runs it: usage errors exit 2 with one line, unreachable endpoints say why. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHECK_STACK_USAGE } from '../../verify/check-stack-args';

const ROOT = resolve(__dirname, '../..');
/** What a usage error prints: the message on one line, then the usage. */
const usageError = (message: string) => `error: ${message}\n\n${CHECK_STACK_USAGE}\n`;

function checkStack(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--require', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'scripts/check-stack.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env } },
      (error, stdout, stderr) => done({ code: error === null ? 0 : (error.code as number), stdout, stderr }),
    );
  });
}

/** A loopback port nothing listens on (bound, read, closed). */
function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

describe('npm run check:stack, run as a program', () => {
  test('--help: the usage on stdout, exit 0; it names each profile\'s Loki Service', async () => {
    const run = await checkStack(['--help']);
    expect(run).toEqual({ code: 0, stdout: `${CHECK_STACK_USAGE}\n`, stderr: '' });
    expect(CHECK_STACK_USAGE).toContain('loki-gateway in the current\n                      profile, loki-read in the reference profile');
  }, 60_000);

  test('a bad flag: the message on one line, the usage, exit 2', async () => {
    const run = await checkStack(['--timeout', 'soon']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: usageError('--timeout must be a number, got "soon"') });
  }, 60_000);

  test('a context kubectl does not know: a usage error naming the contexts there are, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-stack-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: demo',
      'clusters: [{name: demo, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: demo, user: {}}]',
      'contexts: [{name: demo, context: {cluster: demo, user: demo}}]', '',
    ].join('\n'));
    const run = await checkStack(['--context', 'nope'], { KUBECONFIG: kubeconfig });
    expect(run).toEqual({ code: 2, stdout: '', stderr: usageError('--context "nope" is not a context of kubectl\'s configuration; it has: demo') });
  }, 60_000);

  test('a kubectl that is not there: a usage error, exit 2', async () => {
    const run = await checkStack(['--context', 'demo', '--kubectl', '/nonexistent/kubectl']);
    expect(run).toEqual({
      code: 2, stdout: '',
      stderr: usageError('--kubectl: cannot run "/nonexistent/kubectl": not found; install kubectl or give its path with --kubectl'),
    });
  }, 60_000);

  test('an endpoint nothing listens on: the failing check says which address and why, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await checkStack(['--service', url, '--prometheus', url, '--loki', url, '--tempo', url, '--timeout', '5']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`\n1 of 1 checks failed:\n  service / burst answered: cannot reach ${url}/predict: `
      + 'connection refused: nothing listens there (ECONNREFUSED)\n');
    expect(run.stderr).not.toContain('fetch failed');
  }, 60_000);
});

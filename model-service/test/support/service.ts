/**
 * Starts the real model service as a child process (the same entry point as
 * `npm run serve`: telemetry preloaded, then server.ts), on loopback, for
 * integration tests. Runs the TypeScript sources through ts-node (transpile
 * only), so no build step is needed.
 *
 * Stable API, also used by the root package's integration tests
 * (test/integration/): startModelService, freePort.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const SERVICE_ROOT = resolve(__dirname, '../..');

export interface StartModelServiceOptions {
  /** Model file to serve (see ./model.ts to train one). */
  readonly modelPath: string;
  /** Default: a free port. */
  readonly port?: number;
  /** Extra environment (config keys such as LOG_LEVEL, OTEL_* variables). */
  readonly env?: NodeJS.ProcessEnv;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  /** How long to wait for the service to listen. Default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface RunningModelService {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** host:port, the form a Prometheus target takes. */
  readonly target: string;
  readonly port: number;
  readonly process: ChildProcessWithoutNullStreams;
  /** Every stdout line so far (pino JSON lines, and anything else the process printed). */
  readonly stdoutLines: string[];
  readonly stderr: () => string;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Sends a signal; resolves with the exit code when the process exits. */
  signal(signal: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM (then SIGKILL after 10 s) and wait for exit. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (closed again before returning; fine for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The service's process as `npm run serve` starts it (telemetry preloaded), from the sources. */
function spawnService(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    [
      '--require', require.resolve('ts-node/register/transpile-only'),
      '--require', resolve(SERVICE_ROOT, 'src/telemetry.ts'),
      resolve(SERVICE_ROOT, 'src/server.ts'),
      ...args,
    ],
    {
      cwd: SERVICE_ROOT,
      env: {
        ...process.env,
        TS_NODE_PROJECT: resolve(SERVICE_ROOT, 'tsconfig.json'),
        // Tests that want traces pass OTEL_EXPORTER_OTLP_ENDPOINT; without it the service warns once.
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
}

/** Runs the service's command line to its end (e.g. --help, or a start that must fail): exit code and output. */
export function runServiceCommand(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnService(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  return new Promise((resolveRun) => child.once('close', (code) => resolveRun({ code, stdout, stderr })));
}

export async function startModelService(options: StartModelServiceOptions): Promise<RunningModelService> {
  const port = options.port ?? (await freePort());
  const child = spawnService(
    ['--model', options.modelPath, '--port', String(port), '--host', '127.0.0.1', ...(options.args ?? [])],
    options.env,
  );

  const stdoutLines: string[] = [];
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    stdoutLines.push(...lines);
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(url, options.startTimeoutMs ?? 30_000, exited, () => stderr);

  const logs = (): Record<string, unknown>[] => stdoutLines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  return {
    url,
    target: `127.0.0.1:${port}`,
    port,
    process: child,
    stdoutLines,
    stderr: () => stderr,
    logs,
    signal(signal) {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    },
  };
}

async function waitUntilHealthy(
  url: string, timeoutMs: number, exited: Promise<number | null>, stderr: () => string,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`model service exited with ${exitCode} before listening:\n${stderr()}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`model service did not answer ${url}/healthz within ${timeoutMs} ms:\n${stderr()}`);
}

/**
 * The real Tempo 2.0.0 (what the pinned tempo chart 1.0.0 deploys) as a single binary on loopback:
 * local block storage in a temporary folder, the OTLP/HTTP receiver and the HTTP API on free
 * ports. The binary comes from verify/backend-binaries.ts (TEMPO_BINARY, ../shared/bin, the
 * cache, or the release download, checksum-checked).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../model-service/test/support/service';
import { BACKENDS, resolveBackendBinary } from '../../../verify/backend-binaries';

export interface RunningTempo {
  /** Base URL of the OTLP/HTTP receiver (POST /v1/traces). */
  readonly otlpUrl: string;
  /** Base URL of Tempo's HTTP API (GET /api/traces/<trace id>, /ready). */
  readonly apiUrl: string;
  /** Kills Tempo and removes its storage; safe to call twice. */
  stop(): Promise<void>;
}

/** One span as Tempo's trace-by-id API returns it (OTLP/JSON of Tempo's own protos). */
export interface StoredSpan {
  readonly name: string;
  readonly serviceName: string | undefined;
}

/** Every config key is one Tempo 2.0 knows: it refuses unknown keys at start. */
function config(dir: string, ports: { http: number; grpc: number; otlp: number }): string {
  return JSON.stringify({
    server: {
      http_listen_address: '127.0.0.1', http_listen_port: ports.http,
      grpc_listen_address: '127.0.0.1', grpc_listen_port: ports.grpc,
      log_level: 'warn',
    },
    distributor: { receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${ports.otlp}` } } } } },
    // Ready at once rather than after the default 15 s wait meant for a ring of several ingesters.
    ingester: { lifecycler: { min_ready_duration: '0s' } },
    storage: { trace: { backend: 'local', wal: { path: join(dir, 'wal') }, local: { path: join(dir, 'blocks') } } },
    usage_report: { reporting_enabled: false },
  });
}

export async function startTempo(options: { readyTimeoutMs?: number } = {}): Promise<RunningTempo> {
  const binary = (await resolveBackendBinary('tempo')).path;
  const dir = await mkdtemp(join(tmpdir(), 'tempo-test-'));
  const ports = { http: await freePort(), grpc: await freePort(), otlp: await freePort() };
  // JSON is valid YAML.
  await writeFile(join(dir, 'tempo.yaml'), config(dir, ports));
  const child: ChildProcess = spawn(binary, [`-config.file=${join(dir, 'tempo.yaml')}`], {
    env: { ...process.env, ...BACKENDS.tempo.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const apiUrl = `http://127.0.0.1:${ports.http}`;

  const stop = async (): Promise<void> => {
    // SIGKILL, not SIGTERM: Tempo 2.0 took over 20 s to stop gracefully here, and its storage is
    // a temporary folder removed right after.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`tempo ${BACKENDS.tempo.version} exited with ${child.exitCode}:\n${stderr}`);
    }
    try {
      if ((await fetch(`${apiUrl}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`tempo ${BACKENDS.tempo.version} not ready within ${options.readyTimeoutMs ?? 20_000} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { otlpUrl: `http://127.0.0.1:${ports.otlp}`, apiUrl, stop };
}

interface TempoTraceJson {
  batches?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { name: string }[] }[];
  }[];
}

/**
 * The spans Tempo returns for `traceId` (hex), polling until at least `minSpans` are there
 * (spans of one trace may arrive in several pushes) or `timeoutMs` passes.
 */
export async function waitForTrace(tempo: RunningTempo, traceId: string, minSpans: number, timeoutMs = 15_000): Promise<StoredSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const response = await fetch(`${tempo.apiUrl}/api/traces/${traceId}`, { headers: { accept: 'application/json' } });
    last = `HTTP ${response.status}: ${(await response.clone().text()).slice(0, 300)}`;
    if (response.ok) {
      const body = (await response.json()) as TempoTraceJson;
      const spans = (body.batches ?? []).flatMap((batch) => {
        const serviceName = batch.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
        return (batch.scopeSpans ?? []).flatMap((scope) => (scope.spans ?? []).map((s) => ({ name: s.name, serviceName })));
      });
      if (spans.length >= minSpans) return spans;
      last = `${spans.length} of ${minSpans} spans`;
    }
    if (Date.now() > deadline) throw new Error(`trace ${traceId} not complete in Tempo within ${timeoutMs} ms (last answer: ${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

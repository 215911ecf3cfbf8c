/**
 * Process concerns: configuration, model loading, listening, graceful shutdown.
 * Start with `npm run serve -- --model <file>` (which preloads ./telemetry.js).
 */
import { buildApp, ModelServiceApp } from './app';
import { CONFIG_KEYS, ConfigError, loadConfig, SERVE_USAGE, ServiceConfig, wantsHelp } from './config';
import { createLogger } from './logger';
import { loadModel, ModelArtifactError, TextClassifier } from './model/serving';
import { MODEL_VERSION } from './contract';
import { shutdownGlobalTracing } from './tracing/flush';
import { announceModelVersion } from './tracing/model-version';

export interface RunningServer {
  readonly service: ModelServiceApp;
  readonly config: ServiceConfig;
  /** The address actually bound (useful with port 0). */
  readonly url: string;
  /** Drains, closes and flushes; resolves when done. Idempotent. */
  shutdown(signal: string): Promise<void>;
}

/** Loads the model, builds the app and listens. Throws ConfigError / ModelArtifactError for bad input. */
export async function startServer(config: ServiceConfig): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel });
  let classifier: TextClassifier;
  try {
    classifier = await loadModel(config.modelPath);
  } catch (err) {
    if (err instanceof ModelArtifactError) {
      throw new ModelArtifactError(`${err.message} (model path from --model, MODEL_PATH or the config file's modelPath; `
        + 'default: the file `npm run train` writes)');
    }
    throw err;
  }
  announceModelVersion(classifier.version);
  // Every line the service writes from here on names the model that served it (Loki structured metadata).
  const service = await buildApp({ classifier, config, logger: logger.child({ [MODEL_VERSION.logField]: classifier.version }) });
  let url: string;
  try {
    url = await service.app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // Close what buildApp started (timers, the span processor) so the process can exit.
    await service.app.close();
    throw bindError(err as NodeJS.ErrnoException, config);
  }
  logger.info(
    { modelVersion: classifier.version, classes: classifier.classes, modelPath: config.modelPath, url },
    `model-service listening on ${url} (model ${classifier.version})`,
  );

  let closing: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> => {
    closing ??= gracefulShutdown(service, config, signal);
    return closing;
  };
  return { service, config, url, shutdown };
}

/** A port or address that cannot be bound is the operator's to fix: say which setting changes it. */
function bindError(err: NodeJS.ErrnoException, config: ServiceConfig): Error {
  const where = `port ${config.port} on ${config.host}`;
  const port = `--port <n> or ${CONFIG_KEYS.port.env}=<n> (0 = any free port)`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new ConfigError(`${where} is already in use by another process: stop that process, or choose another port with ${port}`);
    case 'EACCES':
      return new ConfigError(`${where}: permission denied (ports below 1024 need privileges): choose another port with ${port}`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ConfigError(`cannot listen on ${config.host}: not an address of this machine; set --host or ${CONFIG_KEYS.host.env} `
        + '(0.0.0.0 for every interface, 127.0.0.1 for loopback only)');
    default:
      return err;
  }
}

/**
 * SIGTERM: readiness fails at once and responses carry `Connection: close`;
 * after `shutdownDrainDelayMs` the listener closes, in-flight requests finish
 * (Fastify's close waits for them), then queued spans are flushed and the log
 * buffer written.
 */
async function gracefulShutdown(service: ModelServiceApp, config: ServiceConfig, signal: string): Promise<void> {
  const { app, lifecycle, logger } = service;
  lifecycle.startDraining();
  logger.info({ signal, drainDelayMs: config.shutdownDrainDelayMs }, `${signal}: draining, readiness is now false`);
  if (config.shutdownDrainDelayMs > 0) await delay(config.shutdownDrainDelayMs);
  await app.close();
  logger.info('server closed: all in-flight requests answered; flushing spans');
  try {
    await shutdownGlobalTracing();
  } catch (err) {
    logger.warn({ err }, 'could not flush all spans before exit');
  }
  logger.info('shutdown complete');
  logger.flush();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return;
  }
  let config: ServiceConfig;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (err) {
    return fail(err);
  }
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    return fail(err);
  }
  // A bug that escapes every handler: log it with the stack, flush, and exit
  // non-zero so the orchestrator restarts us, rather than limp on in an unknown state.
  const crash = (err: unknown): void => {
    server.service.logger.fatal({ err }, 'uncaught error; exiting');
    server.service.logger.flush();
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // The bound: if draining hangs (a stuck request), exit non-zero rather than never.
      const timer = setTimeout(() => {
        server.service.logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms (shutdownTimeoutMs); exiting`);
        server.service.logger.flush();
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      server.shutdown(signal).then(
        () => process.exit(0),
        (err) => {
          server.service.logger.error({ err }, 'shutdown failed');
          server.service.logger.flush();
          process.exit(1);
        },
      );
    });
  }
}

function fail(err: unknown): void {
  const known = err instanceof ConfigError || err instanceof ModelArtifactError;
  process.stderr.write(`model-service: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}\n`);
  process.exitCode = known ? 2 : 1;
}

if (require.main === module) void main();

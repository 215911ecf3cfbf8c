/**
 * OpenTelemetry SDK setup, preloaded with `node --require ./build/src/telemetry.js`
 * so the global tracer provider exists before Fastify and pino are first required
 * (the OpenTelemetry JS convention: SDK setup in its own file, loaded first).
 *
 * Configured only by the standard OTEL_* variables; OTEL_SDK_DISABLED=true turns
 * tracing off entirely (the API then hands out no-op spans).
 */
import { wantsHelp } from './config/serve-usage';
import { loadedModelVersion } from './tracing/model-version';
import { setupTracing, TracingHandle } from './tracing/setup';

function start(): TracingHandle | undefined {
  if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  // `npm run serve -- --help` prints its usage and exits: no exporter, and no warning about one.
  if (wantsHelp(process.argv.slice(2))) return undefined;
  try {
    return setupTracing({ registerGlobal: true, modelVersion: loadedModelVersion() });
  } catch (err) {
    // A bad OTEL_* setting is a bad setting like any other: exit 2, as server.ts does for the rest.
    process.stderr.write(`model-service: cannot start tracing: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

export const tracing: TracingHandle | undefined = start();

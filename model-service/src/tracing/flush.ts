import { ProxyTracerProvider, trace } from '@opentelemetry/api';

interface ShutdownableProvider {
  shutdown(): Promise<void>;
}

/**
 * Flushes queued spans and stops the global tracer provider, if an SDK one was
 * registered (by the preloaded telemetry module). Server code calls this instead
 * of importing the telemetry module, so it works with and without the preload.
 */
export async function shutdownGlobalTracing(): Promise<void> {
  const global = trace.getTracerProvider();
  const delegate = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  const candidate = delegate as Partial<ShutdownableProvider>;
  if (typeof candidate.shutdown === 'function') await candidate.shutdown();
}

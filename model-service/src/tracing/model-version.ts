/**
 * The loaded model's version as a resource attribute of every span. The tracer provider is built
 * by the preloaded telemetry module, before the server has read the model file, so the attribute
 * is a promise (an OpenTelemetry asynchronous resource attribute: the exporter waits for it) that
 * the server settles once the model is loaded. One instance per process: both modules load this
 * file from the same path.
 */
let settle: ((version: string) => void) | undefined;
let version: Promise<string> | undefined;

/** The promise the resource carries; settled by `announceModelVersion`. */
export function loadedModelVersion(): Promise<string> {
  version ??= new Promise<string>((resolve) => {
    settle = resolve;
  });
  return version;
}

/** Called once the model is loaded; a no-op when tracing did not ask for the version. */
export function announceModelVersion(loaded: string): void {
  settle?.(loaded);
}

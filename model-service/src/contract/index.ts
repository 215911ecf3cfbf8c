/**
 * What the model service and the synthesizer (root package, `lib/`) must agree on, stated once:
 * routes, the configuration keys (with their environment variables and defaults, the port among
 * them), the metric catalogue and the trace-id spelling. The service imports these modules by
 * path; the root package imports them as `model-service/contract` (package.json `exports`).
 *
 * Keep this folder free of runtime dependencies: `cdk8s synth` loads it too.
 */
export * from './config-keys';
export * from './metric-catalogue';
export * from './routes';

/**
 * Every setting the model service reads, with its JSON config-file key, its
 * environment variable, its default and how it is validated.
 *
 * This table is the documentation the synthesizer reads to generate the
 * ConfigMap (config-file keys) and the Deployment env, and what
 * docs/serving.md lists. Keep it dependency-free.
 *
 * Precedence (lowest to highest): default < config file < environment < command-line flag.
 */

export type ConfigValueType = 'integer' | 'number' | 'boolean' | 'string' | 'level';

export interface ConfigKeyDefinition {
  /** Key in the JSON config file (`--config` / CONFIG_FILE). */
  readonly key: string;
  /** Environment variable overriding the file. */
  readonly env: string;
  /** Command-line flag overriding the environment, if any. */
  readonly flag?: string;
  readonly type: ConfigValueType;
  readonly min?: number;
  readonly max?: number;
  readonly default: string | number | boolean;
  readonly description: string;
}

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const CONFIG_KEYS = {
  modelPath: {
    key: 'modelPath', env: 'MODEL_PATH', flag: 'model', type: 'string', default: 'model-service/models/model.json',
    description: 'The trained model file (`npm run train` writes the default). Relative paths are taken from where npm was run.',
  },
  port: {
    key: 'port', env: 'PORT', flag: 'port', type: 'integer', min: 0, max: 65535, default: 3010,
    description: 'TCP port to listen on (0 = any free port).',
  },
  host: {
    key: 'host', env: 'HOST', flag: 'host', type: 'string', default: '0.0.0.0',
    description: 'Address to bind (0.0.0.0 in a container, 127.0.0.1 for loopback only).',
  },
  bodyLimitBytes: {
    key: 'bodyLimitBytes', env: 'BODY_LIMIT_BYTES', type: 'integer', min: 1, max: 64 * 1024 * 1024, default: 1024 * 1024,
    description: 'Largest request body accepted; larger bodies get 413.',
  },
  batchLimit: {
    key: 'batchLimit', env: 'BATCH_LIMIT', type: 'integer', min: 1, max: 100_000, default: 64,
    description: 'Most documents accepted in one `{"texts": [...]}` batch; more get 413.',
  },
  logLevel: {
    key: 'logLevel', env: 'LOG_LEVEL', type: 'level', default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}. \`info\` writes one completion line per request.`,
  },
  logBodies: {
    key: 'logBodies', env: 'LOG_BODIES', type: 'boolean', default: false,
    description: 'Also log request bodies (documents) on the completion line. Off by default: documents may be private.',
  },
  maxEventLoopDelayMs: {
    key: 'maxEventLoopDelayMs', env: 'MAX_EVENT_LOOP_DELAY_MS', type: 'number', min: 0, max: 60_000, default: 200,
    description: 'Shed /predict with 503 + Retry-After when the event-loop delay exceeds this (0 = never).',
  },
  maxEventLoopUtilization: {
    key: 'maxEventLoopUtilization', env: 'MAX_EVENT_LOOP_UTILIZATION', type: 'number', min: 0, max: 1, default: 0,
    description: 'Shed /predict when event-loop utilisation exceeds this ratio (0 = never; 0.98 is a sensible value).',
  },
  retryAfterSeconds: {
    key: 'retryAfterSeconds', env: 'RETRY_AFTER_SECONDS', type: 'integer', min: 1, max: 3600, default: 1,
    description: 'Retry-After header value sent with shed (503) responses.',
  },
  shutdownDrainDelayMs: {
    key: 'shutdownDrainDelayMs', env: 'SHUTDOWN_DRAIN_DELAY_MS', type: 'integer', min: 0, max: 120_000, default: 0,
    description: 'After SIGTERM, keep serving (with /readyz failing and `Connection: close`) this long before '
      + 'closing the listener, so load balancers stop sending traffic first. Set it to a few seconds on Kubernetes.',
  },
  shutdownTimeoutMs: {
    key: 'shutdownTimeoutMs', env: 'SHUTDOWN_TIMEOUT_MS', type: 'integer', min: 100, max: 600_000, default: 10_000,
    description: 'Upper bound on graceful shutdown (drain + in-flight requests + span flush); exit 1 if exceeded.',
  },
  coalesceResponses: {
    key: 'coalesceResponses', env: 'COALESCE_RESPONSES', type: 'boolean', default: true,
    description: 'Send the responses finished in one event-loop turn together at the end of the turn: far fewer '
      + 'wake-ups of clients on the same node, for at most one turn of added latency. Off = each response as soon as it is ready.',
  },
  keepAliveTimeoutMs: {
    key: 'keepAliveTimeoutMs', env: 'KEEP_ALIVE_TIMEOUT_MS', type: 'integer', min: 0, max: 600_000, default: 72_000,
    description: 'Idle keep-alive timeout; above typical load-balancer idle timeouts (60 s) so they close first.',
  },
  driftWindowSize: {
    key: 'driftWindowSize', env: 'DRIFT_WINDOW_SIZE', type: 'integer', min: 10, max: 1_000_000, default: 1000,
    description: 'Drift scores compare the most recent this-many predictions with the model\'s reference profile.',
  },
  driftMinPredictions: {
    key: 'driftMinPredictions', env: 'DRIFT_MIN_PREDICTIONS', type: 'integer', min: 1, max: 1_000_000, default: 200,
    description: 'Drift scores are exported only once the window holds this many predictions (smaller samples are noise); '
      + 'at most driftWindowSize.',
  },
  driftMaxPerSecond: {
    key: 'driftMaxPerSecond', env: 'DRIFT_MAX_PER_SECOND', type: 'integer', min: 1, max: 1_000_000, default: 200,
    description: 'Most predictions per second that enter the drift window (the first ones of each second): a sample '
      + 'that keeps drift off the cost of a request under heavy traffic and describes the traffic as well.',
  },
  feedbackMaxPredictions: {
    key: 'feedbackMaxPredictions', env: 'FEEDBACK_MAX_PREDICTIONS', type: 'integer', min: 0, max: 10_000_000, default: 100_000,
    description: 'Most predictions remembered for POST /feedback; the oldest is forgotten (and counted) beyond it. '
      + '0 = remember none (every feedback gets 404).',
  },
  feedbackTtlSeconds: {
    key: 'feedbackTtlSeconds', env: 'FEEDBACK_TTL_SECONDS', type: 'integer', min: 1, max: 30 * 86_400, default: 3600,
    description: 'How long a prediction waits for its feedback before it is forgotten (and counted).',
  },
  feedbackPeers: {
    key: 'feedbackPeers', env: 'FEEDBACK_PEERS', type: 'string', default: '',
    description: 'DNS name whose addresses are the other pods of this service (a headless Service). Feedback for a '
      + 'prediction this pod does not remember is asked of them before answering 404, so feedback may reach any pod. '
      + 'Empty = this pod only.',
  },
} as const satisfies Record<string, ConfigKeyDefinition>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

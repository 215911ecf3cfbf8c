export { CONFIG_KEYS, LOG_LEVELS } from './keys';
export type { ConfigKey, ConfigKeyDefinition, LogLevel } from './keys';
export { ConfigError, defaultConfig, loadConfig } from './load-config';
export type { ConfigSources, ServiceConfig } from './load-config';

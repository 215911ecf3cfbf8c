export { CONFIG_KEYS, LOG_LEVELS } from '../contract';
export type { ConfigKey, ConfigKeyDefinition, LogLevel } from '../contract';
export { ConfigError, defaultConfig, loadConfig } from './load-config';
export type { ConfigSources, ServiceConfig } from './load-config';
export { SERVE_USAGE, wantsHelp } from './serve-usage';

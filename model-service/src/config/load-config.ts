import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL_PATH, packageRoot, resolveUserPath } from '../paths';
import { CONFIG_KEYS, ConfigKey, ConfigKeyDefinition, ConfigValueType, LOG_LEVELS, LogLevel } from '../contract';

/** The value type each kind of key resolves to. */
type ValueOfType<T extends ConfigValueType> = T extends 'integer' | 'number' ? number : T extends 'boolean' ? boolean : T extends 'level' ? LogLevel : string;

/** The resolved, validated service configuration: one field per key of CONFIG_KEYS, typed by its kind. */
export type ServiceConfig = { readonly [K in ConfigKey]: ValueOfType<(typeof CONFIG_KEYS)[K]['type']> };

/** A configuration problem the operator must fix; the message names the key and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSources {
  /** Command-line arguments after the script name. */
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}


/** Defaults for everything except the model path, for tests and tools that build the app directly. */
export function defaultConfig(overrides: Partial<ServiceConfig> & { modelPath: string }): ServiceConfig {
  return { ...fromEntries(Object.entries(CONFIG_KEYS).map(([name, def]) => [name, def.default])), ...overrides };
}

/**
 * The one place a per-key table becomes a ServiceConfig: the loops that fill it walk
 * CONFIG_KEYS, so every key is present and parseValue has checked its type.
 */
function fromEntries(entries: readonly (readonly [string, unknown])[]): ServiceConfig {
  return Object.fromEntries(entries) as ServiceConfig;
}

/**
 * Resolves the configuration: defaults < JSON config file (`--config` / CONFIG_FILE)
 * < environment variables < command-line flags. Throws ConfigError naming the
 * offending key on any unknown key or invalid value, so a bad ConfigMap fails at
 * start instead of at the first request.
 */
export function loadConfig(sources: ConfigSources = {}): ServiceConfig {
  const env = sources.env ?? process.env;
  const flags = parseFlags(sources.argv ?? []);
  const rawConfigFile = flags.config ?? env.CONFIG_FILE;
  // Paths are relative to where the user ran npm (INIT_CWD), like the train CLI's.
  const configFile = rawConfigFile === undefined || rawConfigFile === '' ? undefined : resolveUserPath(rawConfigFile, env);
  const fileValues = configFile === undefined ? {} : readConfigFile(configFile);

  const resolved: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(CONFIG_KEYS) as [ConfigKey, ConfigKeyDefinition][]) {
    const fromFlag = def.flag === undefined ? undefined : flags[def.flag];
    const fromEnv = env[def.env];
    if (fromFlag !== undefined) {
      resolved[name] = parseValue(def, fromFlag, `command-line flag --${def.flag}`);
    } else if (fromEnv !== undefined && fromEnv !== '') {
      resolved[name] = parseValue(def, fromEnv, `environment variable ${def.env}`);
    } else if (fileValues[def.key] !== undefined) {
      resolved[name] = parseValue(def, fileValues[def.key], `key "${def.key}" in ${configFile}`);
    } else {
      // The model path's default is resolved below, inside the package.
      resolved[name] = name === 'modelPath' ? undefined : def.default;
    }
  }
  // Default: where `npm run train` writes, so `npm run train && npm run serve` needs no flags.
  resolved.modelPath = resolved.modelPath === undefined
    ? resolve(packageRoot(), DEFAULT_MODEL_PATH)
    : resolveUserPath(resolved.modelPath as string, env);
  const config = fromEntries(Object.entries(resolved));
  if (config.driftMinPredictions > config.driftWindowSize) {
    throw new ConfigError(
      `driftMinPredictions (${config.driftMinPredictions}, ${CONFIG_KEYS.driftMinPredictions.env}) is larger than driftWindowSize `
      + `(${config.driftWindowSize}, ${CONFIG_KEYS.driftWindowSize.env}): the window could never hold enough predictions; lower the first or raise the second`,
    );
  }
  return config;
}

type Flags = Record<string, string | undefined>;

function parseFlags(argv: readonly string[]): Flags {
  const options: Record<string, { type: 'string' }> = { config: { type: 'string' } };
  for (const def of Object.values(CONFIG_KEYS) as ConfigKeyDefinition[]) {
    if (def.flag !== undefined) options[def.flag] = { type: 'string' };
  }
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Flags;
  } catch (err) {
    const known = Object.keys(options).map((f) => `--${f}`).join(', ');
    throw new ConfigError(`${(err as Error).message}. Known flags: ${known}`);
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path} (--config / CONFIG_FILE): ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object of settings, e.g. {"port": 3010}`);
  }
  const knownKeys = new Set((Object.values(CONFIG_KEYS) as ConfigKeyDefinition[]).map((d) => d.key));
  for (const key of Object.keys(parsed)) {
    if (!knownKeys.has(key)) {
      throw new ConfigError(
        `unknown key "${key}" in config file ${path}; known keys: ${[...knownKeys].join(', ')}`,
      );
    }
  }
  return parsed as Record<string, unknown>;
}

function parseValue(def: ConfigKeyDefinition, raw: unknown, where: string): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(`invalid ${where}: ${JSON.stringify(raw)} is not ${expected}`);
  };
  switch (def.type) {
    case 'string':
      if (typeof raw !== 'string' || raw === '') fail('a non-empty string');
      return raw;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return fail('a boolean (true/false)');
    case 'level':
      if (typeof raw !== 'string' || !(LOG_LEVELS as readonly string[]).includes(raw)) {
        fail(`one of ${LOG_LEVELS.join(', ')}`);
      }
      return raw;
    case 'integer':
    case 'number': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      const range = `between ${def.min ?? '-inf'} and ${def.max ?? 'inf'}`;
      if (!Number.isFinite(value)) fail(`a number ${range}`);
      if (def.type === 'integer' && !Number.isInteger(value)) fail(`an integer ${range}`);
      if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max)) fail(range);
      return value;
    }
  }
}

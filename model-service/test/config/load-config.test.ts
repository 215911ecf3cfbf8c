import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_KEYS, ConfigError, ConfigKey, ConfigKeyDefinition, loadConfig } from '../../src/config';

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
function configFile(content: unknown): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ argv: ['--model', '/models/m.json'], env: {} });
    expect(config).toMatchObject({ modelPath: '/models/m.json', port: 3010, host: '0.0.0.0', bodyLimitBytes: 1048576, logLevel: 'info', logBodies: false });
  });

  it('layers defaults < config file < environment < flags', () => {
    const file = configFile({ port: 4000, batchLimit: 8, logLevel: 'debug', modelPath: 'from-file.json' });
    const fromFile = loadConfig({ argv: ['--config', file], env: {} });
    expect(fromFile).toMatchObject({ port: 4000, batchLimit: 8, logLevel: 'debug', modelPath: join(process.cwd(), 'from-file.json') });
    const fromEnv = loadConfig({ argv: [], env: { CONFIG_FILE: file, PORT: '5000', LOG_BODIES: 'true' } });
    expect(fromEnv).toMatchObject({ port: 5000, batchLimit: 8, logBodies: true });
    const fromFlag = loadConfig({ argv: ['--port', '6000', '--model', 'flag.json'], env: { CONFIG_FILE: file, PORT: '5000', INIT_CWD: '/home/me' } });
    expect(fromFlag).toMatchObject({ port: 6000, modelPath: '/home/me/flag.json' });
  });

  it('serves the model `npm run train` writes when none is given', () => {
    expect(loadConfig({ argv: [], env: {} }).modelPath).toBe(resolve(__dirname, '../../models/model.json'));
    expect(loadConfig({ argv: [], env: { INIT_CWD: '/elsewhere' } }).modelPath).toBe(resolve(__dirname, '../../models/model.json'));
  });

  it.each([
    [{ PORT: '70000' }, /PORT.*between 0 and 65535/],
    [{ PORT: 'abc' }, /PORT.*"abc" is not a number/],
    [{ BODY_LIMIT_BYTES: '1.5' }, /BODY_LIMIT_BYTES.*integer/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL.*one of fatal, error/],
    [{ LOG_BODIES: 'yes' }, /LOG_BODIES.*boolean/],
    [{ MAX_EVENT_LOOP_UTILIZATION: '2' }, /MAX_EVENT_LOOP_UTILIZATION.*between 0 and 1/],
  ])('rejects invalid environment %j naming the variable', (env, message) => {
    expect(() => loadConfig({ argv: ['--model', 'm'], env })).toThrow(message);
    expect(() => loadConfig({ argv: ['--model', 'm'], env })).toThrow(ConfigError);
  });

  it('rejects bad config files naming the key or the problem', () => {
    expect(() => loadConfig({ argv: ['--model', 'm', '--config', configFile({ prot: 1 })], env: {} }))
      .toThrow(/unknown key "prot".*known keys: modelPath, port/);
    expect(() => loadConfig({ argv: ['--model', 'm', '--config', configFile({ batchLimit: 0 })], env: {} }))
      .toThrow(/key "batchLimit".*between 1 and/);
    expect(() => loadConfig({ argv: ['--model', 'm', '--config', configFile('{not json')], env: {} }))
      .toThrow(/not valid JSON/);
    expect(() => loadConfig({ argv: ['--model', 'm', '--config', configFile([1])], env: {} }))
      .toThrow(/must hold a JSON object/);
    expect(() => loadConfig({ argv: ['--model', 'm', '--config', join(dir, 'missing.json')], env: {} }))
      .toThrow(/cannot read config file/);
  });

  it('validates the model-quality keys, alone and together', () => {
    expect(loadConfig({ env: { DRIFT_WINDOW_SIZE: '500', FEEDBACK_TTL_SECONDS: '60' } })).toMatchObject({ driftWindowSize: 500, feedbackTtlSeconds: 60 });
    expect(() => loadConfig({ env: { DRIFT_WINDOW_SIZE: '5' } })).toThrow('invalid environment variable DRIFT_WINDOW_SIZE: "5" is not between 10 and 1000000');
    expect(() => loadConfig({ env: { FEEDBACK_MAX_PREDICTIONS: '-1' } })).toThrow(/FEEDBACK_MAX_PREDICTIONS: "-1" is not between 0/);
    expect(() => loadConfig({ env: { DRIFT_WINDOW_SIZE: '100', DRIFT_MIN_PREDICTIONS: '200' } })).toThrow(
      'driftMinPredictions (200, DRIFT_MIN_PREDICTIONS) is larger than driftWindowSize (100, DRIFT_WINDOW_SIZE): the window could never hold enough predictions',
    );
  });

  it('rejects unknown flags, listing the known ones', () => {
    expect(() => loadConfig({ argv: ['--modle', 'm'], env: {} })).toThrow(/--modle.*Known flags: --config, --model, --port, --host/);
  });

  it('reads every key from its own environment variable and flag (names unique), as the generated docs table says', () => {
    const defs = Object.entries(CONFIG_KEYS) as [ConfigKey, ConfigKeyDefinition][];
    const envs = defs.map(([, def]) => def.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const [name, def] of defs) {
      // A valid value other than the default, so reading it proves the variable is wired.
      const value = otherValidValue(def);
      expect(loadConfig({ env: { [def.env]: String(value) }, argv: [] })[name]).toEqual(value);
      if (def.flag !== undefined) expect(loadConfig({ env: {}, argv: [`--${def.flag}`, String(value)] })[name]).toEqual(value);
    }
  });
});

/** A value `def` accepts that differs from its default. */
function otherValidValue(def: ConfigKeyDefinition): string | number | boolean {
  switch (def.type) {
    case 'boolean':
      return !def.default;
    case 'level':
      return def.default === 'debug' ? 'warn' : 'debug';
    case 'string':
      return def.key === 'modelPath' ? '/elsewhere/model.json' : `not-${String(def.default)}`;
    case 'integer':
    case 'number': {
      const current = Number(def.default);
      const max = def.max ?? current + 10;
      const min = def.min ?? current - 10;
      const up = def.type === 'integer' ? current + 1 : current + (max - current) / 2;
      return up <= max ? up : def.type === 'integer' ? current - 1 : current - (current - min) / 2;
    }
  }
}

import { CONFIG_KEYS, ConfigKeyDefinition, ROUTES } from '../contract';

/** Placeholder shown after each flag, by the kind of value it takes. */
const VALUE_NAMES: Record<ConfigKeyDefinition['type'], string> = { string: '<value>', integer: '<n>', number: '<x>', boolean: '<true|false>', level: '<level>' };

function flagLines(): string[] {
  const flagged = (Object.values(CONFIG_KEYS) as ConfigKeyDefinition[]).filter((def) => def.flag !== undefined);
  const rows = [
    ...flagged.map((def) => [`--${def.flag} ${def.key === 'modelPath' ? '<file>' : VALUE_NAMES[def.type]}`, `${def.description} (${def.env}; default ${JSON.stringify(def.default)})`]),
    ['--config <file>', 'JSON config file holding any setting by its key, e.g. {"port": 3010} (CONFIG_FILE)'],
    ['-h, --help', 'this text'],
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`);
}

/** `npm run serve -- --help`: the flags come from the contract's key table, like the config loader's. */
export const SERVE_USAGE = [
  'Usage: npm run serve -- [options]',
  '',
  `Serves the trained model over HTTP: POST ${ROUTES.predict}, POST ${ROUTES.feedback}, GET ${ROUTES.health}, ${ROUTES.ready},`,
  `${ROUTES.metrics}, ${ROUTES.info} and the API documentation at ${ROUTES.docs}. Stop it with Ctrl-C (SIGINT) or SIGTERM.`,
  '',
  'Options:',
  ...flagLines(),
  '',
  'Every setting, flagged or not, can also be given as an environment variable or in the config file',
  '(flags win over the environment, the environment over the file); the full table is in',
  'docs/serving.md#configuration. Tracing is set with the standard OTEL_* variables.',
  '',
  'Exit status: 0 after a clean shutdown; 2 at start on a bad setting, a missing or unreadable model',
  'file, or a port that cannot be bound; 1 if shutdown takes longer than shutdownTimeoutMs or on an',
  'unexpected error.',
].join('\n');

/** True when the arguments ask for the usage text (it wins over every other flag, as in the other commands). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

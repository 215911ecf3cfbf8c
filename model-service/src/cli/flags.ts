import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad command-line input: printed with the usage text, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node's parseArgs in strict mode, with its errors turned into UsageErrors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parses a numeric flag; `integer` also rejects fractions. Missing flag → undefined. */
export function numberFlag(name: string, value: string | undefined, { integer = false, min = -Infinity, exclusiveMin = false } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const kind = integer ? 'an integer' : 'a number';
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${kind}, got "${value}"`);
  if (exclusiveMin ? n <= min : n < min) throw new UsageError(`--${name} must be ${exclusiveMin ? 'greater than' : 'at least'} ${min}, got ${value}`);
  return n;
}

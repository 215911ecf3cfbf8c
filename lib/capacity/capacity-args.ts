/**
 * Command line of `npm run capacity` (scripts/capacity.ts): the request rate, the retention and the
 * model's classes, each refused with a one-line message naming the flag when it makes no sense.
 */
import { UsageError, numberFlag, parseFlags } from '../../model-service/src/cli/flags';
import type { CapacityInput } from './capacity-model';

export const CAPACITY_USAGE = `Usage: npm run capacity -- --rps N [--retention D] [--classes C]

Sizes the stack for N requests per second to the model service from the figures measured on the
current profile's real backends (docs/scaling.md): model service pods, Loki's mode and write
replicas, Tempo's chart, Prometheus series, and object storage per day and for the retention.

  --rps N          peak requests per second to the model service (more than 0)
  --retention D    how long logs and traces are kept: days (7), or a duration such as 7d or 168h
                   (default 7d, the stack's default retention)
  --classes C      classes of the served model (default 4, the default model's)
  -h, --help       this text`;

export interface CapacityArgs extends CapacityInput {
  readonly help: boolean;
}

/** Days in `7`, `7d` or `168h`; a Loki/Tempo retention is given in hours, so both forms are taken. */
export function parseRetentionDays(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(d|h)?\s*$/.exec(value);
  if (!match) throw new UsageError(`--retention must be a number of days or a duration such as 7d or 168h, got "${value}"`);
  const days = match[2] === 'h' ? Number(match[1]) / 24 : Number(match[1]);
  if (!(days > 0)) throw new UsageError(`--retention must be longer than 0, got "${value}"`);
  return days;
}

export function parseCapacityArgs(argv: string[]): CapacityArgs {
  const flags = parseFlags(argv, {
    rps: { type: 'string' }, retention: { type: 'string' }, classes: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) return { help: true, requestsPerSecond: 0, retentionDays: 0, classes: 0 };
  if (flags.rps === undefined) throw new UsageError('--rps is required: the peak requests per second to size for, e.g. --rps 1000');
  const requestsPerSecond = numberFlag('rps', flags.rps, { min: 0, exclusiveMin: true })!;
  const retentionDays = parseRetentionDays(flags.retention ?? '7d');
  const classes = numberFlag('classes', flags.classes, { integer: true, min: 2 }) ?? 4;
  return { help: false, requestsPerSecond, retentionDays, classes };
}

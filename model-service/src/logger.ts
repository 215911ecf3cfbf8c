import pino, { DestinationStream, Logger } from 'pino';
import { LogLevel } from './config';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; default: stdout through an asynchronous, buffered writer. */
  readonly destination?: DestinationStream;
}

/**
 * The service's pino logger: one JSON object per line on stdout, level as a word
 * (`"level":"info"`, easier to filter in Loki than pino's numbers), ISO time.
 *
 * stdout is written asynchronously: a synchronous write per request line is a
 * syscall per request, which costs more than the inference at 10k req/s. Lines
 * logged while a write is in progress are batched into the next write, so an
 * idle service still writes each line at once (no minimum chunk size). The
 * server flushes on shutdown (`logger.flush()`), and pino flushes on exit.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

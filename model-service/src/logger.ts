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
 * stdout is written asynchronously in 4 KiB chunks: a synchronous write per
 * request line is a syscall per request, which costs more than the inference at
 * 10k req/s. The server flushes it on shutdown (`logger.flush()`), and pino
 * flushes it on a normal exit.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
  return pino(
    {
      level: options.level,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

import { ModelArtifactError } from '../model/artifact';
import { NewsgroupsDataError } from '../data/errors';
import { UsageError } from './flags';

/**
 * A failure the user can fix that is not bad usage (an endpoint that does not answer, a cluster
 * kubectl cannot reach): printed as its message alone, exit status 1.
 */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Errors that are the user's to fix (bad data, a bad model file, an out-of-range option): the message is enough. */
function isUserError(error: unknown): error is Error {
  return error instanceof CliError || error instanceof NewsgroupsDataError || error instanceof ModelArtifactError || error instanceof RangeError;
}

/** "Usage: npm run train -- [options]" → "npm run train -- --help": where a usage error sends the reader. */
export function helpCommand(usage: string): string | undefined {
  const match = /^Usage: (.+? --)(?: |$)/.exec(usage);
  return match === null ? undefined : `${match[1]} --help`;
}

/**
 * Runs a CLI main function with the project's exit conventions: a usage error prints one line,
 * the message and the command that lists the options, and exits 2; the user's other mistakes
 * print just the message and exit 1 (no stack trace); anything else is a bug: stack, exit 1.
 */
export function runCli(main: () => Promise<void>, usage: string): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      const help = helpCommand(usage);
      process.stderr.write(help === undefined ? `error: ${error.message}\n\n${usage}\n` : `error: ${error.message} (options: ${help})\n`);
      process.exitCode = 2;
    } else if (isUserError(error)) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  });
}

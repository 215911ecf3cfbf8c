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

/**
 * Runs a CLI main function with the project's exit conventions: a usage error prints the message
 * on one line, then the usage, and exits 2; the user's other mistakes print just the message and
 * exit 1 (no stack trace); anything else is a bug: stack, exit 1.
 */
export function runCli(main: () => Promise<void>, usage: string): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${usage}\n`);
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

/**
 * `npm run check:stack`: the end-to-end test's checks (verify/stack-checks.ts) against a deployed
 * stack. Usage: verify/check-stack-args.ts, or `npm run check:stack -- --help`.
 *
 *   npm run check:stack -- --service http://<node>:30010 --prometheus URL --loki URL --tempo URL
 *   npm run check:stack -- --context my-cluster        # kubectl port-forward to the Services in dist/<profile>/
 */
import { profileDir } from '../lib/profiles';
import { runCli } from '../model-service/src/cli/run-cli';
import { CHECK_STACK_USAGE, openPortForwards, parseCheckStackArgs } from '../verify/check-stack-args';
import { StackEndpoints, formatCheckTable, inNamespace, readSynthesized, runStackChecks } from '../verify/stack-checks';

async function main(): Promise<void> {
  const args = parseCheckStackArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${CHECK_STACK_USAGE}\n`);
    return;
  }
  const stack = inNamespace(readSynthesized(profileDir(args.profile)), args.namespace);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const forwards = args.kubernetes
    ? await openPortForwards(args, stack.services)
    : { endpoints: args.urls as StackEndpoints, close: () => undefined };
  try {
    log(`checking ${Object.entries(forwards.endpoints).map(([k, v]) => `${k} ${v}`).join(', ')} (namespace ${stack.namespace})`);
    const rows = await runStackChecks(forwards.endpoints, stack, { timeoutMs: args.timeoutMs, log });
    process.stdout.write(`${formatCheckTable(rows)}\n`);
    const failing = rows.filter((r) => !r.ok);
    if (failing.length > 0) {
      process.stderr.write(`\n${failing.length} of ${rows.length} checks failed:\n${failing.map((r) => `  ${r.signal} / ${r.check}: ${r.result}\n    query: ${r.query}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  } finally {
    forwards.close();
  }
}

if (require.main === module) runCli(main, CHECK_STACK_USAGE);

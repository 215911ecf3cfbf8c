/**
 * Command line of `npm run check:stack` (scripts/check-stack.ts): where the four endpoints are,
 * given as URLs, or reached through `kubectl port-forward` to the Services the synthesized stack
 * names (the Grafana datasource URLs and the model service's Service).
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { UsageError, numberFlag, parseFlags } from '../model-service/src/cli/flags';
import { CliError } from '../model-service/src/cli/run-cli';
import { DEFAULT_PROFILE, StackProfile, validateProfile } from '../lib/profiles';
import type { ServiceRef, StackEndpoints } from './stack-checks';

export const CHECK_STACK_USAGE = `Usage: npm run check:stack -- [options]

Sends requests to a running stack and checks that one traced request shows up in Prometheus
(series and exemplar), Tempo (by id and through the dashboard's search) and Loki (the dashboard's
Logs query, the derived field, traces to logs), and that every PromQL query of the dashboard
returns data. Prints one row per check; exit 0 when all pass, 1 otherwise, 2 on bad flags.

Endpoints, as URLs:
  --service URL       the model service (POST /predict), e.g. http://<node>:30010
  --prometheus URL    Prometheus' HTTP API
  --loki URL          Loki's query API (the Grafana datasource's: loki-gateway in the current
                      profile, loki-read in the reference profile)
  --tempo URL         Tempo's query API
  --otlp URL          optional: the OTLP/HTTP receiver the service exports to; the checks then send
                      the traced request as a traced client and check its service-graph edge

or through kubectl port-forward to the Services named in dist/<profile>/ (any URL given is used as is):
  --context CTX       kubectl context of the cluster
  --kubectl PATH      kubectl binary (default: kubectl)

  --profile NAME      which synthesized stack was deployed: current (default) or reference
  --namespace NS      namespace of the stack (default: the one in dist/<profile>/)

  --timeout SECONDS   how long each signal may take to appear (default 120)
  -h, --help          this text`;

/** The endpoints a run needs; `otlp` is optional without --context (no client span then). */
export const ENDPOINT_FLAGS = ['service', 'prometheus', 'loki', 'tempo', 'otlp'] as const;
export type EndpointName = (typeof ENDPOINT_FLAGS)[number];
const OPTIONAL_ENDPOINTS: readonly EndpointName[] = ['otlp'];

export interface CheckStackArgs {
  readonly help: boolean;
  /** Endpoints given as URLs. */
  readonly urls: Partial<Record<EndpointName, string>>;
  /** The synthesized profile that was deployed (its dist/<profile>/ names the Services and settings). */
  readonly profile: StackProfile;
  /** Namespace of the stack: the `namespace` label the queries select and where port-forward looks. @default - the one in dist/<profile>/ */
  readonly namespace?: string;
  /** Set when some endpoint is reached through kubectl port-forward. */
  readonly kubernetes?: { readonly context: string; readonly kubectl: string };
  readonly timeoutMs: number;
}

function checkUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${flag} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${flag} must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

export function parseCheckStackArgs(argv: string[]): CheckStackArgs {
  const values = parseFlags(argv, {
    service: { type: 'string' },
    prometheus: { type: 'string' },
    loki: { type: 'string' },
    tempo: { type: 'string' },
    otlp: { type: 'string' },
    context: { type: 'string' },
    namespace: { type: 'string' },
    profile: { type: 'string' },
    kubectl: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const timeoutMs = 1000 * (numberFlag('timeout', values.timeout, { min: 0, exclusiveMin: true }) ?? 120);
  let profile: StackProfile = DEFAULT_PROFILE;
  try {
    if (values.profile !== undefined) profile = validateProfile('--profile', values.profile);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true, urls: {}, profile, timeoutMs };
  if (values.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(values.namespace)) {
    throw new UsageError(`--namespace "${values.namespace}" is not a Kubernetes namespace name`);
  }
  const urls: Partial<Record<EndpointName, string>> = {};
  for (const name of ENDPOINT_FLAGS) if (values[name] !== undefined) urls[name] = checkUrl(name, values[name]!);
  const missing = ENDPOINT_FLAGS.filter((name) => urls[name] === undefined && !OPTIONAL_ENDPOINTS.includes(name));
  if (values.context === undefined) {
    if (values.kubectl !== undefined) throw new UsageError('--kubectl needs --context');
    if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')} (or give --context to port-forward to the stack's Services)`);
    return { help: false, urls, profile, namespace: values.namespace, timeoutMs };
  }
  if (values.context.trim() === '') throw new UsageError('--context must name a kubectl context');
  return { help: false, urls, profile, namespace: values.namespace, kubernetes: { context: values.context, kubectl: values.kubectl ?? 'kubectl' }, timeoutMs };
}

/** The `kubectl port-forward` command for one Service, on a port the kernel picks, loopback only. */
export function portForwardCommand(kubernetes: NonNullable<CheckStackArgs['kubernetes']>, service: ServiceRef): { command: string; args: string[] } {
  return {
    command: kubernetes.kubectl,
    args: [
      '--context', kubernetes.context,
      '--namespace', service.namespace,
      'port-forward', `service/${service.name}`, `:${service.port}`,
      '--address', '127.0.0.1',
    ],
  };
}

/** kubectl's "Forwarding from 127.0.0.1:43127 -> 3100" line → 43127. */
export function forwardedPort(output: string): number | undefined {
  const match = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
  return match ? Number(match[1]) : undefined;
}

export interface PortForwards {
  readonly endpoints: StackEndpoints;
  close(): void;
}

/** kubectl's last "error: ..." line (or its last line): what went wrong, without the rest of its output. */
export function kubectlError(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return [...lines].reverse().find((line) => /^(error|E\d{4})/.test(line)) ?? lines.at(-1) ?? 'no output';
}

/**
 * --context and --kubectl are the user's input: check them before starting any forward, so a
 * misspelt context is a usage error (exit 2) naming the contexts there are, not kubectl's failure.
 */
export async function checkKubectlContext(kubernetes: NonNullable<CheckStackArgs['kubernetes']>): Promise<void> {
  const contexts = await new Promise<string[]>((resolve, reject) => {
    execFile(kubernetes.kubectl, ['config', 'get-contexts', '--output', 'name'], (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new UsageError(`--kubectl: cannot run "${kubernetes.kubectl}": not found; install kubectl or give its path with --kubectl`));
      } else if (error !== null) {
        reject(new CliError(`${kubernetes.kubectl} config get-contexts failed: ${kubectlError(`${stderr}`)}`));
      } else {
        resolve(stdout.split('\n').map((line) => line.trim()).filter((line) => line !== ''));
      }
    });
  });
  if (!contexts.includes(kubernetes.context)) {
    throw new UsageError(`--context "${kubernetes.context}" is not a context of kubectl's configuration; `
      + (contexts.length === 0 ? 'it has none (check KUBECONFIG)' : `it has: ${contexts.join(', ')}`));
  }
}

/** Starts a port-forward for every endpoint without a URL; resolves once all listen. */
export async function openPortForwards(args: CheckStackArgs, services: Readonly<Record<EndpointName, ServiceRef>>, timeoutMs = 30_000): Promise<PortForwards> {
  await checkKubectlContext(args.kubernetes!);
  const children: ChildProcess[] = [];
  const close = () => children.forEach((c) => c.kill('SIGTERM'));
  const endpoints: Partial<Record<EndpointName, string>> = { ...args.urls };
  try {
    await Promise.all(ENDPOINT_FLAGS.filter((name) => endpoints[name] === undefined).map(async (name) => {
      const { command, args: argv } = portForwardCommand(args.kubernetes!, services[name]);
      const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      endpoints[name] = `http://127.0.0.1:${await new Promise<number>((resolve, reject) => {
        let output = '';
        const what = `kubectl port-forward service/${services[name].name} (namespace ${services[name].namespace})`;
        const timer = setTimeout(() => reject(new CliError(`${what}: no local port after ${timeoutMs / 1000} s: ${kubectlError(output)}`)), timeoutMs);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const port = forwardedPort(output);
          if (port !== undefined) {
            clearTimeout(timer);
            resolve(port);
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('error', (error) => reject(new CliError(`${what}: ${error.message}`)));
        child.once('exit', (code) => reject(new CliError(`${what} exited ${code}: ${kubectlError(output)}`)));
      })}`;
    }));
  } catch (error) {
    close();
    throw error;
  }
  return { endpoints: endpoints as StackEndpoints, close };
}

/**
 * `npm run demo:drift`: watch the model, not only the server. Starts the model service on a
 * loopback port with a small drift window, then loads it in two phases while printing, every few
 * seconds, the drift scores and the accuracy of the labelled predictions, read from /metrics:
 *
 *   1. in-domain  test documents of the model's categories; the true label sent back for half of them
 *   2. drifted    --drift-rate of the documents from the other 16 newsgroups; of the labels sent back,
 *                 --wrong-label-rate name another class (the same text now means something else)
 *
 * Options: --model <file> (default: train one, ~10 s), --phase-seconds (40), --drift-rate (0.5),
 * --wrong-label-rate (0.4), --every <s> (5).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_DRIFT_PSI_THRESHOLDS, DRIFT_SIGNAL_NAMES, DRIFT_STATISTICS, METRICS, ROUTES } from '../src/contract';
import { numberFlag, parseFlags } from '../src/cli/flags';
import { runCli } from '../src/cli/run-cli';
import { loadScenarioDocuments, nextStep, runStep, ScenarioDocuments, Step } from './scenarios';
import { prepareWorkload } from './workload';

const USAGE = `Usage: npm run demo:drift -- [--model <file>] [--phase-seconds 40] [--drift-rate 0.5] [--wrong-label-rate 0.4] [--every 5]`;
const BUILD_ROOT = join(__dirname, '..');
const USERS = 8;
/** Small enough that the window turns over within a phase at the demo's ~150 req/s. */
const WINDOW = { DRIFT_WINDOW_SIZE: '500', DRIFT_MIN_PREDICTIONS: '100' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startService(modelPath: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', join(BUILD_ROOT, 'src/telemetry.js'), join(BUILD_ROOT, 'src/server.js')], {
    env: { ...process.env, MODEL_PATH: modelPath, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true', ...WINDOW },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}${ROUTES.ready}`)).ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the service did not become ready within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sample values of the metrics the table shows, summed over the other labels. */
interface Scrape {
  readonly psi: Map<string, number>;
  readonly window: number;
  readonly labelled: number;
  readonly correct: number;
}

async function scrape(base: URL): Promise<Scrape> {
  const text = await (await fetch(new URL(ROUTES.metrics, base))).text();
  const psi = new Map<string, number>();
  let window = 0;
  let labelled = 0;
  let correct = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const name = line.slice(0, Math.min(...[line.indexOf('{'), line.indexOf(' ')].filter((i) => i >= 0)));
    if (name === METRICS.modelDriftScore.name && line.includes(`statistic="${DRIFT_STATISTICS.psi}"`)) {
      psi.set(/signal="([^"]+)"/.exec(line)![1], value);
    } else if (name === METRICS.modelDriftWindowPredictions.name) window = value;
    else if (name === METRICS.modelFeedbackLabelledTotal.name) labelled += value;
    else if (name === METRICS.modelFeedbackCorrectTotal.name) correct += value;
  }
  return { psi, window, labelled, correct };
}

function cell(text: string, width: number): string {
  return text.padStart(width);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    model: { type: 'string' }, 'phase-seconds': { type: 'string' }, 'drift-rate': { type: 'string' },
    'wrong-label-rate': { type: 'string' }, every: { type: 'string' }, help: { type: 'boolean' },
  });
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const phaseSeconds = numberFlag('phase-seconds', flags['phase-seconds'], { integer: true, min: 5 }) ?? 40;
  const driftRate = numberFlag('drift-rate', flags['drift-rate'], { min: 0 }) ?? 0.5;
  const wrongLabelRate = numberFlag('wrong-label-rate', flags['wrong-label-rate'], { min: 0 }) ?? 0.4;
  const every = numberFlag('every', flags.every, { integer: true, min: 1 }) ?? 5;
  if (driftRate > 1 || wrongLabelRate > 1) throw new Error('--drift-rate and --wrong-label-rate are shares between 0 and 1');

  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const workload = await prepareWorkload(flags.model, log);
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}`);
  const service = await startService(workload.modelPath, port);
  const agent = new Agent({ keepAlive: true, maxSockets: USERS });
  try {
    const info = (await (await fetch(new URL(ROUTES.info, base))).json()) as { classes: string[] };
    log(`service on ${base.origin}, drift window ${WINDOW.DRIFT_WINDOW_SIZE} predictions (scores from ${WINDOW.DRIFT_MIN_PREDICTIONS})`);
    const docs: ScenarioDocuments = await loadScenarioDocuments(info.classes);

    const phases: { name: string; step: () => Step }[] = [
      { name: 'in-domain', step: () => nextStep({ scenario: 'feedback', driftRate: 0, feedbackRate: 0.5, wrongLabelRate: 0 }, docs) },
      {
        name: 'drifted',
        step: () => (Math.random() < driftRate
          ? nextStep({ scenario: 'drift', driftRate: 1, feedbackRate: 0, wrongLabelRate: 0 }, docs)
          : nextStep({ scenario: 'feedback', driftRate: 0, feedbackRate: 0.5, wrongLabelRate }, docs)),
      },
    ];
    const marks = DRIFT_SIGNAL_NAMES.map((s) => `${s} ${DEFAULT_DRIFT_PSI_THRESHOLDS[s]}`).join(', ');
    console.log(`\nPSI per signal against the model's reference profile (* = above the alert threshold: ${marks});`);
    console.log(`accuracy of the predictions labelled in the last ${every} s. Phase 2: ${Math.round(driftRate * 100)} % documents of other newsgroups, `
      + `${Math.round(wrongLabelRate * 100)} % of the labels sent another class.\n`);
    const widths = [5, 10, 6, ...DRIFT_SIGNAL_NAMES.map((s) => Math.max(s.length, 7)), 8, 8];
    const header = ['t (s)', 'phase', 'window', ...DRIFT_SIGNAL_NAMES, 'labelled', 'accuracy'];
    console.log(header.map((h, i) => cell(h, widths[i])).join('  '));

    const started = performance.now();
    let phase = 0;
    let previous = await scrape(base);
    const users = Array.from({ length: USERS }, async () => {
      while (phase < phases.length) {
        const outcome = await runStep(base, agent, phases[phase].step());
        if (outcome.predict !== '200') throw new Error(`POST /predict answered ${outcome.predict}`);
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      }
    });
    const ticker = (async () => {
      for (let tick = 1; phase < phases.length; tick += 1) {
        await new Promise((r) => setTimeout(r, started + tick * every * 1000 - performance.now()));
        const now = await scrape(base);
        const labelled = now.labelled - previous.labelled;
        const accuracy = labelled === 0 ? '-' : `${(((now.correct - previous.correct) / labelled) * 100).toFixed(0)} %`;
        const psi = DRIFT_SIGNAL_NAMES.map((s) => {
          const v = now.psi.get(s);
          return v === undefined ? '-' : `${v.toFixed(2)}${v > DEFAULT_DRIFT_PSI_THRESHOLDS[s] ? '*' : ' '}`;
        });
        const row = [String(tick * every), phases[phase].name, String(now.window), ...psi, String(labelled), accuracy];
        console.log(row.map((c, i) => cell(c, widths[i])).join('  '));
        previous = now;
        if (tick * every >= (phase + 1) * phaseSeconds) phase += 1;
      }
    })();
    await Promise.all([...users, ticker]);
  } finally {
    agent.destroy();
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    await workload.cleanup();
  }
}

if (require.main === module) runCli(main, USAGE);

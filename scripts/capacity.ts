/**
 * `npm run capacity -- --rps N --retention D`: sizes the stack from the measured figures
 * (lib/capacity/measurements.ts) and prints the figures it used, with where they came from.
 */
import { CAPACITY_USAGE, CapacityArgs, parseCapacityArgs } from '../lib/capacity/capacity-args';
import {
  CAPACITY_SHARE, CapacityFigures, CapacityPlan, LOKI_SCALABLE_REPLICATION, SIMPLE_SCALABLE_MAX_WRITE_REPLICAS, capacityPlan,
} from '../lib/capacity/capacity-model';
import { CURRENT_FIGURES } from '../lib/capacity/measurements';
import { formatTable } from '../model-service/src/cli/table';
import { runCli } from '../model-service/src/cli/run-cli';

/** Bytes in binary units, two significant decimals. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 2)} ${units[unit]}`;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatPlan(args: CapacityArgs, plan: CapacityPlan, figures: CapacityFigures): string {
  const days = `${args.retentionDays} d`;
  const rows = [
    ['model service', `${plan.modelService.pods} pods at peak (HPA maxReplicas at least ${plan.modelService.pods})`, `${count(plan.modelService.requestsPerPodAtTarget)} req/s per pod at the CPU target`, '-', '-'],
    ['Loki', `${plan.loki.mode}${plan.loki.mode === 'Monolithic' ? ', 1 replica' : `, ${plan.loki.writeReplicas} write replicas`}`,
      `${count(plan.loki.linesPerSecond)} lines/s = ${(plan.loki.singleProcessLoad * 100).toFixed(0)} % of one process`, formatBytes(plan.loki.bytesPerDay), formatBytes(plan.loki.bytesForRetention)],
    ['Tempo', `chart ${plan.tempo.chart}${plan.tempo.chart === 'tempo' ? '' : `, ${plan.tempo.ingesters} ingesters`}`,
      `${count(plan.tempo.spansPerSecond)} spans/s = ${(plan.tempo.singleProcessLoad * 100).toFixed(0)} % of one process`, formatBytes(plan.tempo.bytesPerDay), formatBytes(plan.tempo.bytesForRetention)],
    ['Prometheus', '1 server', `${count(plan.prometheus.series)} series of the model service, ${count(plan.prometheus.samplesPerSecond)} samples/s`, 'not measured', 'not measured'],
  ];
  const { modelServicePod: pod, loki, lokiLimits, tempo, series } = figures;
  const limits = [
    plan.loki.ingestionRateMbNeeded === undefined ? undefined
      : `Loki: ${formatBytes(plan.loki.ingestBytesPerSecond)}/s of lines passes 70 % of the tenant limit (${formatBytes(lokiLimits.tenantBytesPerSecond)}/s, Loki's default): `
        + `set loki.limits_config.ingestion_rate_mb to ${plan.loki.ingestionRateMbNeeded} in charts-values/current/loki.yaml, or Loki answers 429 and Alloy retries.`,
    plan.loki.streamLimitExceeded
      ? `Loki: one pod's stream at ${formatBytes(plan.loki.streamBytesPerSecondPerPod)}/s passes the per-stream limit (${formatBytes(lokiLimits.streamBytesPerSecond)}/s): raise loki.limits_config.per_stream_rate_limit.`
      : undefined,
  ].filter((l): l is string => l !== undefined);
  const used = [
    ['model service pod, 1 CPU, full telemetry', `${count(pod.requestsPerSecond)} req/s at p99 ${pod.p99Ms} ms (bound ${pod.p99LimitMs} ms)`, source(pod.source)],
    ['Loki 3.7.6, one process on 1 CPU', `${count(loki.sustainedItemsPerSecond)} lines/s sustained${loki.failedItemsPerSecond ? ` (${count(loki.failedItemsPerSecond)} not)` : ''}; `
      + `${loki.bytesPerRequest.toFixed(0)} B stored per request (${loki.itemsPerRequest} line)`, source(loki.source)],
    ['Tempo 2.10.8, one process on 1 CPU', `${count(tempo.sustainedItemsPerSecond)} spans/s sustained${tempo.failedItemsPerSecond ? ` (${count(tempo.failedItemsPerSecond)} not)` : ''}; `
      + `${tempo.bytesPerRequest.toFixed(0)} B stored per request (${tempo.itemsPerRequest} spans)`, source(tempo.source)],
    ['Loki 3.7.6 ingestion limits', `${formatBytes(lokiLimits.tenantBytesPerSecond)}/s per tenant, ${formatBytes(lokiLimits.streamBytesPerSecond)}/s per stream; `
      + `${lokiLimits.ingestedBytesPerLine.toFixed(0)} B counted per request line`, source(lokiLimits.source)],
    ['Prometheus 3.14.0, series of one pod', `${series.seriesPerPod} + ${series.seriesPerClassPerPod} per class + ${series.seriesPerClassPairPerPod} per (true, predicted) class pair, scraped every ${series.scrapeIntervalSeconds} s`, source(series.source)],
  ];
  return [
    `${count(args.requestsPerSecond)} requests/s, ${args.classes} classes, retention ${days}`,
    '',
    formatTable(['component', 'size', 'load', 'storage per day', `storage for ${days}`], rows),
    '',
    `Each component runs at ${CAPACITY_SHARE * 100} % of its measured capacity. Loki: Monolithic while one process keeps up; `
      + `SimpleScalable up to ${SIMPLE_SCALABLE_MAX_WRITE_REPLICAS} write replicas (each line on ${LOKI_SCALABLE_REPLICATION}), Distributed beyond. `
      + 'Tempo: its single-binary chart while one process keeps up, tempo-distributed beyond.',
    ...(limits.length > 0 ? ['', ...limits] : []),
    '',
    'Figures used:',
    formatTable(['figure', 'value', 'measured by'], used),
  ].join('\n');
}

function source(s: { command: string; machine: string; date: string }): string {
  return `${s.command} (${s.machine}, ${s.date})`;
}

async function main(): Promise<void> {
  const args = parseCapacityArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${CAPACITY_USAGE}\n`);
    return;
  }
  process.stdout.write(`${formatPlan(args, capacityPlan(args, CURRENT_FIGURES), CURRENT_FIGURES)}\n`);
}

if (require.main === module) runCli(main, CAPACITY_USAGE);

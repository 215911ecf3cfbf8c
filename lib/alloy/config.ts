/**
 * Grafana Alloy configuration for the log DaemonSet, generated from typed options: every pod log
 * file of the node the Alloy pod runs on is tailed, labelled like the reference profile's Promtail
 * labelled it (`namespace`, `pod`, `container`, `app`, `job`, `node_name`: the dashboards and
 * Grafana's traces-to-logs query select on them), parsed as CRI, and the JSON fields named in
 * `structuredMetadata` are attached as Loki structured metadata, never as labels (a trace id per
 * stream would explode Loki's index).
 */

export interface AlloyLogsConfigOptions {
  /** Loki's push URL (`Loki.pushUrl`). */
  readonly lokiPushUrl: string;
  /** JSON fields of a log line kept as structured metadata, by the name they get in Loki. */
  readonly structuredMetadata: readonly string[];
  /** The node-local OTLP gateway for traces (alloyTracesConfig); absent: logs only. */
  readonly traces?: AlloyTracesConfigOptions;
}

/** Tail sampling at the gateway: every error, every slow trace, a share of the rest. */
export interface TailSamplingOptions {
  /** Traces with a span at least this slow are kept, in milliseconds. */
  readonly slowerThanMs: number;
  /** Percentage (0-100) of the remaining traces kept. */
  readonly keepPercent: number;
  /** How long the sampler waits for a trace's spans before it decides, e.g. "10s". */
  readonly decisionWait: string;
}

export interface AlloyTracesConfigOptions {
  /** Ports the OTLP receiver listens on (gRPC, HTTP), on every interface of the pod. */
  readonly otlpGrpcPort: number;
  readonly otlpHttpPort: number;
  /** Tempo's OTLP gRPC address, `host:port`. */
  readonly tempoOtlpGrpcAddress: string;
  /** Folder of the exporter's persistent sending queue (a volume that outlives the pod). */
  readonly queueDirectory: string;
  /** Spans the sending queue holds before it refuses new ones. */
  readonly queueSpans: number;
  /** @default - no sampling: every span goes to Tempo */
  readonly tailSampling?: TailSamplingOptions;
}

/** Where spans leave the pipeline: the exporter to Tempo, with its disk-backed queue. */
export const TEMPO_EXPORTER_INPUT = 'otelcol.exporter.otlp.tempo.input';

/** The resource attributes the Kubernetes attributes processor adds to each span (Tempo's names). */
export const K8S_SPAN_ATTRIBUTES = ['k8s.namespace.name', 'k8s.pod.name', 'k8s.deployment.name', 'k8s.node.name'] as const;

/** An Alloy string literal (Go-style escaping, as Alloy's syntax takes it). */
function str(value: string): string {
  return JSON.stringify(value);
}

function list(values: readonly string[]): string {
  return `[${values.map(str).join(', ')}]`;
}

interface RelabelRule {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly replacement?: string;
  readonly target_label: string;
}

/** Promtail 6.9.0's kubernetes-pods job, as Alloy relabel rules (its `app`/`job` fallbacks included). */
const POD_LOG_RULES: readonly RelabelRule[] = [
  {
    source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app', '__meta_kubernetes_pod_name'],
    regex: '^;*([^;]+)(;.*)?$',
    target_label: 'app',
  },
  {
    source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance', '__meta_kubernetes_pod_label_release'],
    regex: '^;*([^;]+)(;.*)?$',
    target_label: 'instance',
  },
  {
    source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component', '__meta_kubernetes_pod_label_component'],
    regex: '^;*([^;]+)(;.*)?$',
    target_label: 'component',
  },
  { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
  { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
  { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
  { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node_name' },
  { source_labels: ['namespace', 'app'], separator: '/', target_label: 'job' },
  // The kubelet writes each container's log to /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log.
  {
    source_labels: ['__meta_kubernetes_pod_uid', '__meta_kubernetes_pod_container_name'],
    separator: '/',
    replacement: '/var/log/pods/*$1/*.log',
    target_label: '__path__',
  },
];

function rule(r: RelabelRule): string {
  const attributes = [
    r.source_labels ? `source_labels = ${list(r.source_labels)}` : undefined,
    r.separator !== undefined ? `separator     = ${str(r.separator)}` : undefined,
    r.regex !== undefined ? `regex         = ${str(r.regex)}` : undefined,
    r.replacement !== undefined ? `replacement   = ${str(r.replacement)}` : undefined,
    `target_label  = ${str(r.target_label)}`,
  ].filter((a): a is string => a !== undefined);
  return ['  rule {', ...attributes.map((a) => `    ${a}`), '  }'].join('\n');
}

function fieldMap(fields: readonly string[]): string {
  return `{\n${fields.map((f) => `      ${str(f)} = ${str(f)},`).join('\n')}\n    }`;
}

/**
 * The node-local OpenTelemetry gateway: OTLP in (gRPC and HTTP) -> Kubernetes attributes of the
 * sending pod -> (tail sampling) -> a sending queue kept on disk -> batches -> OTLP to Tempo,
 * retried without a time limit, so that neither a Tempo restart nor an Alloy restart loses spans
 * already accepted.
 *
 * No otelcol.processor.batch: it holds spans in memory after the receiver has acknowledged them,
 * so a killed Alloy lost them. The exporter batches instead, after its queue (the collector's
 * exporter-level batching, which replaces the batch processor upstream): a span is on disk
 * before its sender hears "accepted".
 */
export function alloyTracesConfig(options: AlloyTracesConfigOptions): string {
  const sampling = options.tailSampling;
  const afterAttributes = sampling ? 'otelcol.processor.tail_sampling.default.input' : TEMPO_EXPORTER_INPUT;
  const samplingBlock = sampling
    ? [
        '// Keeps whole traces: every one with an error, every one with a slow span, a share of the rest.',
        '// Correct here because each trace of this service is made in one pod, so all its spans reach this node\'s gateway.',
        'otelcol.processor.tail_sampling "default" {',
        `  decision_wait = ${str(sampling.decisionWait)}`,
        '  policy {',
        '    name = "errors"',
        '    type = "status_code"',
        '    status_code {',
        '      status_codes = ["ERROR"]',
        '    }',
        '  }',
        '  policy {',
        '    name = "slow"',
        '    type = "latency"',
        '    latency {',
        `      threshold_ms = ${sampling.slowerThanMs}`,
        '    }',
        '  }',
        '  policy {',
        '    name = "share_of_the_rest"',
        '    type = "probabilistic"',
        '    probabilistic {',
        `      sampling_percentage = ${sampling.keepPercent}`,
        '    }',
        '  }',
        '  output {',
        `    traces = [${TEMPO_EXPORTER_INPUT}]`,
        '  }',
        '}',
        '',
      ]
    : [];
  return [
    '// OTLP from the pods of this node (the Service keeps traffic node-local) -> Tempo.',
    'otelcol.receiver.otlp "default" {',
    '  grpc {',
    `    endpoint = ${str(`0.0.0.0:${options.otlpGrpcPort}`)}`,
    '  }',
    '  http {',
    `    endpoint = ${str(`0.0.0.0:${options.otlpHttpPort}`)}`,
    '  }',
    '  output {',
    '    traces = [otelcol.processor.k8sattributes.default.input]',
    '  }',
    '}',
    '',
    '// The sending pod is found by the connection\'s source address (a pod-to-Service call keeps it).',
    'otelcol.processor.k8sattributes "default" {',
    '  extract {',
    `    metadata = ${list(K8S_SPAN_ATTRIBUTES)}`,
    '  }',
    '  // Watch only this node\'s pods (the chart sets HOSTNAME to spec.nodeName).',
    '  filter {',
    '    node = sys.env("HOSTNAME")',
    '  }',
    '  pod_association {',
    '    source {',
    '      from = "connection"',
    '    }',
    '  }',
    '  output {',
    `    traces = [${afterAttributes}]`,
    '  }',
    '}',
    '',
    ...samplingBlock,
    '// A hostPath folder: spans queued while Tempo is away survive a restart of this pod.',
    'otelcol.storage.file "queue" {',
    `  directory = ${str(options.queueDirectory)}`,
    '}',
    '',
    'otelcol.exporter.otlp "tempo" {',
    '  client {',
    `    endpoint = ${str(options.tempoOtlpGrpcAddress)}`,
    '    tls {',
    '      insecure = true',
    '    }',
    '  }',
    '  // No time limit (the upstream default gives up after 5 minutes): the queue bounds what is kept.',
    '  retry_on_failure {',
    '    max_elapsed_time = "0s"',
    '  }',
    '  sending_queue {',
    '    sizer      = "items"',
    `    queue_size = ${options.queueSpans}`,
    '    storage    = otelcol.storage.file.queue.handler',
    '    // Batches are cut from the queue (every 200 ms, or at 2,000-3,000 spans), not before it.',
    '    batch {',
    '      sizer = "items"',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export function alloyLogsConfig(options: AlloyLogsConfigOptions): string {
  const metadata = options.structuredMetadata;
  const processStages =
    metadata.length === 0
      ? ['  stage.cri {}']
      : [
          '  stage.cri {}',
          '',
          '  // JSON log lines (the model service\'s pino output): lift these fields into structured metadata.',
          '  stage.json {',
          `    expressions = ${fieldMap(metadata)}`,
          '  }',
          '',
          '  stage.structured_metadata {',
          `    values = ${fieldMap(metadata)}`,
          '  }',
        ];
  return [
    '// GENERATED by npm run synth (lib/alloy/config.ts): pod logs of this node -> Loki.',
    '',
    '// Only the pods of the node this DaemonSet pod runs on (the chart sets HOSTNAME to spec.nodeName).',
    'discovery.kubernetes "pods" {',
    '  role = "pod"',
    '  selectors {',
    '    role  = "pod"',
    '    field = "spec.nodeName=" + sys.env("HOSTNAME")',
    '  }',
    '}',
    '',
    'discovery.relabel "pod_logs" {',
    '  targets = discovery.kubernetes.pods.targets',
    ...POD_LOG_RULES.map(rule),
    '}',
    '',
    'local.file_match "pod_logs" {',
    '  path_targets = discovery.relabel.pod_logs.output',
    '}',
    '',
    'loki.source.file "pod_logs" {',
    '  targets    = local.file_match.pod_logs.targets',
    '  forward_to = [loki.process.pod_logs.receiver]',
    '}',
    '',
    'loki.process "pod_logs" {',
    ...processStages,
    '',
    '  forward_to = [loki.write.default.receiver]',
    '}',
    '',
    'loki.write "default" {',
    '  endpoint {',
    `    url = ${str(options.lokiPushUrl)}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The whole config.alloy: pod logs -> Loki, and, when `traces` is given, the OTLP gateway -> Tempo. */
export function alloyConfig(options: AlloyLogsConfigOptions): string {
  const logs = alloyLogsConfig(options);
  return options.traces ? `${logs}\n${alloyTracesConfig(options.traces)}` : logs;
}

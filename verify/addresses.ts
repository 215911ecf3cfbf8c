/**
 * Resolves the in-cluster addresses a stack's configuration names (URLs, `host:port` pairs,
 * bare Service names) to the Services the rendered charts and our own manifests really create:
 * the Service must exist in that namespace, have that port (by number or name), select at least
 * one pod template of the rendered workloads, and a named targetPort must be a container port of
 * those pods. Used by test/render on the reference profile; written against plain Kubernetes
 * objects so another profile's render can reuse it.
 */
import { parse } from 'yaml';
import type { KubeObject } from './helm';

/** One address found in a configuration. */
export interface AddressReference {
  /** Where it was found, for messages: "loki ConfigMap loki-gateway nginx.conf". */
  readonly where: string;
  /** The text as written. */
  readonly address: string;
  readonly host: string;
  /** Port by number or by name; undefined when only the Service's existence matters (a DNS name). */
  readonly port?: number | string;
  /** Namespace a bare or `name.namespace` host is looked up from: the referencing object's. */
  readonly namespace: string;
}

/**
 * A Service the cluster itself provides, which no chart renders. Listed explicitly (with why) so
 * that everything else must resolve to a rendered object.
 */
export interface ClusterService {
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly number[];
  readonly why: string;
}

export const CLUSTER_SERVICES: readonly ClusterService[] = [
  { namespace: 'default', name: 'kubernetes', ports: [443], why: 'the API server, created by Kubernetes itself' },
  { namespace: 'kube-system', name: 'kube-dns', ports: [53], why: 'the cluster DNS (CoreDNS keeps the kube-dns Service name)' },
];

const LABEL = '[a-z0-9](?:[-a-z0-9]*[a-z0-9])?';
const HOST = `${LABEL}(?:\\.${LABEL})*`;
/** scheme://host[:port]; the scheme may be a shell variable ($MINIO_SCHEME://minio:9000). */
const URL_PATTERN = new RegExp(`([A-Za-z$][\\w$+.{}-]*)://(${HOST})(?::(\\d+))?`, 'g');
/** A host ending in .svc or .svc.cluster.local, with an optional port, outside a URL. */
const SVC_PATTERN = new RegExp(`(?<![\\w.-])(${HOST}\\.svc(?:\\.cluster\\.local)?)(?::(\\d+))?(?![\\w.-])`, 'g');
/** A whole value `name:port` naming a Service in the same namespace (tempo-query's `backend: tempo:3100`). */
const BARE_HOST_PORT = new RegExp(`^(${LABEL}):(\\d+)$`);

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };
const NOT_SERVICES = new Set(['localhost', '0.0.0.0', '127.0.0.1']);

export interface ServiceName {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The Service a host names, or undefined when it is not an in-cluster Service name:
 * `name`, `name.namespace`, `name.namespace.svc`, `name.namespace.svc.cluster.local`.
 * `name.namespace` only counts when `namespace` is one of `knownNamespaces` (otherwise it is an
 * outside host such as grafana.com).
 */
export function serviceOf(host: string, namespace: string, knownNamespaces: ReadonlySet<string>): ServiceName | undefined {
  if (NOT_SERVICES.has(host) || /^\d+(\.\d+){3}$/.test(host)) return undefined;
  const parts = host.replace(/\.svc\.cluster\.local$|\.svc$/, '').split('.');
  const inCluster = /\.svc(\.cluster\.local)?$/.test(host);
  if (parts.length === 1) return inCluster ? undefined : { name: parts[0], namespace };
  if (parts.length === 2 && (inCluster || knownNamespaces.has(parts[1]))) return { name: parts[0], namespace: parts[1] };
  return undefined;
}

/**
 * Every `scheme://host[:port]` and `*.svc[.cluster.local][:port]` in a text. URLs without a port
 * get their scheme's default (http 80, https 443); hosts outside the cluster are returned too and
 * left out later by `serviceOf`.
 */
export function extractAddresses(text: string, where: string, namespace: string): AddressReference[] {
  const found: AddressReference[] = [];
  const masked = text.replace(URL_PATTERN, (match, scheme: string, host: string, port?: string) => {
    const defaultPort = DEFAULT_PORTS[scheme.toLowerCase()];
    found.push({ where, address: match, host, port: port !== undefined ? Number(port) : defaultPort, namespace });
    return ' '.repeat(match.length);
  });
  for (const match of masked.matchAll(SVC_PATTERN)) {
    found.push({ where, address: match[0], host: match[1], port: match[2] !== undefined ? Number(match[2]) : undefined, namespace });
  }
  return found;
}

/** `name:port` as a whole value (a bare Service name with a port), or undefined. */
export function bareHostPort(value: string, where: string, namespace: string): AddressReference | undefined {
  const match = BARE_HOST_PORT.exec(value.trim());
  if (!match || NOT_SERVICES.has(match[1])) return undefined;
  return { where, address: value.trim(), host: match[1], port: Number(match[2]), namespace };
}

/**
 * Fields of YAML configuration files that hold bare Service names without a port, with the port
 * the program then uses. Loki's memberlist joins `join_members` on memberlist's bind port.
 */
export const BARE_NAME_FIELDS: readonly { readonly path: readonly string[]; readonly defaultPort: number }[] = [
  { path: ['memberlist', 'join_members'], defaultPort: 7946 },
];

/** Addresses in one configuration file: its text, plus the YAML fields that take bare names or `name:port`. */
export function extractFromConfigFile(text: string, where: string, namespace: string): AddressReference[] {
  const found = extractAddresses(text, where, namespace);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return found; // not YAML (nginx.conf, grafana.ini): the text patterns are all there is
  }
  const walk = (value: unknown, keyPath: string[]): void => {
    if (typeof value === 'string') {
      const bare = bareHostPort(value, `${where} ${keyPath.join('.')}`, namespace);
      if (bare) found.push(bare);
      const field = BARE_NAME_FIELDS.find((f) => f.path.join('.') === keyPath.filter((k) => !/^\d+$/.test(k)).join('.'));
      if (field && !value.includes(':') && !value.includes('/')) {
        found.push({ where: `${where} ${keyPath.join('.')}`, address: value, host: value, port: field.defaultPort, namespace });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...keyPath, String(i)]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, [...keyPath, key]);
    }
  };
  if (doc !== null && typeof doc === 'object') walk(doc, []);
  return found;
}

interface ServiceObject extends KubeObject {
  readonly spec?: {
    readonly selector?: Record<string, string>;
    readonly ports?: readonly { readonly name?: string; readonly port: number; readonly targetPort?: number | string }[];
  };
}

interface ContainerLike {
  readonly name: string;
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
}

interface PodSpecLike {
  readonly containers?: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
}

/** A pod as a workload would create it: namespace, labels and spec. */
export interface PodTemplate {
  readonly owner: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: PodSpecLike;
}

/** The pod templates of every workload (and the bare Pods) among `objects`. */
export function podTemplates(objects: readonly KubeObject[], defaultNamespace: string): PodTemplate[] {
  const pods: PodTemplate[] = [];
  for (const o of objects) {
    const namespace = o.metadata.namespace ?? defaultNamespace;
    const owner = `${o.kind} ${o.metadata.name}`;
    const spec = o.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpecLike } } } } | undefined;
    if (o.kind === 'Pod') pods.push({ owner, namespace, labels: o.metadata.labels ?? {}, spec: o.spec as PodSpecLike });
    const template = o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'].includes(o.kind) && template?.spec) {
      pods.push({ owner, namespace, labels: template.metadata?.labels ?? {}, spec: template.spec });
    }
  }
  return pods;
}

function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function describePorts(service: ServiceObject): string {
  return (service.spec?.ports ?? []).map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ') || 'none';
}

/**
 * Problems with a Service as a destination: no pod template it selects, or a named targetPort
 * no selected container declares (the Service would have no endpoints on that port).
 */
export function serviceBackendProblems(service: KubeObject, pods: readonly PodTemplate[], defaultNamespace: string): string[] {
  const svc = service as ServiceObject;
  const namespace = svc.metadata.namespace ?? defaultNamespace;
  const selector = svc.spec?.selector;
  const what = `Service ${namespace}/${svc.metadata.name}`;
  if (!selector || Object.keys(selector).length === 0) return []; // endpoints managed by hand: nothing to check here
  const selected = pods.filter((p) => p.namespace === namespace && selects(selector, p.labels));
  if (selected.length === 0) {
    return [`${what} selects ${JSON.stringify(selector)}, which no rendered pod template carries: it would have no endpoints.`];
  }
  const problems: string[] = [];
  for (const port of svc.spec?.ports ?? []) {
    if (typeof port.targetPort !== 'string') continue;
    const declared = selected.some((p) => (p.spec.containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === port.targetPort)));
    if (!declared) {
      problems.push(`${what} port ${port.port} targets the container port named "${port.targetPort}", which no selected pod (${selected.map((p) => p.owner).join(', ')}) declares.`);
    }
  }
  return problems;
}

export interface ResolveOptions {
  /** Namespace of objects that do not state one (Helm renders some without). */
  readonly defaultNamespace: string;
  /** @default CLUSTER_SERVICES */
  readonly clusterServices?: readonly ClusterService[];
}

/**
 * Problems resolving each reference (empty when all resolve), each naming where the address was
 * found, the address, and what is missing. References to hosts outside the cluster are skipped.
 */
export function addressProblems(references: readonly AddressReference[], objects: readonly KubeObject[], options: ResolveOptions): string[] {
  const clusterServices = options.clusterServices ?? CLUSTER_SERVICES;
  const services = objects.filter((o): o is ServiceObject => o.kind === 'Service');
  const namespaceOf = (o: KubeObject) => o.metadata.namespace ?? options.defaultNamespace;
  const knownNamespaces = new Set([...services.map(namespaceOf), ...clusterServices.map((s) => s.namespace)]);
  const pods = podTemplates(objects, options.defaultNamespace);
  const problems: string[] = [];
  for (const ref of references) {
    const target = serviceOf(ref.host, ref.namespace, knownNamespaces);
    if (!target) continue;
    const prefix = `${ref.where}: ${ref.address}`;
    const provided = clusterServices.find((s) => s.name === target.name && s.namespace === target.namespace);
    if (provided) {
      if (typeof ref.port === 'number' && !provided.ports.includes(ref.port)) problems.push(`${prefix}: ${provided.why} serves port ${provided.ports.join(', ')}, not ${ref.port}.`);
      continue;
    }
    const service = services.find((s) => s.metadata.name === target.name && namespaceOf(s) === target.namespace);
    if (!service) {
      const there = services.filter((s) => namespaceOf(s) === target.namespace).map((s) => s.metadata.name).sort();
      problems.push(`${prefix}: no Service "${target.name}" in namespace ${target.namespace} (there are: ${there.join(', ') || 'none'}).`);
      continue;
    }
    const ports = service.spec?.ports ?? [];
    if (ref.port !== undefined && !ports.some((p) => p.port === ref.port || p.name === ref.port)) {
      problems.push(`${prefix}: Service ${target.namespace}/${target.name} has no port ${ref.port} (ports: ${describePorts(service)}).`);
      continue;
    }
    problems.push(...serviceBackendProblems(service, pods, options.defaultNamespace).map((p) => `${prefix}: ${p}`));
  }
  return problems;
}

interface ContainerText {
  readonly name: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
}

/**
 * The addresses in a set of objects: every file of every ConfigMap and Secret (Secret data
 * decoded), and the command, args and env values of every container of every pod template.
 * `label` prefixes each location (the release name, or the manifest file).
 */
export function referencesInObjects(objects: readonly KubeObject[], label: string, defaultNamespace: string): AddressReference[] {
  const found: AddressReference[] = [];
  for (const o of objects) {
    const namespace = o.metadata.namespace ?? defaultNamespace;
    const at = `${label} ${o.kind} ${o.metadata.name}`;
    if (o.kind === 'ConfigMap' || o.kind === 'Secret') {
      const files = o as { data?: Record<string, string> | null; stringData?: Record<string, string> };
      for (const [key, value] of Object.entries(files.data ?? {})) {
        const text = o.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
        found.push(...extractFromConfigFile(text, `${at} ${key}`, namespace));
      }
      for (const [key, value] of Object.entries(files.stringData ?? {})) found.push(...extractFromConfigFile(value, `${at} ${key}`, namespace));
    }
  }
  for (const pod of podTemplates(objects, defaultNamespace)) {
    const spec = pod.spec as { containers?: ContainerText[]; initContainers?: ContainerText[] };
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const where = `${label} ${pod.owner} container ${c.name}`;
      for (const text of [...(c.command ?? []), ...(c.args ?? [])]) {
        found.push(...extractAddresses(text, `${where} args`, pod.namespace));
        const bare = bareHostPort(text, `${where} args`, pod.namespace);
        if (bare) found.push(bare);
      }
      for (const env of c.env ?? []) {
        if (typeof env.value === 'string') found.push(...extractAddresses(env.value, `${where} env ${env.name}`, pod.namespace));
      }
    }
  }
  return found;
}

/** One relabelling step of a Prometheus config (the fields the evaluation below reads). */
export interface RelabelRule {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly action?: string;
  readonly target_label?: string;
}

/** A Kubernetes pod-role discovery target: one per container port of a pod. */
export interface PodTarget {
  readonly pod: PodTemplate;
  readonly container: string;
  readonly port: number;
}

/** Prometheus' meta-label spelling of a label or annotation name. */
function metaName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function podMetaLabels(pod: PodTemplate, annotations: Readonly<Record<string, string>>, container: string, port: { name?: string; containerPort: number }): Map<string, string> {
  const labels = new Map<string, string>([
    ['__meta_kubernetes_namespace', pod.namespace],
    // A pod template describes a pod that is running once it is up.
    ['__meta_kubernetes_pod_phase', 'Running'],
    ['__meta_kubernetes_pod_container_name', container],
    ['__meta_kubernetes_pod_container_port_number', String(port.containerPort)],
    ['__meta_kubernetes_pod_container_port_name', port.name ?? ''],
  ]);
  for (const [key, value] of Object.entries(pod.labels)) labels.set(`__meta_kubernetes_pod_label_${metaName(key)}`, value);
  for (const [key, value] of Object.entries(annotations)) labels.set(`__meta_kubernetes_pod_annotation_${metaName(key)}`, value);
  return labels;
}

/**
 * The pod targets a `kubernetes_sd_configs: [{role: pod}]` block with these relabel rules keeps,
 * among the rendered pod templates. Only `keep` and `drop` decide which targets stay; the other
 * actions are skipped, and a rule that rewrites a label a later keep/drop reads is refused
 * rather than evaluated wrongly.
 */
export function podTargetsKept(rules: readonly RelabelRule[], objects: readonly KubeObject[], defaultNamespace: string): PodTarget[] {
  const written = new Set<string>();
  for (const rule of rules) {
    const action = rule.action ?? 'replace';
    if (action === 'keep' || action === 'drop') {
      const read = (rule.source_labels ?? []).find((l) => written.has(l));
      if (read) throw new Error(`relabel rule ${JSON.stringify(rule)} reads ${read}, rewritten by an earlier rule: not supported here.`);
    } else if (rule.target_label) {
      written.add(rule.target_label);
    }
  }
  const annotationsOf = new Map<string, Record<string, string>>();
  for (const o of objects) {
    const template = (o.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template;
    annotationsOf.set(`${o.kind} ${o.metadata.name}`, (o.kind === 'Pod' ? o.metadata.annotations : template?.metadata?.annotations) ?? {});
  }
  const kept: PodTarget[] = [];
  for (const pod of podTemplates(objects, defaultNamespace)) {
    for (const c of pod.spec.containers ?? []) {
      for (const port of c.ports ?? []) {
        const labels = podMetaLabels(pod, annotationsOf.get(pod.owner) ?? {}, c.name, port);
        const keeps = rules.every((rule) => {
          if (rule.action !== 'keep' && rule.action !== 'drop') return true;
          const value = (rule.source_labels ?? []).map((l) => labels.get(l) ?? '').join(rule.separator ?? ';');
          // Prometheus anchors relabel regexes; the default regex is (.*).
          const matches = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).test(value);
          return rule.action === 'keep' ? matches : !matches;
        });
        if (keeps) kept.push({ pod, container: c.name, port: port.containerPort });
      }
    }
  }
  return kept;
}

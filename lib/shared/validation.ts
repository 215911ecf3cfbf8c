/**
 * Checks on user-supplied props, run while the constructs are built so `npm run synth` fails
 * at once with a message naming the prop, the bad value and the rule, instead of producing
 * manifests the API server or Helm would reject later.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** NodePort range of a default kube-apiserver (`--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export function validateNamespace(prop: string, value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new Error(
      `${prop}: "${value}" is not a valid Kubernetes namespace name. Use at most 63 lower-case letters, digits ` +
        `and '-', starting and ending with a letter or digit (RFC 1123 label), e.g. "technical-observability-for-ml".`,
    );
  }
  return value;
}

/** Helm release names are DNS-1123 labels of at most 53 characters (room for suffixes). */
export function validateReleaseName(prop: string, value: string): string {
  if (value.length > 53 || !DNS1123_LABEL.test(value)) {
    throw new Error(
      `${prop}: "${value}" is not a valid Helm release name. Use at most 53 lower-case letters, digits and '-', ` +
        `starting and ending with a letter or digit, e.g. "loki".`,
    );
  }
  return value;
}

/** Names of Kubernetes objects we create (Services, ConfigMaps, ...): DNS-1123 labels. */
export function validateResourceName(prop: string, value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new Error(
      `${prop}: "${value}" is not a valid Kubernetes resource name. Use at most 63 lower-case letters, digits ` +
        `and '-', starting and ending with a letter or digit.`,
    );
  }
  return value;
}

export function validateNodePort(prop: string, value: number): number {
  if (!Number.isInteger(value) || value < NODE_PORT_RANGE.min || value > NODE_PORT_RANGE.max) {
    throw new Error(
      `${prop}: ${value} is not a usable NodePort. Pick an integer from ${NODE_PORT_RANGE.min} to ` +
        `${NODE_PORT_RANGE.max} (the API server's default --service-node-port-range).`,
    );
  }
  return value;
}

/** NodePorts are cluster-wide: two Services asking for the same one fail at install time. */
export function validateDistinctNodePorts(nodePorts: Readonly<Record<string, number>>): void {
  const byPort = new Map<number, string[]>();
  for (const [prop, port] of Object.entries(nodePorts)) byPort.set(port, [...(byPort.get(port) ?? []), prop]);
  for (const [port, props] of byPort) {
    if (props.length > 1) {
      const who = props.length === 2 ? 'both' : 'all';
      throw new Error(`${props.join(' and ')} ${who} ask for NodePort ${port}: pick a different one for each (a NodePort is allocated once per cluster).`);
    }
  }
}

export function validatePort(prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${prop}: ${value} is not a TCP port. Pick an integer from 1 to 65535.`);
  }
  return value;
}

export function validateChartVersion(prop: string, value: string): string {
  if (!SEMVER.test(value)) {
    throw new Error(
      `${prop}: "${value}" is not an exact chart version. Give a full semantic version such as "6.50.8" ` +
        `(no ranges, no leading "v"): installs must be reproducible.`,
    );
  }
  return value;
}

export function validateImage(prop: string, value: string): string {
  // Reference grammar simplified to what matters here: no whitespace, not empty, no scheme.
  if (value.length === 0 || /\s/.test(value) || value.includes('://')) {
    throw new Error(`${prop}: "${value}" is not a container image reference. Use e.g. "registry.example/model-service:0.1.0".`);
  }
  return value;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Names of Secrets (and ConfigMaps): DNS-1123 subdomains of at most 253 characters. */
export function validateSecretName(prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw new Error(
      `${prop}: ${JSON.stringify(value)} is not a valid Secret name. Use lower-case letters, digits, '-' and '.', ` +
        `starting and ending with a letter or digit (at most 253), e.g. "alertmanager-slack".`,
    );
  }
  return value;
}

/** Keys of a Secret's data: letters, digits, '-', '_' and '.' (at most 253). */
export function validateSecretKey(prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !SECRET_KEY.test(value) || value === '.' || value === '..') {
    throw new Error(`${prop}: ${JSON.stringify(value)} is not a valid Secret key. Use letters, digits, '-', '_' and '.', e.g. "url".`);
  }
  return value;
}

/**
 * The charts' naming rules, so that every Service name we point at (S3 endpoint, push URL,
 * datasource URLs, OTLP endpoint) is computed from a release name, never typed; the render
 * tests (test/render) check each one against the real charts' output.
 */

/**
 * The `<chart>.fullname` helper shared by all six pinned charts (grafana, bitnami common,
 * loki-simple-scalable, promtail, tempo, prometheus): if the release name contains the chart's
 * base name it is used as is, otherwise `<release>-<name>`; truncated to 63 characters.
 * `baseName` is the chart's `.Chart.Name`. (loki-simple-scalable 1.8.x does not use it for its
 * Services: see lib/loki/loki.ts.) test/render resolves every name computed from it against
 * what the real charts render.
 */
export function chartFullname(releaseName: string, baseName: string): string {
  const full = releaseName.includes(baseName) ? releaseName : `${releaseName}-${baseName}`;
  return full.slice(0, 63).replace(/-+$/, '');
}

/** In-cluster DNS name of a Service: `<service>.<namespace>.svc`. */
export function serviceHost(serviceName: string, namespace: string): string {
  return `${serviceName}.${namespace}.svc`;
}

/** `http://<service>.<namespace>.svc[:port]`; port 80 is left out. */
export function serviceUrl(serviceName: string, namespace: string, port: number, path = ''): string {
  const portPart = port === 80 ? '' : `:${port}`;
  return `http://${serviceHost(serviceName, namespace)}${portPart}${path}`;
}

/**
 * Every Helm chart the stack installs: repository, chart name and pinned version, in ONE place
 * (like kube-prometheus's versions.json). helmfile.yaml, install.sh and the typed values in
 * imports/helm-values/ (`npm run import:charts`) are all generated from this table; bump a
 * version here, regenerate the imports, and the compiler shows which of our values changed.
 */

export interface ChartRepository {
  /** Name used by `helm repo add <name> <url>` and in `<name>/<chart>` references. */
  readonly name: string;
  readonly url: string;
}

export interface ChartRef {
  readonly repository: ChartRepository;
  readonly chart: string;
  /** Exact chart version (semver, no ranges): installs must be reproducible. */
  readonly version: string;
}

export const REPOSITORIES = {
  grafana: { name: 'grafana', url: 'https://grafana.github.io/helm-charts' },
  bitnami: { name: 'bitnami', url: 'https://charts.bitnami.com/bitnami' },
  prometheusCommunity: { name: 'prometheus-community', url: 'https://prometheus-community.github.io/helm-charts' },
} as const satisfies Record<string, ChartRepository>;

/** Keyed by the component (and default release name). */
export const CHARTS = {
  minio: { repository: REPOSITORIES.bitnami, chart: 'minio', version: '12.1.8' },
  loki: { repository: REPOSITORIES.grafana, chart: 'loki-simple-scalable', version: '1.8.11' },
  promtail: { repository: REPOSITORIES.grafana, chart: 'promtail', version: '6.9.0' },
  tempo: { repository: REPOSITORIES.grafana, chart: 'tempo', version: '1.0.0' },
  prometheus: { repository: REPOSITORIES.prometheusCommunity, chart: 'prometheus', version: '19.6.1' },
  grafana: { repository: REPOSITORIES.grafana, chart: 'grafana', version: '6.50.8' },
} as const satisfies Record<string, ChartRef>;

export type Component = keyof typeof CHARTS;

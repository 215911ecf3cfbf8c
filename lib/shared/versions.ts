/**
 * Every Helm chart the stack installs, by profile: repository, chart name and pinned version, in
 * ONE place (like kube-prometheus's versions.json). helmfile.yaml, install.sh and the typed values
 * in imports/helm-values/<profile>/ (`npm run import:charts`) are all generated from this table;
 * bump a version here, regenerate the imports, and the compiler shows which of our values changed.
 */
import type { StackProfile } from '../profiles';


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
  /** Since early 2026 the open-source grafana, loki and tempo charts are published here. */
  grafanaCommunity: { name: 'grafana-community', url: 'https://grafana-community.github.io/helm-charts' },
  seaweedfs: { name: 'seaweedfs', url: 'https://seaweedfs.github.io/seaweedfs/helm' },
} as const satisfies Record<string, ChartRepository>;

/** By profile, then by the component (which is also the default release name). */
export const PROFILE_CHARTS = {
  /** Maintained releases (late 2026). */
  current: {
    seaweedfs: { repository: REPOSITORIES.seaweedfs, chart: 'seaweedfs', version: '4.44.0' },
    loki: { repository: REPOSITORIES.grafanaCommunity, chart: 'loki', version: '18.11.0' },
    alloy: { repository: REPOSITORIES.grafana, chart: 'alloy', version: '1.11.1' },
    tempo: { repository: REPOSITORIES.grafanaCommunity, chart: 'tempo', version: '2.2.4' },
    prometheus: { repository: REPOSITORIES.prometheusCommunity, chart: 'prometheus', version: '29.27.0' },
    grafana: { repository: REPOSITORIES.grafanaCommunity, chart: 'grafana', version: '12.11.1' },
  },
  /** The reference design's pins (late 2022 / early 2023). */
  reference: {
    minio: { repository: REPOSITORIES.bitnami, chart: 'minio', version: '12.1.8' },
    loki: { repository: REPOSITORIES.grafana, chart: 'loki-simple-scalable', version: '1.8.11' },
    promtail: { repository: REPOSITORIES.grafana, chart: 'promtail', version: '6.9.0' },
    tempo: { repository: REPOSITORIES.grafana, chart: 'tempo', version: '1.0.0' },
    prometheus: { repository: REPOSITORIES.prometheusCommunity, chart: 'prometheus', version: '19.6.1' },
    grafana: { repository: REPOSITORIES.grafana, chart: 'grafana', version: '6.50.8' },
  },
} as const satisfies Record<StackProfile, Record<string, ChartRef>>;

/** The components of one profile. */
export type ProfileComponent<P extends StackProfile> = keyof (typeof PROFILE_CHARTS)[P] & string;

/** A component of any profile. */
export type Component = { [P in StackProfile]: ProfileComponent<P> }[StackProfile];

/** The pin of `component` in `profile`; throws when the profile has no such component. */
export function chartPin(profile: StackProfile, component: Component): ChartRef {
  const charts: Readonly<Record<string, ChartRef>> = PROFILE_CHARTS[profile];
  const pin = charts[component];
  if (pin === undefined) {
    throw new Error(`The ${profile} profile has no ${component} release (its releases: ${Object.keys(charts).join(', ')}).`);
  }
  return pin;
}

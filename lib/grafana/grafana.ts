import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { GrafanaValues as CurrentGrafanaValues } from '../../imports/helm-values/current/grafana';
import type { GrafanaValues } from '../../imports/helm-values/reference/grafana';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { recommendedLabels } from '../shared/labels';
import { chartFullname } from '../shared/naming';
import { validateNodePort, validateResourceName } from '../shared/validation';
import { DatasourceEndpoints, grafanaDatasources } from './datasources';

export interface GrafanaProps extends HelmReleaseProps {
  /** Where the Prometheus, Loki and Tempo datasources point. */
  readonly datasources: DatasourceEndpoints;
  /** @default 30000 */
  readonly nodePort?: number;
  /**
   * Secret with the admin login (keys `admin-user`, `admin-password`), created with a random
   * password by the install path. Without it grafana 6.50.8 would generate one into its own
   * Secret on every render (a secret in the rendered output, and a diff on every upgrade).
   * @default `<releaseName>-admin`
   */
  readonly adminSecretName?: string;
}

/** The file provider Grafana loads our dashboards from; the chart mounts the ConfigMap at this path. */
const DASHBOARD_PROVIDER = 'default';
const DASHBOARD_PATH = `/var/lib/grafana/dashboards/${DASHBOARD_PROVIDER}`;

/**
 * grafana/grafana on NodePort 30000, admin login from a Secret, datasources and dashboards
 * provisioned: nothing to click. Dashboards are added with `addDashboard()` and shipped in one
 * ConfigMap (part of our Kubernetes YAML) that the chart's `dashboardsConfigMaps` mounts.
 */
export class Grafana extends HelmRelease<GrafanaValues | CurrentGrafanaValues> {
  public readonly nodePort: number;
  public readonly adminSecretName: string;
  public readonly dashboardsConfigMap: k8s.KubeConfigMap;
  private readonly datasources: DatasourceEndpoints;
  private readonly dashboards = new Map<string, string>();

  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id, 'grafana', props);
    this.nodePort = validateNodePort(`${id}.nodePort`, props.nodePort ?? 30000);
    this.adminSecretName = validateResourceName(`${id}.adminSecretName`, props.adminSecretName ?? `${this.releaseName}-admin`);
    this.datasources = props.datasources;
    this.addGeneratedSecret({
      name: this.adminSecretName,
      keys: { 'admin-user': { fixed: 'admin' }, 'admin-password': { random: true } },
    });
    this.dashboardsConfigMap = new k8s.KubeConfigMap(this, 'dashboards', {
      metadata: {
        name: `${this.fullname}-dashboards`,
        namespace: this.namespace,
        labels: recommendedLabels({
          name: 'grafana',
          instance: this.releaseName,
          version: this.chart.version,
          component: 'dashboards',
        }),
      },
      data: Lazy.any({ produce: () => Object.fromEntries([...this.dashboards.entries()].sort(([a], [b]) => a.localeCompare(b))) }),
    });
  }

  private get fullname(): string {
    return chartFullname(this.releaseName, this.chart.chart);
  }

  /** Provisions a dashboard (Grafana JSON model) as `<fileName>.json`. */
  public addDashboard(fileName: string, dashboard: Record<string, unknown>): void {
    validateResourceName('dashboard file name', fileName);
    if (typeof dashboard.uid !== 'string' || dashboard.uid.length === 0) {
      throw new Error(`Dashboard "${fileName}" has no fixed "uid": links to it would break on every re-provisioning.`);
    }
    this.dashboards.set(`${fileName}.json`, JSON.stringify(dashboard, null, 2));
  }

  /** The same keys in both profiles' charts (grafana 6.50.8 and 12.x); each is type-checked against both. */
  public renderValues(): GrafanaValues | CurrentGrafanaValues {
    const values = this.values();
    return this.profile === 'reference' ? (values satisfies GrafanaValues) : (values satisfies CurrentGrafanaValues);
  }

  private values() {
    return {
      service: { type: 'NodePort', nodePort: this.nodePort },
      admin: { existingSecret: this.adminSecretName, userKey: 'admin-user', passwordKey: 'admin-password' },
      datasources: { 'datasources.yaml': { apiVersion: 1, datasources: grafanaDatasources(this.datasources, this.profile) } },
      dashboardProviders: {
        'dashboardproviders.yaml': {
          apiVersion: 1,
          providers: [
            {
              name: DASHBOARD_PROVIDER,
              orgId: 1,
              folder: '',
              type: 'file',
              // Dashboards are code: UI edits would silently vanish on restart, so refuse them.
              disableDeletion: true,
              editable: false,
              options: { path: DASHBOARD_PATH },
            },
          ],
        },
      },
      dashboardsConfigMaps: { [DASHBOARD_PROVIDER]: this.dashboardsConfigMap.name },
    };
  }
}

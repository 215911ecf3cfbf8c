import { Construct } from 'constructs';
import type { PromtailValues } from '../../imports/helm-values/promtail';
import { HelmRelease } from '../helm/helm-release';
import { Loki } from '../loki/loki';
import { CHARTS, ChartRef } from '../shared/versions';

export interface PromtailProps {
  readonly namespace: string;
  /** Where the pod logs go. */
  readonly loki: Loki;
  /** @default 'promtail' */
  readonly releaseName?: string;
  /** @default - the pinned chart in lib/shared/versions.ts */
  readonly chart?: ChartRef;
}

/** grafana/promtail: ships every pod's log lines to Loki's push endpoint. */
export class Promtail extends HelmRelease<PromtailValues> {
  private readonly loki: Loki;

  constructor(scope: Construct, id: string, props: PromtailProps) {
    super(scope, id, {
      releaseName: props.releaseName ?? 'promtail',
      namespace: props.namespace,
      chart: props.chart ?? CHARTS.promtail,
      overridesName: 'promtail',
    });
    this.loki = props.loki;
    this.addDependency(props.loki);
  }

  public renderValues(): PromtailValues {
    // The chart default points at http://loki-gateway/..., right only for a release named "loki"
    // in Promtail's own namespace: derive it from the Loki construct instead.
    return { config: { clients: [{ url: this.loki.pushUrl }] } };
  }
}

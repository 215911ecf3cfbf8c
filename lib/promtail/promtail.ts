import { Construct } from 'constructs';
import type { PromtailValues } from '../../imports/helm-values/reference/promtail';
import { HelmRelease, HelmReleaseProps } from '../helm/helm-release';
import { Loki } from '../loki/loki';

export interface PromtailProps extends HelmReleaseProps {
  /** Where the pod logs go. */
  readonly loki: Loki;
}

/** grafana/promtail: ships every pod's log lines to Loki's push endpoint. */
export class Promtail extends HelmRelease<PromtailValues> {
  private readonly loki: Loki;

  constructor(scope: Construct, id: string, props: PromtailProps) {
    super(scope, id, 'promtail', props);
    this.loki = props.loki;
    this.addDependency(props.loki);
  }

  public renderValues(): PromtailValues {
    // The chart default points at http://loki-gateway/..., right only for a release named "loki"
    // in Promtail's own namespace: derive it from the Loki construct instead.
    return { config: { clients: [{ url: this.loki.pushUrl }] } };
  }
}

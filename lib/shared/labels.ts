/** Kubernetes recommended labels (app.kubernetes.io/*), the set kube-prometheus uses. */

export const PART_OF = 'technical-observability-for-ml';

export interface AppLabelsInput {
  readonly name: string;
  readonly instance: string;
  readonly version: string;
  readonly component: string;
}

/** Labels for metadata: the full recommended set. */
export function recommendedLabels(input: AppLabelsInput): Record<string, string> {
  return {
    'app.kubernetes.io/name': input.name,
    'app.kubernetes.io/instance': input.instance,
    'app.kubernetes.io/version': input.version,
    'app.kubernetes.io/component': input.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/**
 * Labels for selectors: leave out version (and everything that changes on upgrade), because
 * a Deployment's selector is immutable and a version bump must not orphan the old pods.
 */
export function selectorLabels(input: Pick<AppLabelsInput, 'name' | 'instance'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': input.name,
    'app.kubernetes.io/instance': input.instance,
  };
}

import { App } from 'cdk8s';
import { writeFiles } from './helm/write-helm-files';
import { ObservabilityStack, ObservabilityStackProps } from './observability-stack';

/** The chart's construct id; cdk8s names its output `<id>.k8s.yaml`. */
export const STACK_ID = 'observability';

/**
 * Writes everything into `app.outdir`: cdk8s's Kubernetes YAML first (app.synth() wipes nothing
 * itself, but `cdk8s synth` empties the folder before running us), then the Helm files.
 * main.ts and the tests both go through here, so the tests see exactly what synth writes.
 */
export function synthesize(app: App, props: ObservabilityStackProps = {}): ObservabilityStack {
  const stack = new ObservabilityStack(app, STACK_ID, props);
  app.synth();
  writeFiles(app.outdir, stack.helmFiles());
  return stack;
}

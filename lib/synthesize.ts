import { App } from 'cdk8s';
import { writeFiles } from './helm/write-helm-files';
import { ObservabilityStack, ObservabilityStackProps } from './observability-stack';

/** The chart's construct id; cdk8s names its output `<id>.k8s.yaml`. */
export const STACK_ID = 'observability';

export interface SynthesizeOptions {
  /** Where the stack's warnings go, one line each (e.g. alerts that reach no one). @default console.warn */
  readonly warn?: (line: string) => void;
}

/**
 * Writes everything into `app.outdir`: cdk8s's Kubernetes YAML first (app.synth() wipes nothing
 * itself, but `cdk8s synth` empties the folder before running us), then the Helm files, and
 * prints the stack's warnings. main.ts and the tests both go through here, so the tests see
 * exactly what synth writes and says.
 */
export function synthesize(app: App, props: ObservabilityStackProps = {}, options: SynthesizeOptions = {}): ObservabilityStack {
  const warn = options.warn ?? ((line: string) => console.warn(`warning: ${line}`));
  const stack = new ObservabilityStack(app, STACK_ID, props);
  app.synth();
  writeFiles(app.outdir, stack.helmFiles());
  stack.warnings().forEach((line) => warn(line));
  return stack;
}

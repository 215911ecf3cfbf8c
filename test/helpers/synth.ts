import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { ObservabilityStack, ObservabilityStackProps } from '../../lib/observability-stack';
import { synthesize } from '../../lib/synthesize';

export interface SynthResult {
  readonly stack: ObservabilityStack;
  /** Every file synth writes, keyed by its path relative to the output folder. */
  readonly files: Record<string, string>;
  readonly outdir: string;
  /** The lines synth would print as warnings. */
  readonly warnings: string[];
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
    )
    .sort();
}

/** Runs the same code path as `npm run synth` (lib/synthesize.ts) into a fresh temporary folder. */
export function synthToFiles(props: ObservabilityStackProps = {}): SynthResult {
  const app = Testing.app();
  const warnings: string[] = [];
  const stack = synthesize(app, props, { warn: (line) => warnings.push(line) });
  const files: Record<string, string> = {};
  for (const file of listFiles(app.outdir)) files[file] = fs.readFileSync(path.join(app.outdir, file), 'utf8');
  return { stack, files, outdir: app.outdir, warnings };
}

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [key: string]: unknown;
}

export function manifests(result: SynthResult): Manifest[] {
  return Object.entries(result.files)
    .filter(([file]) => file.endsWith('.k8s.yaml'))
    .flatMap(([, text]) => parseAllDocuments(text).map((doc) => doc.toJS() as Manifest));
}

export function findManifest(result: SynthResult, kind: string, name: string): Manifest {
  const found = manifests(result).find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} in the synthesized manifests`);
  return found;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function values(result: SynthResult, release: string): any {
  const text = result.files[`helm/values/${release}.yaml`];
  if (text === undefined) throw new Error(`no values file for release ${release}`);
  return parse(text);
}

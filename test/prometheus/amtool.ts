/**
 * Runs the real amtool (Debian's prometheus-alertmanager 0.25.0, the Alertmanager version the
 * prometheus chart's alertmanager subchart deploys; scripts/install-test-tools.sh installs it) on
 * the alertmanager.yml the real chart renders from synthesized values (verify/helm.ts).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parse } from 'yaml';
import { KubeObject, helmTemplate, readHelmfile, resolveChartArchive, resolveHelm } from '../../verify/helm';
import { PromtoolResult } from './promtool';

export const AMTOOL = process.env.AMTOOL ?? 'amtool';

export function amtool(args: readonly string[], cwd: string): PromtoolResult {
  const run = spawnSync(AMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    throw new Error(
      `could not run ${AMTOOL} (${run.error.message}): install Debian's prometheus-alertmanager package ` +
        '(bash scripts/install-test-tools.sh does it) or point AMTOOL at the binary.',
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/**
 * `helm template` of the prometheus release of a synth output folder (its helmfile.yaml and values
 * file), with the pinned chart archive: every object the release would install.
 */
export async function renderPrometheusRelease(outdir: string, releaseName = 'prometheus'): Promise<KubeObject[]> {
  const release = readHelmfile(path.join(outdir, 'helm', 'helmfile.yaml')).find((r) => r.name === releaseName);
  if (!release) throw new Error(`no release ${releaseName} in ${outdir}/helm/helmfile.yaml`);
  const helm = (await resolveHelm()).path;
  const archive = (await resolveChartArchive(release.chart, helm)).path;
  return helmTemplate(release, { helm, archive });
}

/** The alertmanager.yml in the alertmanager subchart's ConfigMap. */
export function alertmanagerConfigOf(objects: readonly KubeObject[]): object {
  const configMaps = objects.filter(
    (o) => o.kind === 'ConfigMap' && typeof (o.data as Record<string, unknown> | undefined)?.['alertmanager.yml'] === 'string',
  );
  if (configMaps.length !== 1) throw new Error(`expected one ConfigMap with alertmanager.yml, rendered ${configMaps.length}`);
  return parse((configMaps[0].data as Record<string, string>)['alertmanager.yml']) as object;
}

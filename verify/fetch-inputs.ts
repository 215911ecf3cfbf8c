/**
 * `npm run fetch:inputs`: finds (or fetches into the cache) helm, the chart archive of every
 * release in each profile's dist/<profile>/helm/helmfile.yaml and the current profile's backend
 * programs (unpacking ../shared/bin's archive of them once), saying where each comes from. The
 * tests do the same lazily; .ci/run calls this first so that a fresh machine fetches helm and
 * unpacks the backends once, not once per test worker, and so that a missing input fails with its
 * own message before the tests start.
 */
import { PROFILES, profileHelmfile } from '../lib/profiles';
import { CURRENT_BACKENDS, CurrentProgram, resolveCurrentBackend } from './backend-binaries';
import { readHelmfile, resolveChartArchive, resolveHelm } from './helm';

async function main(): Promise<void> {
  const helm = await resolveHelm();
  console.log(`helm: ${helm.path} (${helm.source})`);
  for (const profile of PROFILES) {
    for (const release of readHelmfile(profileHelmfile(profile))) {
      const archive = await resolveChartArchive(release.chart, helm.path);
      console.log(`${profile}: ${release.chart.chart} ${release.chart.version}: ${archive.path} (${archive.source})`);
    }
  }
  // One after another: the first unpacks the archive for all of them.
  for (const program of Object.keys(CURRENT_BACKENDS) as CurrentProgram[]) {
    const binary = await resolveCurrentBackend(program);
    console.log(`current: ${program} ${CURRENT_BACKENDS[program].version}: ${binary.path} (${binary.source})`);
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

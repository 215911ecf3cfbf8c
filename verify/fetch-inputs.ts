/**
 * `npm run fetch:inputs`: finds (or fetches into the cache) helm and the chart archive of every
 * release in each profile's dist/<profile>/helm/helmfile.yaml, saying where each comes from. The render tests do the same
 * lazily; .ci/run calls this first so that a fresh machine fetches helm once, not once per test
 * worker, and so that a missing input fails with its own message before the tests start.
 */
import { PROFILES, profileHelmfile } from '../lib/profiles';
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
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

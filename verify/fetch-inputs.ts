/**
 * `npm run fetch:inputs`: finds (or fetches into the cache) helm, the chart archive of every
 * release in each profile's dist/<profile>/helm/helmfile.yaml and the current profile's backend
 * programs (unpacking ../shared/bin's archive of them once), saying where each comes from. The
 * tests do the same lazily; .ci/run calls this first so that a fresh machine fetches helm and
 * unpacks the backends once, not once per test worker, and so that a missing input fails with its
 * own message before the tests start.
 */
import { PROFILES, profileHelmfile } from '../lib/profiles';
import { parseFlags } from '../model-service/src/cli/flags';
import { CliError, runCli } from '../model-service/src/cli/run-cli';
import { CURRENT_BACKENDS, CurrentProgram, resolveCurrentBackend } from './backend-binaries';
import { readHelmfile, resolveChartArchive, resolveHelm } from './helm';

export const FETCH_INPUTS_USAGE = `Usage: npm run fetch:inputs -- [options]

Finds helm, the pinned chart archive of every release of each profile and the current profile's
backend programs (HELM_BINARY, CHARTS_DIR, CURRENT_BACKENDS_DIR or CURRENT_<PROGRAM>_BINARY, then
../shared beside the repository, then the cache, then a download checked against its checksum)
and prints where each comes from. Exit status: 0 when all are found,
1 when one cannot be found or fetched (the message names the variable to set), 2 on bad options.

Options:
  -h, --help   this text`;

async function main(): Promise<void> {
  if (parseFlags(process.argv.slice(2), { help: { type: 'boolean', short: 'h' } }).help) {
    console.log(FETCH_INPUTS_USAGE);
    return;
  }
  const helm = await resolveHelm().catch((error: Error) => {
    throw new CliError(error.message);
  });
  console.log(`helm: ${helm.path} (${helm.source})`);
  for (const profile of PROFILES) {
    for (const release of readHelmfile(profileHelmfile(profile))) {
      const archive = await resolveChartArchive(release.chart, helm.path).catch((error: Error) => {
        throw new CliError(error.message);
      });
      console.log(`${profile}: ${release.chart.chart} ${release.chart.version}: ${archive.path} (${archive.source})`);
    }
  }
  // One after another: the first unpacks the archive for all of them.
  for (const program of Object.keys(CURRENT_BACKENDS) as CurrentProgram[]) {
    const binary = await resolveCurrentBackend(program).catch((error: Error) => {
      throw new CliError(error.message);
    });
    console.log(`current: ${program} ${CURRENT_BACKENDS[program].version}: ${binary.path} (${binary.source})`);
  }
}

if (require.main === module) runCli(main, FETCH_INPUTS_USAGE);

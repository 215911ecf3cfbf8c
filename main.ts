import * as path from 'path';
import { App } from 'cdk8s';
import { PROFILES } from './lib/profiles';
import { synthesize } from './lib/synthesize';
import { validateImage } from './lib/shared/validation';

// `npm run synth` (cdk8s synth, see cdk8s.yaml) runs this file; cdk8s empties dist/ first.
// Each profile is written into its own self-contained folder, dist/<profile>/.
// MODEL_SERVICE_IMAGE lets CI or a user point the Deployment at their own build without editing code.
const image = process.env.MODEL_SERVICE_IMAGE;
const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
for (const profile of PROFILES) {
  synthesize(
    new App({ outdir: path.join(outdir, profile) }),
    {
      profile,
      modelService: { image: image === undefined ? undefined : validateImage('MODEL_SERVICE_IMAGE', image) },
    },
    { warn: (line) => console.warn(`warning (${profile} profile): ${line}`) },
  );
}

import * as path from 'path';
import { App } from 'cdk8s';
import { PROFILES } from './lib/profiles';
import { synthesize } from './lib/synthesize';
import { DEFAULT_MODEL_SERVICE_IMAGE, unpublishedImageWarning } from './lib/model-service/model-service';
import { validateImage } from './lib/shared/validation';

// The model service image the Deployment runs. Put your published build here (README, "Your own
// image"): committed, it is what every synth, CI's freshness check included, writes into dist/.
// MODEL_SERVICE_IMAGE overrides it for one synth; CI must then set the same value, or dist/ differs.
const MODEL_SERVICE_IMAGE = DEFAULT_MODEL_SERVICE_IMAGE;
const image = validateImage('MODEL_SERVICE_IMAGE', process.env.MODEL_SERVICE_IMAGE ?? MODEL_SERVICE_IMAGE);

// `npm run synth` (cdk8s synth, see cdk8s.yaml) runs this file; cdk8s empties dist/ first.
// Each profile is written into its own self-contained folder, dist/<profile>/.
const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
for (const profile of PROFILES) {
  synthesize(
    new App({ outdir: path.join(outdir, profile) }),
    { profile, modelService: { image } },
    { warn: (line) => console.warn(`warning (${profile} profile): ${line}`) },
  );
}
const imageWarning = unpublishedImageWarning(image);
if (imageWarning !== undefined) console.warn(`warning: ${imageWarning}`);

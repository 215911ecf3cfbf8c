import { App } from 'cdk8s';
import { synthesize } from './lib/synthesize';
import { validateImage } from './lib/shared/validation';

// `npm run synth` (cdk8s synth, see cdk8s.yaml) runs this file; cdk8s empties dist/ first.
// MODEL_SERVICE_IMAGE lets CI or a user point the Deployment at their own build without editing code.
const image = process.env.MODEL_SERVICE_IMAGE;
synthesize(new App(), {
  modelService: { image: image === undefined ? undefined : validateImage('MODEL_SERVICE_IMAGE', image) },
});

import { App } from 'cdk8s';
import { writeFiles } from './lib/helm/write-helm-files';
import { ObservabilityStack } from './lib/observability-stack';

// `npm run synth` (cdk8s synth) runs this file. cdk8s wipes dist/ and writes the Kubernetes YAML
// in app.synth(); the Helm files are written afterwards into the same folder.
const app = new App();
const stack = new ObservabilityStack(app, 'observability', {
  modelService: { image: process.env.MODEL_SERVICE_IMAGE },
});
app.synth();
writeFiles(app.outdir, stack.helmFiles());

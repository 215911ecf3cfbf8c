/** What the service needs of the model: load an artifact and classify with it. Loads no training code. */
export { ModelArtifactError } from '../artifact';
export type { Prediction, SparseVector, TextClassifier, TokenizedDocument } from '../classifier';
export { LinearTextClassifier } from './linear-classifier';
export { loadModel } from './load-model';

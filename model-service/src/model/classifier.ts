/**
 * The contract between the classifier (trained in `./training/`, served from
 * `./serving/`) and the service (`src/app.ts`, `src/routes/`). The service only
 * depends on this interface and on `loadModel(path)` (`./serving/`).
 *
 * Inference is split into the three stages the service times and traces
 * separately (`tokenize` -> `tfidf` -> `predict`, see INFERENCE_STAGES in
 * `../contract/metric-catalogue.ts`). `classify()` runs all three without
 * per-stage overhead.
 */

/** Token ids of a document: vocabulary ids of known tokens, plus counts. */
export interface TokenizedDocument {
  /** Vocabulary ids of the in-vocabulary tokens, in document order (repeats kept). */
  readonly termIds: Int32Array;
  /** All tokens in the document (in and out of vocabulary). */
  readonly tokenCount: number;
  /** Tokens not in the vocabulary. */
  readonly outOfVocabularyCount: number;
}

/** An L2-normalised TF-IDF row in sparse form. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export interface Prediction {
  /** The predicted class (category name). */
  readonly label: string;
  /** Probability of the predicted class. */
  readonly confidence: number;
  /** Probability per class, in `classes` order. */
  readonly probabilities: Readonly<Record<string, number>>;
  readonly tokenCount: number;
  readonly outOfVocabularyCount: number;
}

import type { ReferenceProfile } from './reference-profile';

export interface TextClassifier {
  /** Content hash of the model artifact. */
  readonly version: string;
  readonly classes: readonly string[];
  /** Training metadata as stored in the artifact (trainer, hyper-parameters, data checksum, evaluation...). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** What the training data looked like (absent for format-1 model files): see reference-profile.ts. */
  readonly referenceProfile?: ReferenceProfile;

  tokenize(text: string): TokenizedDocument;
  tfidf(doc: TokenizedDocument): SparseVector;
  predictVector(vector: SparseVector, doc: TokenizedDocument): Prediction;
  /** tokenize + tfidf + predictVector in one call. */
  classify(text: string): Prediction;
  /** Index (in `classes`) of the predicted class only, without probabilities: the fast path for evaluation. */
  predictIndex(text: string): number;
}

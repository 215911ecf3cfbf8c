/**
 * The data that defines a trained linear text model: everything the artifact
 * stores and everything the in-memory classifier is built from.
 */

import type { ReferenceProfile } from './reference-profile';

/**
 * How class scores become probabilities:
 * - `softmax`: multinomial model, p = softmax(scores).
 * - `one-vs-rest`: independent binary models, p_c ∝ sigmoid(score_c), normalised to sum 1.
 */
export type OutputKind = 'softmax' | 'one-vs-rest';

export interface ModelParts {
  /** Class (category) names; the order of `intercepts` and of each weight row. */
  readonly classes: readonly string[];
  /** Vocabulary terms; a term's position is its id. */
  readonly vocabulary: readonly string[];
  /** Smooth idf per term. */
  readonly idf: Float32Array;
  /** [term][class] weights, length vocabulary.length · classes.length. */
  readonly weights: Float32Array;
  readonly intercepts: Float64Array;
  readonly output: OutputKind;
  /** Trainer, hyper-parameters, training data checksum and counts, evaluation, creation time. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** What the training data looked like, for drift detection; absent in format-1 files. */
  readonly referenceProfile?: ReferenceProfile;
}

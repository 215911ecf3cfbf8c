import type { TextClassifier } from '../classifier';
import type { ModelParts } from '../model-parts';
import {
  buildReferenceProfile, informativeMass, informativeTermTable, mostInformativeTerms, ReferenceProfile, SignalValues,
} from '../reference-profile';
import { mulberry32, shuffleInPlace } from './random';

/** Folds of the training split the reference profile is cross-fitted over. */
export const REFERENCE_FOLDS = 5;

/** One document's signal values under `model` (the same measurements the service makes on a request). */
export function signalValues(model: TextClassifier, text: string, table: Uint8Array): SignalValues {
  const doc = model.tokenize(text);
  const prediction = model.predictVector(model.tfidf(doc), doc);
  return {
    classIndex: model.classes.indexOf(prediction.label),
    confidence: prediction.confidence,
    tokenCount: doc.tokenCount,
    oovRatio: doc.tokenCount === 0 ? 0 : doc.outOfVocabularyCount / doc.tokenCount,
    informativeMass: informativeMass(doc, table),
  };
}

/**
 * The reference profile of a model trained on `texts`, from out-of-fold predictions: the training
 * split is cut into `folds` parts; a model trained the same way on the other parts measures each
 * part. Why not the model's own predictions on its training data: it has seen every one of those
 * documents, so its confidence is inflated and, the vocabulary being built from them, their
 * out-of-vocabulary ratio is 0 by construction; new in-domain documents look like held-out ones.
 * Why not the test split: it is kept for the evaluation, and the profile must not learn from it.
 *
 * @param trainFold trains a model like the final one on a subset of the documents
 */
export function crossFittedProfile(
  texts: readonly string[],
  labels: Int32Array,
  final: ModelParts,
  folds: number,
  seed: number,
  trainFold: (indices: Int32Array) => TextClassifier & { parts: ModelParts },
): ReferenceProfile {
  const k = Math.min(folds, texts.length);
  const order = Int32Array.from({ length: texts.length }, (_, i) => i);
  shuffleInPlace(order, mulberry32(seed + 1));
  const values: SignalValues[] = new Array(texts.length);
  for (let f = 0; f < k; f++) {
    const held = order.filter((_, i) => i % k === f);
    const kept = order.filter((_, i) => i % k !== f);
    const model = trainFold(kept);
    const table = informativeTermTable(mostInformativeTerms(model.parts.weights, model.parts.classes.length), model.parts.vocabulary.length);
    for (const d of held) values[d] = signalValues(model, texts[d], table);
  }
  return buildReferenceProfile(
    `out-of-fold predictions on the training split (${k} folds, ${texts.length} documents)`,
    final.classes.length,
    labels,
    values,
    mostInformativeTerms(final.weights, final.classes.length),
  );
}

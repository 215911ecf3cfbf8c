/**
 * The reference profile by its definition, the slow way: for each fold, a whole model trained
 * with trainModel on the other folds' documents, and each held-out document measured by that
 * model as the service measures a request (tokenize the text, classify, the drift monitor's
 * signals). The fast path (src/model/training/reference-profile.ts) must give the same profile.
 */
import type { TextClassifier } from '../../src/model/classifier';
import {
  buildReferenceProfile, informativeMass, informativeTermTable, mostInformativeTerms, type ReferenceProfile, type SignalValues,
} from '../../src/model/reference-profile';
import { mulberry32, shuffleInPlace } from '../../src/model/training/random';
import { DEFAULT_SEED, REFINE_TOLERANCE, trainModel, type LabelledDocument, type TrainOptions } from '../../src/model/training';

function serviceSignals(model: TextClassifier, text: string, informative: Uint8Array): SignalValues {
  const doc = model.tokenize(text);
  const prediction = model.predictVector(model.tfidf(doc), doc);
  return {
    classIndex: model.classes.indexOf(prediction.label),
    confidence: prediction.confidence,
    tokenCount: doc.tokenCount,
    oovRatio: doc.tokenCount === 0 ? 0 : doc.outOfVocabularyCount / doc.tokenCount,
    informativeMass: informativeMass(doc, informative),
  };
}

export function retrainedProfile(docs: readonly LabelledDocument[], options: TrainOptions & { referenceFolds: number }): ReferenceProfile {
  const seed = options.seed ?? DEFAULT_SEED;
  const classes = [...new Set(docs.map((d) => d.label))].sort();
  const labels = Int32Array.from(docs, (d) => classes.indexOf(d.label));
  const k = options.referenceFolds;
  // The fold models' documented 'fast' solver: 5 L-BFGS pairs, stopping at 10 times the final model's tolerance.
  const refineTolerance = 10 * (options.refineTolerance ?? REFINE_TOLERANCE);
  // The fold assignment trainModel documents: a seed + 1 shuffle, document i of it in fold i mod k.
  const order = Int32Array.from({ length: docs.length }, (_, i) => i);
  shuffleInPlace(order, mulberry32(seed + 1));
  const values: SignalValues[] = new Array(docs.length);
  for (let f = 0; f < k; f++) {
    const kept = order.filter((_, i) => i % k !== f);
    const model = trainModel(Array.from(kept, (i) => docs[i]), { ...options, classes, refineTolerance, refineMemory: 5, referenceFolds: 0 });
    const informative = informativeTermTable(mostInformativeTerms(model.parts.weights, classes.length), model.parts.vocabulary.length);
    order.filter((_, i) => i % k === f).forEach((d) => (values[d] = serviceSignals(model, docs[d].text, informative)));
  }
  const final = trainModel(docs, { ...options, classes, referenceFolds: 0 });
  return buildReferenceProfile(
    `out-of-fold predictions on the training split (${k} folds, ${docs.length} documents)`,
    classes.length,
    labels,
    values,
    mostInformativeTerms(final.parts.weights, classes.length),
  );
}

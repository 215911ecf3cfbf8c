import type { OutputKind } from '../model-parts';
import { buildReferenceProfile, informativeTermTable, mostInformativeTerms, ReferenceProfile, SignalValues } from '../reference-profile';
import type { FittedWeights, TokenizedCorpus } from './fit-documents';
import { mulberry32, shuffleInPlace } from './random';

/** Folds of the training split the reference profile is cross-fitted over. */
export const REFERENCE_FOLDS = 5;

/**
 * The out-of-fold models stop their L-BFGS refinement at this many times the final model's
 * tolerance (1e-3 by default): about 20 iterations per fold instead of 30 (~30% less profile
 * time). Why it is enough: the profile is a set of histograms, and what they must resolve is
 * drift, not the last digits of the fold models (`npm run bench:profile` compares the profile
 * with that of folds solved as the final model is, next to the profile's own noise).
 */
export const REFERENCE_TOLERANCE_FACTOR = 10;

/**
 * L-BFGS correction pairs of the out-of-fold models: 5 instead of the final model's 10, so an
 * iteration makes 13 passes over the weights instead of 23, for 1–3 more iterations per fold
 * (~15 % less profile time). With both settings, the 4-category profile moves by PSI ≤ 0.0003
 * per signal, well inside its own noise (docs/classifier.md, Drift).
 */
export const REFERENCE_REFINE_MEMORY = 5;

/** Which corpus documents each fold holds out: a seeded shuffle, document i of it in fold i mod k. */
export class FoldAssignment {
  readonly count: number;
  private readonly order: Int32Array;

  constructor(documents: number, folds: number, seed: number) {
    this.count = Math.min(folds, documents);
    this.order = Int32Array.from({ length: documents }, (_, i) => i);
    shuffleInPlace(this.order, mulberry32(seed + 1));
  }

  heldOut(fold: number): Int32Array {
    return this.order.filter((_, i) => i % this.count === fold);
  }

  /** The documents fold `fold`'s model trains on, in shuffled order. */
  kept(fold: number): Int32Array {
    return this.order.filter((_, i) => i % this.count !== fold);
  }
}

/**
 * The signal values of fold `fold`'s held-out documents, measured by a model trained on the
 * fold's other documents (`fitFold`), in heldOut(fold) order.
 *
 * Each fold's model has its own vocabulary, idf and weights, from its own training documents only
 * (see fitDocuments), so held-out documents have out-of-vocabulary tokens as new ones do.
 */
export function outOfFoldSignals(
  corpus: TokenizedCorpus,
  folds: FoldAssignment,
  fold: number,
  fitFold: (documents: Int32Array) => FittedWeights,
): SignalValues[] {
  const scorer = new HeldOutScorer(fitFold(folds.kept(fold)), corpus.termCount, corpus.classCount);
  return Array.from(folds.heldOut(fold), (d) => scorer.signalValues(corpus.termIds[d]));
}

/**
 * The reference profile of a model trained on `corpus`, from out-of-fold predictions: the training
 * split is cut into `folds` parts; a model trained the same way on the other parts measures each
 * part. Why not the model's own predictions on its training data: it has seen every one of those
 * documents, so its confidence is inflated and, the vocabulary being built from them, their
 * out-of-vocabulary ratio is 0 by construction; new in-domain documents look like held-out ones.
 * Why not the test split: it is kept for the evaluation, and the profile must not learn from it.
 *
 * @param signals per fold, its held-out documents' signal values (outOfFoldSignals)
 * @param finalWeights [term][class] weights of the final model (its informative terms go in the profile)
 */
export function profileFromFolds(
  corpus: TokenizedCorpus,
  folds: FoldAssignment,
  signals: readonly (readonly SignalValues[])[],
  finalWeights: Float32Array,
): ReferenceProfile {
  const values: SignalValues[] = new Array(corpus.termIds.length);
  signals.forEach((foldValues, f) => folds.heldOut(f).forEach((d, i) => (values[d] = foldValues[i])));
  return buildReferenceProfile(
    `out-of-fold predictions on the training split (${folds.count} folds, ${values.length} documents)`,
    corpus.classCount,
    corpus.labels,
    values,
    mostInformativeTerms(finalWeights, corpus.classCount),
  );
}

/**
 * Measures corpus documents under a model fitted on other documents of the corpus, as the
 * service measures a request under a loaded model (LinearTextClassifier and the drift monitor):
 * tokens outside the model's vocabulary are out of vocabulary; tf-idf over the others with the
 * stored float32 idf, L2-normalised; scores with the stored float32 weights, summed in the same
 * order; the predicted class, its probability, and the share of informative tokens.
 *
 * Why not build the model and classify the text: the documents are already tokenized, and a
 * serving model (lookup tables, WebAssembly kernel) per fold costs more than scoring them here.
 */
class HeldOutScorer {
  /** Corpus term id -> the model's term position, or -1 (out of vocabulary). */
  private readonly position: Int32Array;
  private readonly idf: Float32Array;
  private readonly weights: Float32Array;
  private readonly intercepts: Float64Array;
  private readonly output: OutputKind;
  private readonly informative: Uint8Array;
  private readonly classCount: number;
  private readonly counts: Float64Array;
  private readonly scores: Float64Array;

  constructor(model: FittedWeights, termCount: number, classCount: number) {
    this.position = new Int32Array(termCount).fill(-1);
    model.terms.forEach((t, i) => (this.position[t] = i));
    // The precision a saved model has: the artifact stores idf and weights as float32.
    this.idf = Float32Array.from(model.idf);
    this.weights = Float32Array.from(model.weights);
    this.intercepts = model.intercepts;
    this.output = model.output;
    this.informative = informativeTermTable(mostInformativeTerms(this.weights, classCount), model.terms.length);
    this.classCount = classCount;
    this.counts = new Float64Array(model.terms.length);
    this.scores = new Float64Array(classCount);
  }

  signalValues(termIds: Int32Array): SignalValues {
    const { position, counts, idf, weights, scores, informative } = this;
    const K = this.classCount;
    // Distinct in-vocabulary terms in order of first appearance, as the serving kernel orders them.
    const distinct: number[] = [];
    let inVocabulary = 0;
    let informativeTokens = 0;
    for (let k = 0; k < termIds.length; k++) {
      const t = position[termIds[k]];
      if (t < 0) continue;
      inVocabulary++;
      if (counts[t] === 0) distinct.push(t);
      counts[t]++;
      informativeTokens += informative[t];
    }
    const values = new Float64Array(distinct.length);
    let sumSquares = 0;
    for (let k = 0; k < distinct.length; k++) {
      const t = distinct[k];
      const v = counts[t] * idf[t];
      counts[t] = 0;
      values[k] = v;
      sumSquares += v * v;
    }
    if (sumSquares > 0) {
      const inverseNorm = 1 / Math.sqrt(sumSquares);
      for (let k = 0; k < values.length; k++) values[k] *= inverseNorm;
    }
    for (let c = 0; c < K; c++) scores[c] = this.intercepts[c];
    for (let k = 0; k < distinct.length; k++) {
      const base = distinct[k] * K;
      const x = values[k];
      for (let c = 0; c < K; c++) scores[c] += x * weights[base + c];
    }
    let best = 0;
    for (let c = 1; c < K; c++) if (scores[c] > scores[best]) best = c;
    let sum = 0;
    let top: number;
    if (this.output === 'softmax') {
      const max = scores[best];
      for (let c = 0; c < K; c++) sum += Math.exp(scores[c] - max);
      top = 1; // exp(max − max)
    } else {
      for (let c = 0; c < K; c++) sum += 1 / (1 + Math.exp(-scores[c]));
      top = 1 / (1 + Math.exp(-scores[best]));
    }
    const tokenCount = termIds.length; // every token of a corpus document has a corpus term id
    return {
      classIndex: best,
      confidence: top / sum,
      tokenCount,
      oovRatio: tokenCount === 0 ? 0 : (tokenCount - inVocabulary) / tokenCount,
      informativeMass: tokenCount === 0 ? 0 : informativeTokens / tokenCount,
    };
  }
}

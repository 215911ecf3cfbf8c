/**
 * The trainers `trainModel` can use, one per algorithm behind one interface: each takes the
 * documents as vocabulary term ids (numbered by decreasing document frequency) and returns the
 * vocabulary, idf and linear weights it settled on, plus what it wants recorded in the artifact.
 */
import type { OutputKind } from '../model-parts';
import { selectFeaturesChi2, trainMlLogisticRegression } from './ml-logreg-trainer';
import { refineSoftmaxLbfgs } from './softmax-lbfgs';
import { trainSoftmax } from './softmax-trainer';
import { TfidfVectorizer, documentFrequencies, smoothIdf } from './tfidf';

export const TRAINER_NAMES = ['softmax-sgd', 'ml-logistic-regression'] as const;
export type TrainerName = (typeof TRAINER_NAMES)[number];

/** The hyper-parameters a caller may set; each trainer reads the ones it knows. */
export interface HyperParameterOptions {
  /** Inverse L2 strength (scikit-learn's C), softmax-sgd only. @default DEFAULT_HYPER_PARAMETERS['softmax-sgd'].c */
  readonly c?: number;
  /** Passes over the data (softmax-sgd) or gradient steps (ml-logistic-regression). @default per trainer */
  readonly epochs?: number;
  /** Initial step size. @default per trainer */
  readonly learningRate?: number;
  /**
   * softmax-sgd only: at most this many full-batch L-BFGS iterations after SGD,
   * solving the objective to its optimum (0 turns refinement off).
   * @default - REFINE_ITERATIONS on small problems (non-zeros × classes ≤
   * REFINE_MAX_WORK), 0 on larger ones, where each iteration (a full pass)
   * costs more than the time budget allows
   */
  readonly refineIterations?: number;
  /**
   * softmax-sgd only: L-BFGS stops once the objective fell by less than this
   * fraction of its value over the last 5 iterations (0: run refineIterations).
   * @default REFINE_TOLERANCE
   */
  readonly refineTolerance?: number;
  /** softmax-sgd only: correction pairs L-BFGS keeps. @default REFINE_MEMORY */
  readonly refineMemory?: number;
  /** ml-logistic-regression only: keep this many features (highest chi²). @default 2000 */
  readonly maxFeatures?: number;
}

/** The training set as a trainer sees it. */
export interface TrainingInput {
  /** Vocabulary size: term ids are 0 … termCount − 1. */
  readonly termCount: number;
  /** Per document, the term ids of its tokens in order. */
  readonly termIds: readonly Int32Array[];
  readonly labels: Int32Array;
  readonly classCount: number;
  readonly seed: number;
  /** Progress over the trainer's steps (epochs, iterations). */
  readonly onStep: (done: number, total: number) => void;
}

export interface TrainedWeights {
  /**
   * The input term id of each weight row, when a trainer keeps only some terms.
   * @default - every term, row t for term t
   */
  readonly terms?: Int32Array;
  readonly idf: Float64Array;
  /** [term][class] weights. */
  readonly weights: Float32Array | Float64Array;
  readonly intercepts: Float64Array;
  readonly output: OutputKind;
  /** Recorded in the artifact's metadata. */
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  /** How an iterative solver ended, recorded in the metadata when present. */
  readonly solver?: Readonly<Record<string, unknown>>;
}

export interface Trainer {
  train(input: TrainingInput, options: HyperParameterOptions): TrainedWeights;
}

/**
 * Defaults, tuned on a held-out 20% of the TRAIN split (never on test);
 * see docs/classifier.md. ml-logistic-regression keeps 50 steps (its time is
 * linear in them, ~20 s on 4 categories); its learning rate 0.2 is the middle
 * of the held-out plateau 0.1–0.5 (the package's own default, 5e-4, is far
 * too small for 50 steps over unit-norm TF-IDF rows; at 1 it overshoots).
 */
export const DEFAULT_HYPER_PARAMETERS = {
  'softmax-sgd': { c: 1000, epochs: 20, learningRate: 2 },
  'ml-logistic-regression': { epochs: 50, learningRate: 0.2, maxFeatures: 2000 },
} as const;

/**
 * Cap on L-BFGS iterations by default on small problems. A safeguard, not the
 * usual stop: REFINE_TOLERANCE stops the 4-category run after ~30 iterations.
 */
export const REFINE_ITERATIONS = 200;
/**
 * Convergence test of the L-BFGS refinement: relative decrease of the objective
 * over the last 5 iterations. Chosen on a held-out 20% of the TRAIN split (the
 * latest articles of each category), never on test: there, predictions on the
 * held-out documents stop changing and equal those of the exact optimum once
 * the objective is within ~7·10⁻⁴ (relative) of it; this tolerance stops within
 * ~1.5·10⁻⁴, a margin of ~5x. See docs/classifier.md.
 */
export const REFINE_TOLERANCE = 1e-4;
/** Correction pairs of the L-BFGS refinement (the usual 10; each costs two passes over the weights per iteration). */
export const REFINE_MEMORY = 10;
/** Largest problem (training non-zeros × classes) refined by default: 4 categories are ~1.4M, 20 are ~36M. */
export const REFINE_MAX_WORK = 10_000_000;

function requirePositive(name: string, value: number, integer = false): void {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
}

/** Sparse multinomial SGD, then (on small problems) L-BFGS to the optimum of the same objective. */
const softmaxSgd: Trainer = {
  train({ termCount, termIds, labels, classCount, seed, onStep }, options) {
    const defaults = DEFAULT_HYPER_PARAMETERS['softmax-sgd'];
    const c = options.c ?? defaults.c;
    const epochs = options.epochs ?? defaults.epochs;
    const learningRate = options.learningRate ?? defaults.learningRate;
    requirePositive('c', c);
    requirePositive('epochs', epochs, true);
    requirePositive('learningRate', learningRate);
    const idf = smoothIdf(documentFrequencies(termIds, termCount), termIds.length);
    const vectorizer = new TfidfVectorizer(idf);
    const rows = termIds.map((ids) => vectorizer.transform(ids));
    const work = rows.reduce((sum, r) => sum + r.indices.length, 0) * classCount;
    const refineIterations = options.refineIterations ?? (work <= REFINE_MAX_WORK ? REFINE_ITERATIONS : 0);
    if (!Number.isInteger(refineIterations) || refineIterations < 0) throw new RangeError(`refineIterations must be a non-negative integer, got ${refineIterations}`);
    const refineTolerance = options.refineTolerance ?? REFINE_TOLERANCE;
    if (!Number.isFinite(refineTolerance) || refineTolerance < 0) throw new RangeError(`refineTolerance must be a non-negative number, got ${refineTolerance}`);
    const refineMemory = options.refineMemory ?? REFINE_MEMORY;
    requirePositive('refineMemory', refineMemory, true);
    const total = epochs + refineIterations;
    const sgd = trainSoftmax(rows, labels, classCount, termCount, { c, epochs, learningRate, seed, onEpoch: (done) => onStep(done, total) });
    const hyperParameters = { c, epochs, learningRate, refineIterations, seed };
    if (refineIterations === 0) return { idf, ...sgd, output: 'softmax', hyperParameters };
    const refined = refineSoftmaxLbfgs(rows, labels, classCount, termCount, c, sgd, {
      maxIterations: refineIterations,
      relativeTolerance: refineTolerance,
      memory: refineMemory,
      precondition: true,
      onIteration: (done) => onStep(epochs + done, total),
    });
    onStep(total, total); // the progress bar ends full when the tolerance stops early
    const { iterations, evaluations, stop, value } = refined.solver;
    return {
      idf,
      weights: refined.weights,
      intercepts: refined.intercepts,
      output: 'softmax',
      hyperParameters: { ...hyperParameters, refineTolerance, refineMemory },
      solver: { iterations, evaluations, stop, objective: value },
    };
  },
};

/** The ml-logistic-regression package: dense one-vs-rest, so it keeps only the top terms by chi². */
const mlLogisticRegression: Trainer = {
  train({ termCount, termIds, labels, classCount, seed, onStep }, options) {
    const defaults = DEFAULT_HYPER_PARAMETERS['ml-logistic-regression'];
    const epochs = options.epochs ?? defaults.epochs;
    const learningRate = options.learningRate ?? defaults.learningRate;
    const maxFeatures = options.maxFeatures ?? defaults.maxFeatures;
    requirePositive('epochs', epochs, true);
    requirePositive('learningRate', learningRate);
    requirePositive('maxFeatures', maxFeatures, true);
    // Dense training cannot hold the full vocabulary: keep the top-k terms by chi², then
    // re-vectorise over the kept terms only, exactly as prediction will.
    const fullIdf = smoothIdf(documentFrequencies(termIds, termCount), termIds.length);
    const fullVectorizer = new TfidfVectorizer(fullIdf);
    const kept = selectFeaturesChi2(termIds.map((ids) => fullVectorizer.transform(ids)), labels, classCount, termCount, maxFeatures);
    const remap = new Int32Array(termCount).fill(-1);
    kept.forEach((t, i) => (remap[t] = i));
    const idf = Float64Array.from(kept, (t) => fullIdf[t]);
    const vectorizer = new TfidfVectorizer(idf);
    const rows = termIds.map((ids) => vectorizer.transform(ids.filter((t) => remap[t] >= 0).map((t) => remap[t])));
    const { weights, intercepts } = trainMlLogisticRegression(rows, labels, classCount, kept.length, { epochs, learningRate, onEpoch: onStep });
    return { terms: kept, idf, weights, intercepts, output: 'one-vs-rest', hyperParameters: { epochs, learningRate, maxFeatures: kept.length, seed } };
  },
};

export const TRAINERS: Readonly<Record<TrainerName, Trainer>> = {
  'softmax-sgd': softmaxSgd,
  'ml-logistic-regression': mlLogisticRegression,
};

import { availableParallelism } from 'node:os';
import type { ModelParts } from '../model-parts';
import { LinearTextClassifier } from '../serving/linear-classifier';
import { fitDocuments, type TokenizedCorpus } from './fit-documents';
import { startFoldWorkers } from './fold-workers';
import { FoldAssignment, outOfFoldSignals, profileFromFolds, REFERENCE_FOLDS, REFERENCE_REFINE_MEMORY, REFERENCE_TOLERANCE_FACTOR } from './reference-profile';
import { classifierFromParts } from './save-model';
import { TermIndex } from './term-index';
import { HyperParameterOptions, REFINE_TOLERANCE, TRAINERS, TRAINER_NAMES, type Trainer, type TrainerName } from './trainers';

export interface LabelledDocument {
  readonly text: string;
  readonly label: string;
}

export interface TrainOptions extends HyperParameterOptions {
  /** @default 'softmax-sgd' — the sparse multinomial trainer; 'ml-logistic-regression' is the dense package, for comparison. */
  readonly trainer?: TrainerName;
  /** Seed for the document order. @default 42 */
  readonly seed?: number;
  /** Class order; must cover every label. @default the sorted distinct labels */
  readonly classes?: readonly string[];
  /** Extra metadata stored in the artifact (e.g. the training data's checksum and counts). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /**
   * Folds of the out-of-fold predictions the reference profile (drift detection) is built from;
   * 0 = no profile. Costs `referenceFolds` extra trainings on 1 − 1/folds of the documents.
   * @default 5 (REFERENCE_FOLDS)
   */
  readonly referenceFolds?: number;
  /**
   * How the out-of-fold models' L-BFGS refinement runs (softmax-sgd): 'fast' stops at
   * REFERENCE_TOLERANCE_FACTOR × the final model's tolerance with REFERENCE_REFINE_MEMORY
   * correction pairs; 'final' runs it as for the final model (to measure what 'fast' changes).
   * @default 'fast'
   */
  readonly referenceSolver?: 'fast' | 'final';
  /** Progress of the slow stages, for progress bars. */
  readonly onProgress?: (stage: 'vectorize' | 'train', done: number, total: number) => void;
}

export const DEFAULT_SEED = 42;

/** Trains a TF-IDF + logistic-regression classifier on `docs`, its reference profile's folds one after another. */
export function trainModel(docs: readonly LabelledDocument[], options: TrainOptions = {}): LinearTextClassifier {
  return trainSequentially(prepareTraining(docs, options));
}

function trainSequentially(run: TrainingRun): LinearTextClassifier {
  const parts = fitFinalModel(run);
  if (run.folds === undefined) return classifierFromParts(parts);
  const { corpus, folds } = run;
  const signals = Array.from({ length: folds.count }, (_, f) => outOfFoldSignals(corpus, folds, f, (documents) => fitDocuments(corpus, documents, run.trainer, run.foldOptions)));
  return classifierFromParts({ ...parts, referenceProfile: profileFromFolds(corpus, folds, signals, parts.weights) });
}

/**
 * trainModel with the reference profile's out-of-fold models fitted in `threads` worker threads
 * while this thread fits the final model, and then in this thread too (fold-workers.ts). The
 * same model, in less wall time when another core is free.
 *
 * @param threads worker threads @default one per core besides this thread's, at most the folds; 0 fits the folds in this thread
 */
export async function trainModelConcurrently(docs: readonly LabelledDocument[], options: TrainOptions & { readonly threads?: number } = {}): Promise<LinearTextClassifier> {
  const run = prepareTraining(docs, options);
  const threads = Math.min(run.folds?.count ?? 0, options.threads ?? availableParallelism() - 1);
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be a non-negative integer, got ${options.threads}`);
  const { corpus, folds } = run;
  if (threads === 0 || folds === undefined) return trainSequentially(run);
  const workers = startFoldWorkers({ corpus, trainer: run.trainerName, options: run.foldOptions, folds: folds.count, seed: run.seed }, threads);
  workers.signals.catch(() => undefined); // awaited below; if the final fit fails first, that is the error to report
  let parts;
  try {
    parts = fitFinalModel(run);
    const fitFold = (documents: Int32Array) => fitDocuments(corpus, documents, run.trainer, run.foldOptions);
    for (let fold = workers.claim(); fold >= 0; fold = workers.claim()) workers.done(fold, outOfFoldSignals(corpus, folds, fold, fitFold));
  } catch (error) {
    workers.terminate();
    throw error;
  }
  return classifierFromParts({ ...parts, referenceProfile: profileFromFolds(corpus, folds, await workers.signals, parts.weights) });
}

interface TrainingRun {
  readonly docs: readonly LabelledDocument[];
  readonly options: TrainOptions;
  readonly trainerName: TrainerName;
  readonly trainer: Trainer;
  readonly seed: number;
  readonly classes: string[];
  /** Term ids of the training scanner, whose terms are `terms`. */
  readonly corpus: TokenizedCorpus;
  readonly terms: readonly string[];
  /** Absent: no reference profile. */
  readonly folds?: FoldAssignment;
  /** The out-of-fold models' trainer options (plain data: they cross to worker threads). */
  readonly foldOptions: HyperParameterOptions & { readonly seed: number };
}

/** Checks the options and labels and tokenizes the documents once, for the final model and the folds. */
function prepareTraining(docs: readonly LabelledDocument[], options: TrainOptions): TrainingRun {
  const trainerName = options.trainer ?? 'softmax-sgd';
  if (!TRAINER_NAMES.includes(trainerName)) throw new RangeError(`unknown trainer "${trainerName}"; use one of ${TRAINER_NAMES.join(', ')}`);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  if (docs.length === 0) throw new RangeError('cannot train on zero documents');
  const folds = options.referenceFolds ?? REFERENCE_FOLDS;
  if (!Number.isInteger(folds) || folds < 0 || folds === 1) throw new RangeError(`referenceFolds must be 0 or an integer >= 2, got ${folds}`);
  const referenceSolver = options.referenceSolver ?? 'fast';
  if (referenceSolver !== 'fast' && referenceSolver !== 'final') throw new RangeError(`referenceSolver must be "fast" or "final", got "${referenceSolver}"`);

  const classes = options.classes ? [...options.classes] : [...new Set(docs.map((d) => d.label))].sort();
  const classId = new Map(classes.map((c, i) => [c, i]));
  if (classes.length < 2) throw new RangeError(`need at least two classes to train, got ${classes.length}`);
  const labels = new Int32Array(docs.length);
  docs.forEach((d, i) => {
    const id = classId.get(d.label);
    if (id === undefined) throw new RangeError(`document ${i} has label "${d.label}", which is not among the classes ${classes.join(', ')}`);
    labels[i] = id;
  });

  // Vocabulary and term ids in one pass with the same tokenizer rule that serves predictions.
  const scanner = new TermIndex(1 << 15);
  const termIds = docs.map((d, i) => {
    const ids = scanner.scan(d.text, true).termIds;
    if ((i + 1) % 500 === 0 || i + 1 === docs.length) options.onProgress?.('vectorize', i + 1, docs.length);
    return ids;
  });
  if (scanner.size === 0) throw new RangeError('the training documents contain no tokens (words of 2+ letters/digits)');
  const { c, epochs, learningRate, refineIterations, refineTolerance, refineMemory, maxFeatures } = options;
  return {
    docs,
    options,
    trainerName,
    trainer: TRAINERS[trainerName],
    seed,
    classes,
    corpus: { termIds, termCount: scanner.size, labels, classCount: classes.length },
    terms: scanner.terms(),
    folds: folds === 0 || docs.length < 2 ? undefined : new FoldAssignment(docs.length, folds, seed),
    foldOptions: referenceSolver === 'final'
      ? { c, epochs, learningRate, refineIterations, refineTolerance, refineMemory, maxFeatures, seed }
      : {
        c, epochs, learningRate, refineIterations, maxFeatures, seed,
        refineTolerance: REFERENCE_TOLERANCE_FACTOR * (refineTolerance ?? REFINE_TOLERANCE),
        refineMemory: REFERENCE_REFINE_MEMORY,
      },
  };
}

/** The final model, trained on every document, without its reference profile. */
function fitFinalModel(run: TrainingRun): ModelParts & { readonly weights: Float32Array } {
  const { docs, options, seed, classes, corpus } = run;
  const all = Int32Array.from({ length: docs.length }, (_, i) => i);
  const trained = fitDocuments(corpus, all, run.trainer, { ...options, seed, onStep: (done, total) => options.onProgress?.('train', done, total) });
  return {
    classes,
    vocabulary: Array.from(trained.terms, (t) => run.terms[t]),
    // Stored as float32; the classifier below uses the stored precision, so the
    // evaluation recorded at training time is what a loaded model reproduces.
    idf: Float32Array.from(trained.idf),
    weights: Float32Array.from(trained.weights),
    intercepts: trained.intercepts,
    output: trained.output,
    metadata: {
      ...options.metadata,
      trainer: run.trainerName,
      hyperParameters: trained.hyperParameters,
      ...(trained.solver && { solver: trained.solver }),
      classes,
      trainDocuments: docs.length,
      vocabularySize: trained.terms.length,
      createdAt: new Date().toISOString(),
    },
  };
}

import { Matrix } from 'ml-matrix';
import LogisticRegression from 'ml-logistic-regression';
import type { SparseVector } from '../classifier';
import type { LinearWeights } from './softmax-trainer';

/**
 * The `ml-logistic-regression` package as a selectable trainer, for
 * comparison with the default sparse softmax trainer. It is dense,
 * one-vs-rest, full-batch gradient descent without intercept or
 * regularisation, so it needs feature selection to fit in memory and time.
 */

export interface MlLogisticRegressionOptions {
  /** Gradient steps per one-vs-rest model (the package's `numSteps`). */
  readonly epochs: number;
  /** The package's `learningRate` (its gradient is a sum over documents, not a mean). */
  readonly learningRate: number;
  /** Not reported per step by the package: called once per class model. */
  readonly onEpoch?: (done: number, total: number) => void;
}

/**
 * scikit-learn's chi2 scores over TF-IDF rows, returning the ids of the
 * `k` best terms in ascending id order (ties broken by lower id).
 */
export function selectFeaturesChi2(rows: readonly SparseVector[], labels: Int32Array, classCount: number, termCount: number, k: number): Int32Array {
  const observed = new Float64Array(classCount * termCount);
  const featureTotal = new Float64Array(termCount);
  const classTotal = new Float64Array(classCount);
  rows.forEach((row, i) => {
    const c = labels[i];
    classTotal[c]++;
    for (let j = 0; j < row.indices.length; j++) {
      observed[c * termCount + row.indices[j]] += row.values[j];
      featureTotal[row.indices[j]] += row.values[j];
    }
  });
  const scores = new Float64Array(termCount);
  for (let t = 0; t < termCount; t++) {
    let chi2 = 0;
    for (let c = 0; c < classCount; c++) {
      const expected = (classTotal[c] / rows.length) * featureTotal[t];
      if (expected > 0) chi2 += (observed[c * termCount + t] - expected) ** 2 / expected;
    }
    scores[t] = chi2;
  }
  const ranked = Array.from({ length: termCount }, (_, t) => t).sort((a, b) => scores[b] - scores[a] || a - b);
  return Int32Array.from(ranked.slice(0, Math.min(k, termCount))).sort();
}

export function trainMlLogisticRegression(
  rows: readonly SparseVector[],
  labels: Int32Array,
  classCount: number,
  termCount: number,
  options: MlLogisticRegressionOptions,
): LinearWeights {
  const dense = new Matrix(rows.length, termCount);
  rows.forEach((row, i) => {
    for (let j = 0; j < row.indices.length; j++) dense.set(i, row.indices[j], row.values[j]);
  });
  const weights = new Float64Array(termCount * classCount);
  // Train the package's one-vs-rest models one class at a time (what its
  // train() does internally) so progress can be reported per class.
  for (let c = 0; c < classCount; c++) {
    const model = new LogisticRegression({ numSteps: options.epochs, learningRate: options.learningRate });
    const binary = Matrix.columnVector(Array.from(labels, (label) => (label === c ? 0 : 1)));
    model.train(dense, binary);
    // The package labels "this class" 0 and models p(other) = sigmoid(x·w),
    // so p(this class) = sigmoid(−x·w): store −w as this class's weights.
    const w = model.classifiers[0].weights as Matrix;
    for (let t = 0; t < termCount; t++) weights[t * classCount + c] = -w.get(0, t);
    options.onEpoch?.(c + 1, classCount);
  }
  return { weights, intercepts: new Float64Array(classCount) };
}

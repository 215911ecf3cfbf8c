import type { SparseVector } from './classifier';
import { mulberry32, shuffleInPlace } from './random';

/**
 * Multinomial (softmax) logistic regression with L2, trained by stochastic
 * gradient descent over sparse rows.
 *
 * Written by hand because no maintained npm package trains a sparse softmax
 * model: ml-logistic-regression is dense one-vs-rest gradient descent (see
 * ./ml-logreg-trainer.ts).
 *
 * Objective (the scikit-learn LogisticRegression one, divided by C·n):
 *   (1/n) Σ_i −log p(y_i | x_i) + (λ/2)‖W‖²,  λ = 1 / (C·n); intercepts are not penalised.
 *
 * Speed tricks:
 * - Weights are laid out [term][class], so a sparse row touches contiguous memory.
 * - The L2 shrink of every weight at every step is folded into one scalar
 *   (W = scale · V; Bottou's trick used by scikit-learn's SGD), so a step costs
 *   O(non-zeros · classes) instead of O(terms · classes).
 * - The step size decays linearly to zero over the run, which converges
 *   reliably without tuning a separate decay constant.
 */

export interface SoftmaxTrainingOptions {
  /** Inverse L2 strength, scikit-learn's C. */
  readonly c: number;
  /** Passes over the training rows. */
  readonly epochs: number;
  /** Initial step size (rows are unit-norm, so ~1 is a sane scale). */
  readonly learningRate: number;
  /** Seed for the row order. */
  readonly seed: number;
  /** Called after each epoch (for progress bars). */
  readonly onEpoch?: (epoch: number, epochs: number) => void;
}

export interface LinearWeights {
  /** [term][class] weights, length termCount · classCount. */
  readonly weights: Float64Array;
  readonly intercepts: Float64Array;
}

export function trainSoftmax(
  rows: readonly SparseVector[],
  labels: Int32Array,
  classCount: number,
  termCount: number,
  options: SoftmaxTrainingOptions,
): LinearWeights {
  const n = rows.length;
  if (n === 0) throw new Error('cannot train on zero documents');
  if (labels.length !== n) throw new Error(`got ${n} rows but ${labels.length} labels`);
  const K = classCount;
  const lambda = 1 / (options.c * n);
  const v = new Float64Array(termCount * K);
  const intercepts = new Float64Array(K);
  const scores = new Float64Array(K);
  let scale = 1;

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = mulberry32(options.seed);
  const totalSteps = options.epochs * n;
  let step = 0;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let o = 0; o < n; o++) {
      const i = order[o];
      const { indices, values } = rows[i];
      const nnz = indices.length;
      const eta = options.learningRate * (1 - step / totalSteps);
      step++;

      // scores = b + scale · (x · V)
      for (let c = 0; c < K; c++) scores[c] = 0;
      for (let k = 0; k < nnz; k++) {
        const base = indices[k] * K;
        const x = values[k];
        for (let c = 0; c < K; c++) scores[c] += x * v[base + c];
      }
      let max = -Infinity;
      for (let c = 0; c < K; c++) {
        scores[c] = scores[c] * scale + intercepts[c];
        if (scores[c] > max) max = scores[c];
      }
      let sum = 0;
      for (let c = 0; c < K; c++) {
        scores[c] = Math.exp(scores[c] - max);
        sum += scores[c];
      }
      // scores become the gradient of the loss w.r.t. the scores: p − onehot(y).
      const inverseSum = 1 / sum;
      for (let c = 0; c < K; c++) scores[c] *= inverseSum;
      scores[labels[i]] -= 1;

      // L2 shrink of all weights, folded into the scale.
      scale *= 1 - eta * lambda;
      const stepOverScale = eta / scale;
      for (let k = 0; k < nnz; k++) {
        const base = indices[k] * K;
        const x = values[k] * stepOverScale;
        for (let c = 0; c < K; c++) v[base + c] -= x * scores[c];
      }
      for (let c = 0; c < K; c++) intercepts[c] -= eta * scores[c];

      if (scale < 1e-9) {
        // Fold the scale back into the weights before it underflows.
        for (let j = 0; j < v.length; j++) v[j] *= scale;
        scale = 1;
      }
    }
    options.onEpoch?.(epoch + 1, options.epochs);
  }
  for (let j = 0; j < v.length; j++) v[j] *= scale;
  return { weights: v, intercepts };
}

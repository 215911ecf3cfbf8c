import type { SparseVector } from '../classifier';
import { linearScores } from './linear-scores';
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
 * - Weights are laid out [term][class], so a sparse row touches contiguous memory,
 *   and the classes are processed in blocks of four held in local variables.
 * - The L2 shrink of every weight at every step is folded into one scalar
 *   (W = scale · V; Bottou's trick used by scikit-learn's SGD), so a step costs
 *   O(non-zeros · classes) instead of O(terms · classes).
 * - The step size decays linearly to zero over the run, which converges
 *   reliably without tuning a separate decay constant, and the result is the
 *   mean of the end-of-epoch weights over the last half of the run.
 */

/** The last half of the epochs' end-of-epoch weights are averaged into the result. */
const AVERAGED_FRACTION = 0.5;

/** Gradient components below this are not applied (see the update step). */
const GRADIENT_FLOOR = 1e-3;

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
  readonly weights: Float32Array | Float64Array;
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
  const v = new Float32Array(termCount * K);
  const intercepts = new Float64Array(K);
  const scores = new Float64Array(K);
  const active = new Int32Array(K);
  const zeros = new Float64Array(K);
  // The update below runs four classes at a time too (see linear-scores.ts).
  const blocked = K - (K % 4);
  let scale = 1;

  const averagedEpochs = Math.max(1, Math.round(options.epochs * AVERAGED_FRACTION));
  const firstAveragedEpoch = options.epochs - averagedEpochs;
  const averageWeights = new Float64Array(termCount * K);
  const averageIntercepts = new Float64Array(K);
  let averaged = 0;

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = mulberry32(options.seed);
  const totalSteps = options.epochs * n;
  const maxStep = 1 / (2 * lambda);
  let step = 0;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let o = 0; o < n; o++) {
      const i = order[o];
      const { indices, values } = rows[i];
      const nnz = indices.length;
      // Capped at 1/(2λ) so the L2 shrink factor (1 − ηλ) stays ≥ 1/2: with a tiny C
      // an uncapped step would flip the weights' sign and diverge.
      const eta = Math.min(options.learningRate * (1 - step / totalSteps), maxStep);
      step++;

      // scores = b + scale · (x · V): x · V here, scale and b below
      linearScores(indices, values, 0, nnz, v, K, zeros, 0, scores);
      // Softmax, shifted by the max score so exp() cannot overflow.
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
      const inverseSum = 1 / sum;
      for (let c = 0; c < K; c++) scores[c] *= inverseSum;
      // scores become the gradient of the loss w.r.t. the scores: p − onehot(y).
      scores[labels[i]] -= 1;

      // L2 shrink of all weights, folded into the scale.
      scale *= 1 - eta * lambda;

      // Only classes with a non-negligible gradient are updated: once a row is
      // fitted, p is within GRADIENT_FLOOR of one-hot for most classes, and
      // skipping them makes later epochs several times cheaper (a gradient
      // this small moves no prediction).
      let activeCount = 0;
      for (let c = 0; c < K; c++) {
        if (scores[c] > GRADIENT_FLOOR || scores[c] < -GRADIENT_FLOOR) active[activeCount++] = c;
      }
      if (activeCount === 0) continue;
      const stepOverScale = eta / scale;
      if (activeCount === K) {
        for (let k = 0; k < nnz; k++) {
          const base = indices[k] * K;
          const x = values[k] * stepOverScale;
          let c = 0;
          for (; c < blocked; c += 4) {
            v[base + c] -= x * scores[c];
            v[base + c + 1] -= x * scores[c + 1];
            v[base + c + 2] -= x * scores[c + 2];
            v[base + c + 3] -= x * scores[c + 3];
          }
          for (; c < K; c++) v[base + c] -= x * scores[c];
        }
      } else {
        for (let k = 0; k < nnz; k++) {
          const base = indices[k] * K;
          const x = values[k] * stepOverScale;
          for (let a = 0; a < activeCount; a++) {
            const c = active[a];
            v[base + c] -= x * scores[c];
          }
        }
      }
      for (let a = 0; a < activeCount; a++) intercepts[active[a]] -= eta * scores[active[a]];

      if (scale < 1e-9) {
        // Fold the scale back into the weights before it underflows.
        for (let j = 0; j < v.length; j++) v[j] *= scale;
        scale = 1;
      }
    }
    if (epoch >= firstAveragedEpoch) {
      // Tail averaging: the mean of the end-of-epoch iterates over the last
      // epochs cancels much of SGD's step noise (a dense O(terms·classes) pass
      // per epoch, small next to the epoch itself).
      for (let j = 0; j < v.length; j++) averageWeights[j] += v[j] * scale;
      for (let c = 0; c < K; c++) averageIntercepts[c] += intercepts[c];
      averaged++;
    }
    options.onEpoch?.(epoch + 1, options.epochs);
  }
  for (let j = 0; j < averageWeights.length; j++) averageWeights[j] /= averaged;
  for (let c = 0; c < K; c++) averageIntercepts[c] /= averaged;
  return { weights: averageWeights, intercepts: averageIntercepts };
}

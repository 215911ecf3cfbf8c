import type { SparseVector } from '../../src/model/classifier';
import { minimizeLbfgs } from '../../src/model/lbfgs';
import { refineSoftmaxLbfgs } from '../../src/model/softmax-lbfgs';
import { trainSoftmax } from '../../src/model/softmax-trainer';

describe('minimizeLbfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const x = Float64Array.from([-1.2, 1]);
    const { value } = minimizeLbfgs(
      (p, g) => {
        const [a, b] = p;
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      x,
      { maxIterations: 200, gradientTolerance: 1e-10 },
    );
    expect(value).toBeLessThan(1e-12);
    expect(x[0]).toBeCloseTo(1, 5);
    expect(x[1]).toBeCloseTo(1, 5);
  });

  it('stops at once when started at the minimum', () => {
    const x = Float64Array.from([3]);
    const result = minimizeLbfgs((p, g) => ((g[0] = 2 * (p[0] - 3)), (p[0] - 3) ** 2), x, { maxIterations: 50 });
    expect(result.iterations).toBe(0);
  });
});

describe('refineSoftmaxLbfgs', () => {
  // Two overlapping classes: not separable, so the regularised optimum is finite and unique.
  const rows: SparseVector[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 40; i++) {
    const a = 0.3 + 0.4 * ((i * 7) % 10) / 10;
    rows.push({ indices: Int32Array.from([0, 1, 2 + (i % 3)]), values: Float64Array.from([a, Math.sqrt(1 - a * a) * 0.8, Math.sqrt(1 - a * a) * 0.6]) });
    labels.push(a > 0.5 === (i % 5 !== 0) ? 1 : 0);
  }
  const y = Int32Array.from(labels);
  const c = 10;

  function objective(w: { weights: ArrayLike<number>; intercepts: ArrayLike<number> }): number {
    const K = 2;
    let loss = 0;
    rows.forEach((r, i) => {
      const s = Array.from(w.intercepts);
      r.indices.forEach((t, k) => {
        for (let j = 0; j < K; j++) s[j] += r.values[k] * w.weights[t * K + j];
      });
      const max = Math.max(...s);
      loss -= s[y[i]] - max - Math.log(s.reduce((z, v) => z + Math.exp(v - max), 0));
    });
    const squares = Array.from(w.weights).reduce((z, v) => z + v * v, 0);
    return loss / rows.length + (0.5 * squares) / (c * rows.length);
  }

  it('lowers the objective SGD reached, to the same optimum from different starts', () => {
    const sgd = trainSoftmax(rows, y, 2, 5, { c, epochs: 3, learningRate: 1, seed: 1 });
    const refined = refineSoftmaxLbfgs(rows, y, 2, 5, c, sgd, 200);
    expect(objective(refined)).toBeLessThan(objective(sgd) - 1e-4);
    const fromZero = refineSoftmaxLbfgs(rows, y, 2, 5, c, { weights: new Float64Array(10), intercepts: new Float64Array(2) }, 200);
    expect(objective(fromZero)).toBeCloseTo(objective(refined), 8);
  });
});

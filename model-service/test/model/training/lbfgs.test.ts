import type { SparseVector } from '../../../src/model/classifier';
import { minimizeLbfgs } from '../../../src/model/training/lbfgs';
import { inverseHessianDiagonal, refineSoftmaxLbfgs, softmaxObjective } from '../../../src/model/training/softmax-lbfgs';
import { trainSoftmax } from '../../../src/model/training/softmax-trainer';

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

  it('stops on the relative decrease of the objective when asked to, and reports why', () => {
    // A quadratic with curvatures spread over two decades: L-BFGS needs ~100 iterations to reach the gradient tolerance.
    const scales = Float64Array.from({ length: 50 }, (_, i) => 10 ** (i / 25));
    const quadratic = (p: Float64Array, g: Float64Array) => {
      let f = 1;
      for (let i = 0; i < p.length; i++) {
        g[i] = scales[i] * (p[i] - 1);
        f += 0.5 * scales[i] * (p[i] - 1) ** 2;
      }
      return f;
    };
    const full = minimizeLbfgs(quadratic, new Float64Array(50), { maxIterations: 500, gradientTolerance: 1e-6 });
    const early = minimizeLbfgs(quadratic, new Float64Array(50), { maxIterations: 500, gradientTolerance: 1e-6, relativeTolerance: 1e-3 });
    expect(full.stop).toBe('gradient');
    expect(full.value).toBeCloseTo(1, 10);
    expect(early.stop).toBe('relative-decrease');
    expect(early.iterations).toBeLessThan(full.iterations);
    expect(early.value).toBeLessThan(1.01);
  });

  it('converges with a diagonal preconditioner to the same minimum, in fewer iterations when it matches the curvature', () => {
    const scales = Float64Array.from({ length: 50 }, (_, i) => 10 ** (i / 25));
    const quadratic = (p: Float64Array, g: Float64Array) => {
      let f = 0;
      for (let i = 0; i < p.length; i++) {
        g[i] = scales[i] * (p[i] - 2);
        f += 0.5 * scales[i] * (p[i] - 2) ** 2;
      }
      return f;
    };
    const plain = new Float64Array(50);
    const preconditioned = new Float64Array(50);
    const a = minimizeLbfgs(quadratic, plain, { maxIterations: 500, gradientTolerance: 1e-8 });
    const b = minimizeLbfgs(quadratic, preconditioned, { maxIterations: 500, gradientTolerance: 1e-8, preconditioner: scales.map((s) => 1 / s) });
    expect(b.iterations).toBeLessThan(a.iterations);
    for (let i = 0; i < 50; i++) {
      expect(plain[i]).toBeCloseTo(2, 6);
      expect(preconditioned[i]).toBeCloseTo(2, 6);
    }
    expect(() => minimizeLbfgs(quadratic, new Float64Array(50), { maxIterations: 5, preconditioner: new Float64Array(3) })).toThrow(/preconditioner has 3 entries for 50 parameters/);
  });

  it('stops at once when started at the minimum', () => {
    const x = Float64Array.from([3]);
    const result = minimizeLbfgs((p, g) => ((g[0] = 2 * (p[0] - 3)), (p[0] - 3) ** 2), x, { maxIterations: 50 });
    expect(result.iterations).toBe(0);
  });
});

describe('softmaxObjective', () => {
  // Class counts around the block of four the kernel unrolls: 3 (remainder only), 4, 5 and 9 (blocks + remainder).
  it.each([3, 4, 5, 9])('returns the gradient of the loss (finite differences, %i classes)', (K) => {
    const T = 7;
    const rows: SparseVector[] = [
      { indices: Int32Array.from([0, 3, 6]), values: Float64Array.from([0.6, 0.64, 0.48]) },
      { indices: Int32Array.from([1, 2]), values: Float64Array.from([0.8, 0.6]) },
      { indices: Int32Array.from([2, 4, 5, 6]), values: Float64Array.from([0.5, 0.5, 0.5, 0.5]) },
    ];
    const labels = Int32Array.from([0, K - 1, 1]);
    const c = 3;
    const f = softmaxObjective(rows, labels, K, T, c);
    const params = Float64Array.from({ length: T * K + K }, (_, i) => Math.sin(3 * i) * 0.7);
    const gradient = new Float64Array(params.length);
    const value = f(params, gradient);
    // The value, computed naively.
    let loss = 0;
    rows.forEach((r, i) => {
      const s = Array.from({ length: K }, (_, k) => params[T * K + k] + r.indices.reduce((z, t, j) => z + r.values[j] * params[t * K + k], 0));
      const max = Math.max(...s);
      loss -= s[labels[i]] - max - Math.log(s.reduce((z, v) => z + Math.exp(v - max), 0));
    });
    const squares = params.subarray(0, T * K).reduce((z, v) => z + v * v, 0);
    expect(value).toBeCloseTo(loss / 3 + (0.5 * squares) / (c * 3), 12);
    const scratch = new Float64Array(params.length);
    for (let i = 0; i < params.length; i++) {
      const h = 1e-6;
      const plus = Float64Array.from(params);
      const minus = Float64Array.from(params);
      plus[i] += h;
      minus[i] -= h;
      expect(gradient[i]).toBeCloseTo((f(plus, scratch) - f(minus, scratch)) / (2 * h), 7);
    }
  });

  it('gives a positive inverse Hessian diagonal, larger for weights of terms that occur less', () => {
    const rows: SparseVector[] = [
      { indices: Int32Array.from([0, 1]), values: Float64Array.from([0.6, 0.8]) },
      { indices: Int32Array.from([0]), values: Float64Array.from([1]) },
    ];
    const diagonal = inverseHessianDiagonal(rows, 2, 3, 10, new Float64Array(8));
    expect(diagonal.every((d) => d > 0 && Number.isFinite(d))).toBe(true);
    expect(diagonal[0]).toBeLessThan(diagonal[2]); // term 0 occurs more, and more strongly, than term 1
    expect(diagonal[4]).toBe(10 * 2); // term 2 never occurs: only the penalty λ = 1/(C·n) curves it
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
    const refined = refineSoftmaxLbfgs(rows, y, 2, 5, c, sgd, { maxIterations: 200 });
    expect(objective(refined)).toBeLessThan(objective(sgd) - 1e-4);
    const fromZero = refineSoftmaxLbfgs(rows, y, 2, 5, c, { weights: new Float64Array(10), intercepts: new Float64Array(2) }, { maxIterations: 200 });
    expect(objective(fromZero)).toBeCloseTo(objective(refined), 8);
    const preconditioned = refineSoftmaxLbfgs(rows, y, 2, 5, c, sgd, { maxIterations: 200, precondition: true });
    expect(objective(preconditioned)).toBeCloseTo(objective(refined), 8);
    const early = refineSoftmaxLbfgs(rows, y, 2, 5, c, sgd, { maxIterations: 200, precondition: true, relativeTolerance: 1e-3 });
    expect(early.solver.stop).toBe('relative-decrease');
    expect(early.solver.iterations).toBeLessThan(preconditioned.solver.iterations);
  });
});

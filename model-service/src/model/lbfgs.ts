/**
 * Limited-memory BFGS minimiser over Float64Array parameters, with a
 * backtracking (Armijo) line search.
 *
 * Hand-written because no maintained npm package offers L-BFGS over typed
 * arrays (the candidates are unmaintained or take plain number[] and copy per
 * call, which costs more than the objective here). It is the textbook
 * two-loop recursion (Nocedal & Wright, Numerical Optimization, alg. 7.4).
 */

/** Writes the gradient at `x` into `gradient` and returns the objective value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Upper bound on iterations (each costs one or a few objective evaluations). */
  readonly maxIterations: number;
  /** Correction pairs kept. @default 10 */
  readonly memory?: number;
  /** Stop when the largest gradient component falls below this. @default 1e-6 */
  readonly gradientTolerance?: number;
  /** Called after each iteration with the objective value. */
  readonly onIteration?: (iteration: number, value: number) => void;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/** Minimises `objective` starting from `x` (updated in place); returns the final value and iteration count. */
export function minimizeLbfgs(objective: Objective, x: Float64Array, options: LbfgsOptions): { value: number; iterations: number } {
  const m = options.memory ?? 10;
  const tolerance = options.gradientTolerance ?? 1e-6;
  const dim = x.length;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const gradient = new Float64Array(dim);
  const nextGradient = new Float64Array(dim);
  const direction = new Float64Array(dim);
  const next = new Float64Array(dim);

  let value = objective(x, gradient);
  let iteration = 0;
  for (; iteration < options.maxIterations; iteration++) {
    if (maxAbs(gradient) < tolerance) break;

    // Two-loop recursion: direction = −H·gradient.
    for (let i = 0; i < dim; i++) direction[i] = -gradient[i];
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(s[k], direction);
      const yk = y[k];
      for (let i = 0; i < dim; i++) direction[i] -= alpha[k] * yk[i];
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
      for (let i = 0; i < dim; i++) direction[i] *= gamma;
    } else {
      // First step: unit length, as the curvature is still unknown.
      const scale = 1 / Math.max(Math.sqrt(dot(gradient, gradient)), 1e-12);
      for (let i = 0; i < dim; i++) direction[i] *= scale;
    }
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k] * dot(y[k], direction);
      const sk = s[k];
      for (let i = 0; i < dim; i++) direction[i] += (alpha[k] - beta) * sk[i];
    }

    let slope = dot(gradient, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let i = 0; i < dim; i++) direction[i] = -gradient[i];
      slope = -dot(gradient, gradient);
    }

    // Backtracking line search on the Armijo condition.
    let step = 1;
    let nextValue = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < dim; i++) next[i] = x[i] + step * direction[i];
      nextValue = objective(next, nextGradient);
      if (nextValue <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextValue < value)) break; // no progress possible at this precision

    const sNew = s.length === m ? s.shift()! : new Float64Array(dim);
    const yNew = y.length === m ? y.shift()! : new Float64Array(dim);
    if (rho.length === m) rho.shift();
    for (let i = 0; i < dim; i++) {
      sNew[i] = next[i] - x[i];
      yNew[i] = nextGradient[i] - gradient[i];
    }
    const sy = dot(sNew, yNew);
    if (sy > 1e-12) {
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    x.set(next);
    gradient.set(nextGradient);
    value = nextValue;
    options.onIteration?.(iteration + 1, value);
  }
  return { value, iterations: iteration };
}

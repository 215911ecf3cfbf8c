/**
 * Limited-memory BFGS minimiser over Float64Array parameters, with a
 * backtracking (Armijo) line search.
 *
 * Hand-written because no maintained npm package offers L-BFGS over typed
 * arrays (the candidates are unmaintained or take plain number[] and copy per
 * call, which costs more than the objective here). It is the textbook
 * two-loop recursion (Nocedal & Wright, Numerical Optimization, alg. 7.4),
 * arranged so an iteration touches memory as few times as possible: on the
 * 4-category problem (122k parameters, 1 MB per vector) the vector passes
 * are memory-bound and cost as much as the objective itself. So:
 * - every loop of the recursion also computes the dot product the next loop
 *   needs (one pass instead of two), and the last one computes the slope;
 * - the correction pairs live in a preallocated ring (no allocation, no
 *   shift() per iteration); storing the new pair, its dot products, the
 *   gradient's largest component and the move of the iterate are one pass
 *   (the gradient buffers swap by reference);
 * - the search direction, the correction pairs and the preconditioner are
 *   float32 (half the bytes per pass; the iterate, gradients and every dot
 *   product stay float64). A quasi-Newton direction only has to be a good
 *   descent direction, and the line search runs on the float64 objective, so
 *   the rounding costs no accuracy in the result;
 * - the vector kernels are small monomorphic functions, so V8 optimises each
 *   of them after a few calls instead of running the first iterations'
 *   100k-element loops in the interpreter;
 * - Most steps accept the unit step, so the line search usually costs one
 *   objective evaluation; when it does not, the next trial step minimises the
 *   quadratic through f(0), f'(0) and f(step) (clamped to [0.1, 0.5]·step).
 */

/** Writes the gradient at `x` into `gradient` and returns the objective value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Upper bound on iterations (each costs one or, rarely, a few objective evaluations). */
  readonly maxIterations: number;
  /** Correction pairs kept. @default 10 */
  readonly memory?: number;
  /** Stop when the largest gradient component falls below this. @default 1e-6 */
  readonly gradientTolerance?: number;
  /**
   * Stop when the objective fell by less than this fraction of its value over
   * the last `progressWindow` iterations (liblbfgs's `past`/`delta` test).
   * @default 0 - off: only the gradient test and maxIterations stop the run
   */
  readonly relativeTolerance?: number;
  /** Iterations the relative-decrease test looks back. @default 5 */
  readonly progressWindow?: number;
  /**
   * Diagonal preconditioner: an estimate of the inverse Hessian's diagonal, used as
   * the initial inverse Hessian (scaled by γ = s·y / y·H₀y) instead of the identity.
   * @default - the identity
   */
  readonly preconditioner?: Float64Array;
  /** Called after each iteration with the objective value. */
  readonly onIteration?: (iteration: number, value: number) => void;
}

export interface LbfgsResult {
  readonly value: number;
  readonly iterations: number;
  /** Objective (and gradient) evaluations, line-search trials included. */
  readonly evaluations: number;
  /** Why the run stopped. */
  readonly stop: 'gradient' | 'relative-decrease' | 'max-iterations' | 'no-progress';
}

/** d = −h∘g; returns g·d (the slope along d). */
function scaledSteepestDescent(d: Float32Array, g: Float64Array, h: Float32Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) {
    const v = -g[i] * h[i];
    d[i] = v;
    s += g[i] * v;
  }
  return s;
}

/** d = −g; returns d·w. */
function negateDot(d: Float32Array, g: Float64Array, w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) {
    const v = -g[i];
    d[i] = v;
    s += w[i] * d[i];
  }
  return s;
}

/** d = d + a·u; returns d·w. */
function axpyDot(d: Float32Array, a: number, u: Float32Array, w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) {
    d[i] += a * u[i];
    s += w[i] * d[i];
  }
  return s;
}

/** d = (d + a·u)·γ·h (elementwise); returns d·w. */
function axpyScaleDot(d: Float32Array, a: number, u: Float32Array, gamma: number, h: Float32Array, w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) {
    d[i] = (d[i] + a * u[i]) * gamma * h[i];
    s += w[i] * d[i];
  }
  return s;
}

/** d = d + a·u; returns d·g (the slope along d). */
function axpyDotGradient(d: Float32Array, a: number, u: Float32Array, g: Float64Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) {
    d[i] += a * u[i];
    s += g[i] * d[i];
  }
  return s;
}

/** next = x + step·d. */
function stepFrom(next: Float64Array, x: Float64Array, step: number, d: Float32Array): void {
  for (let i = 0; i < next.length; i++) next[i] = x[i] + step * d[i];
}

/**
 * s = next − x, y = nextGradient − gradient (rounded to float32), x = next;
 * out = [s·y, y·H₀y, max |nextGradient|], from the stored (rounded) pair so ρ
 * matches the vectors the recursion will use.
 */
function storePair(s: Float32Array, y: Float32Array, x: Float64Array, next: Float64Array, gradient: Float64Array, nextGradient: Float64Array, h: Float32Array, out: Float64Array): void {
  let sy = 0;
  let yhy = 0;
  let gmax = 0;
  for (let i = 0; i < x.length; i++) {
    s[i] = next[i] - x[i];
    y[i] = nextGradient[i] - gradient[i];
    sy += s[i] * y[i];
    yhy += y[i] * y[i] * h[i];
    x[i] = next[i];
    const a = Math.abs(nextGradient[i]);
    if (a > gmax) gmax = a;
  }
  out[0] = sy;
  out[1] = yhy;
  out[2] = gmax;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/** Minimises `objective` starting from `x` (updated in place). */
export function minimizeLbfgs(objective: Objective, x: Float64Array, options: LbfgsOptions): LbfgsResult {
  const m = options.memory ?? 10;
  const tolerance = options.gradientTolerance ?? 1e-6;
  const relativeTolerance = options.relativeTolerance ?? 0;
  const window = options.progressWindow ?? 5;
  const dim = x.length;
  if (options.preconditioner !== undefined && options.preconditioner.length !== dim) {
    throw new RangeError(`preconditioner has ${options.preconditioner.length} entries for ${dim} parameters`);
  }
  // Without a preconditioner H₀ = γ·I: a vector of ones keeps one code path.
  const h = options.preconditioner ? Float32Array.from(options.preconditioner) : new Float32Array(dim).fill(1);
  // Ring of correction pairs: slot (head − 1) is the newest, allocated on first use.
  const s: Float32Array[] = [];
  const y: Float32Array[] = [];
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let head = 0;
  let count = 0;
  let gamma = 1;
  let gradient = new Float64Array(dim);
  let nextGradient = new Float64Array(dim);
  const direction = new Float32Array(dim);
  const next = new Float64Array(dim);
  const pairStats = new Float64Array(3);
  const history = new Float64Array(window); // objective values of the last `window` iterations, by iteration % window
  const slot = (age: number) => (head - 1 - age + 2 * m) % m; // age 0 = newest

  let value = objective(x, gradient);
  let evaluations = 1;
  history[0] = value;
  let gradientMax = maxAbs(gradient);
  let iteration = 0;
  let stop: LbfgsResult['stop'] = 'max-iterations';
  for (; iteration < options.maxIterations; iteration++) {
    if (gradientMax < tolerance) {
      stop = 'gradient';
      break;
    }

    // Two-loop recursion, direction = −H·gradient, each pass fused with the next dot product.
    let slope = 0;
    if (count > 0) {
      let carried = negateDot(direction, gradient, s[slot(0)]); // s_newest · q
      for (let age = 0; age < count; age++) {
        const k = slot(age);
        const a = rho[k] * carried;
        alpha[k] = a;
        // After the oldest pair, apply H₀ = γ·diag(h) and start the second loop with y_oldest · r.
        carried = age === count - 1 ? axpyScaleDot(direction, -a, y[k], gamma, h, y[k]) : axpyDot(direction, -a, y[k], s[slot(age + 1)]);
      }
      for (let age = count - 1; age > 0; age--) {
        const k = slot(age);
        carried = axpyDot(direction, alpha[k] - rho[k] * carried, s[k], y[slot(age - 1)]);
      }
      const k = slot(0);
      slope = axpyDotGradient(direction, alpha[k] - rho[k] * carried, s[k], gradient);
    }
    if (!(slope < 0)) {
      // First step, or not a descent direction (numerical trouble): restart from
      // (preconditioned) steepest descent.
      count = 0;
      slope = scaledSteepestDescent(direction, gradient, h);
      if (options.preconditioner === undefined) {
        // Unit length, as the curvature is still unknown.
        const norm = Math.max(Math.sqrt(-slope), 1e-12);
        for (let i = 0; i < dim; i++) direction[i] /= norm;
        slope /= norm;
      }
    }

    // Backtracking line search on the Armijo condition.
    let step = 1;
    let nextValue = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      stepFrom(next, x, step, direction);
      nextValue = objective(next, nextGradient);
      evaluations++;
      if (nextValue <= value + 1e-4 * step * slope) break;
      const quadratic = (-slope * step * step) / (2 * (nextValue - value - slope * step));
      step = Number.isFinite(quadratic) ? Math.min(0.5 * step, Math.max(0.1 * step, quadratic)) : 0.5 * step;
    }
    if (!(nextValue < value)) {
      stop = 'no-progress'; // no progress possible at this precision
      break;
    }

    if (head === s.length) {
      s.push(new Float32Array(dim));
      y.push(new Float32Array(dim));
    }
    storePair(s[head], y[head], x, next, gradient, nextGradient, h, pairStats);
    const [sy, yhy] = pairStats;
    gradientMax = pairStats[2];
    [gradient, nextGradient] = [nextGradient, gradient];
    value = nextValue;
    if (sy > 1e-20) {
      rho[head] = 1 / sy;
      gamma = sy / yhy;
      head = (head + 1) % m;
      if (count < m) count++;
    }
    options.onIteration?.(iteration + 1, value);

    const done = iteration + 1;
    const before = history[done % window]; // the value `window` iterations ago
    history[done % window] = value;
    if (relativeTolerance > 0 && done >= window && (before - value) / Math.abs(value) < relativeTolerance) {
      iteration++;
      stop = 'relative-decrease';
      break;
    }
  }
  return { value, iterations: iteration, evaluations, stop };
}

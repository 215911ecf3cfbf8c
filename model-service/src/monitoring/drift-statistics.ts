/**
 * Distances between two histograms over the same bins: the reference profile's counts and
 * the sliding window's. Both take raw counts and normalise them; either returns undefined
 * when a histogram is empty (no distribution to compare, which is not "no drift").
 */
import { DRIFT_PROPORTION_FLOOR } from '../contract';

function total(counts: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i];
  return sum;
}

function checkSameBins(expected: ArrayLike<number>, actual: ArrayLike<number>): void {
  if (expected.length !== actual.length) throw new RangeError(`histograms over different bins: ${expected.length} and ${actual.length} bins`);
}

/**
 * Population Stability Index: Σ (a − e) · ln(a / e) over bins, a and e the actual and expected
 * shares. A share below `floor` counts as `floor` (an empty bin would make the log infinite);
 * shares are not renormalised after flooring, as in the usual PSI tooling.
 * Rule of thumb (credit scoring, where PSI comes from): < 0.1 stable, 0.1–0.25 moderate shift,
 * > 0.25 significant shift.
 */
export function populationStabilityIndex(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  floor: number = DRIFT_PROPORTION_FLOOR,
): number | undefined {
  checkSameBins(expected, actual);
  const e = total(expected);
  const a = total(actual);
  if (e === 0 || a === 0) return undefined;
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const p = Math.max(actual[i] / a, floor);
    const q = Math.max(expected[i] / e, floor);
    psi += (p - q) * Math.log(p / q);
  }
  return psi;
}

/**
 * Jensen–Shannon distance: √JSD with base-2 logarithms, so 0 for identical and 1 for disjoint
 * distributions. Defined with empty bins (0 · log 0 = 0), so no floor is needed; symmetric.
 */
export function jensenShannonDistance(expected: ArrayLike<number>, actual: ArrayLike<number>): number | undefined {
  checkSameBins(expected, actual);
  const e = total(expected);
  const a = total(actual);
  if (e === 0 || a === 0) return undefined;
  let divergence = 0;
  for (let i = 0; i < expected.length; i++) {
    const p = actual[i] / a;
    const q = expected[i] / e;
    const m = (p + q) / 2;
    if (p > 0) divergence += 0.5 * p * Math.log2(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log2(q / m);
  }
  // Rounding can leave a tiny negative divergence for identical inputs.
  return Math.sqrt(Math.max(0, Math.min(1, divergence)));
}

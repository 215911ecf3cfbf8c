/**
 * Prometheus' bucket rule, shared by the service's histograms and by the model's drift reference
 * profile (binned on the same bounds, so the profile and the live window compare bin for bin).
 */

/** Index of the bin of `value`: the first upper bound with value <= bound, or bounds.length (only +Inf). */
export function binOf(bounds: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= bounds[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

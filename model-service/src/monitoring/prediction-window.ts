/**
 * The most recent `size` predictions, kept as one bin index per signal, with running counts per
 * bin: adding a prediction is O(signals) (the oldest one's bins are subtracted as it leaves), so
 * a scrape reads ready histograms instead of re-binning the window.
 */
export class PredictionWindow {
  /** bins[s][slot]: the bin of signal s for the prediction in ring slot `slot`. */
  private readonly bins: Uint16Array[];
  /** counts[s][bin]: predictions in the window whose signal s fell in `bin`. */
  readonly counts: Float64Array[];
  private next = 0;
  private filled = 0;

  /** @param binCounts the number of bins of each signal (at most 65536 each) */
  constructor(readonly size: number, binCounts: readonly number[]) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
    this.bins = binCounts.map(() => new Uint16Array(size));
    this.counts = binCounts.map((n) => {
      if (!Number.isInteger(n) || n < 1 || n > 65536) throw new RangeError(`a signal needs 1 to 65536 bins, got ${n}`);
      return new Float64Array(n);
    });
  }

  /** Predictions in the window (at most `size`). */
  get length(): number {
    return this.filled;
  }

  /** Adds one prediction's bins (one per signal, in constructor order), evicting the oldest when full. */
  add(bins: ArrayLike<number>): void {
    const slot = this.next;
    const full = this.filled === this.size;
    for (let s = 0; s < this.bins.length; s++) {
      const ring = this.bins[s];
      const counts = this.counts[s];
      if (full) counts[ring[slot]] -= 1;
      ring[slot] = bins[s];
      counts[bins[s]] += 1;
    }
    if (!full) this.filled += 1;
    this.next = slot + 1 === this.size ? 0 : slot + 1;
  }
}

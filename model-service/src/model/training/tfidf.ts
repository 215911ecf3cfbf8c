import type { SparseVector } from '../classifier';

/**
 * TF-IDF with scikit-learn's default semantics (TfidfTransformer(norm="l2",
 * use_idf=True, smooth_idf=True, sublinear_tf=False)): raw term counts times
 * idf = ln((1 + n) / (1 + df)) + 1, each row scaled to unit L2 norm.
 */

/** Number of documents each term occurs in. */
export function documentFrequencies(docs: readonly Int32Array[], termCount: number): Int32Array {
  const df = new Int32Array(termCount);
  // lastSeen[t] = 1 + index of the last document that counted term t.
  const lastSeen = new Int32Array(termCount);
  for (let d = 0; d < docs.length; d++) {
    const ids = docs[d];
    for (let k = 0; k < ids.length; k++) {
      const t = ids[k];
      if (lastSeen[t] !== d + 1) {
        lastSeen[t] = d + 1;
        df[t]++;
      }
    }
  }
  return df;
}

/** Smooth idf: ln((1 + n) / (1 + df)) + 1, as if one extra document contained every term once. */
export function smoothIdf(df: Int32Array, documentCount: number): Float64Array {
  const idf = new Float64Array(df.length);
  for (let t = 0; t < df.length; t++) idf[t] = Math.log((1 + documentCount) / (1 + df[t])) + 1;
  return idf;
}

/**
 * Turns term-id sequences into L2-normalised TF-IDF rows. Keeps one dense
 * scratch array of counts (cleared after each row) so a row costs O(tokens).
 * Not re-entrant: one instance per thread of work (Node has just one).
 */
export class TfidfVectorizer {
  private readonly counts: Float64Array;
  /** Scratch for the distinct term ids of the current row (grown on demand). */
  private order: Int32Array = new Int32Array(1024);

  constructor(readonly idf: Float64Array) {
    this.counts = new Float64Array(idf.length);
  }

  transform(termIds: Int32Array): SparseVector {
    const counts = this.counts;
    const idf = this.idf;
    let distinct = 0;
    if (this.order.length < termIds.length) this.order = new Int32Array(Math.max(termIds.length, this.order.length * 2));
    const order = this.order;
    for (let k = 0; k < termIds.length; k++) {
      const t = termIds[k];
      if (counts[t] === 0) order[distinct++] = t;
      counts[t]++;
    }
    const indices = order.slice(0, distinct);
    const values = new Float64Array(distinct);
    let sumSquares = 0;
    for (let k = 0; k < distinct; k++) {
      const t = indices[k];
      const v = counts[t] * idf[t];
      counts[t] = 0;
      values[k] = v;
      sumSquares += v * v;
    }
    if (sumSquares > 0) {
      const inverseNorm = 1 / Math.sqrt(sumSquares);
      for (let k = 0; k < distinct; k++) values[k] *= inverseNorm;
    }
    return { indices, values };
  }
}

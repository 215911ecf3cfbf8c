import type { SparseVector } from '../../../src/model/classifier';
import { trainSoftmax } from '../../../src/model/training/softmax-trainer';

/** Three classes, each owning two of six features; rows unit-norm with a little overlap noise. */
function separableToySet(rowsPerClass: number): { rows: SparseVector[]; labels: Int32Array } {
  const rows: SparseVector[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < rowsPerClass; i++) {
      const own = 2 * c + (i % 2);
      const other = (2 * c + 2 + (i % 3)) % 6;
      const a = 0.9;
      const b = Math.sqrt(1 - a * a);
      rows.push({ indices: Int32Array.from([own, other]), values: Float64Array.from([a, b]) });
      labels.push(c);
    }
  }
  return { rows, labels: Int32Array.from(labels) };
}

function scores(w: Float64Array | Float32Array, b: Float64Array, row: SparseVector, K: number): number[] {
  const s = Array.from(b);
  row.indices.forEach((t, k) => {
    for (let c = 0; c < K; c++) s[c] += row.values[k] * w[t * K + c];
  });
  return s;
}

describe('trainSoftmax', () => {
  const { rows, labels } = separableToySet(20);
  const options = { c: 100, epochs: 30, learningRate: 1, seed: 3 };

  it('converges on a separable toy set: every row classified, with high confidence', () => {
    const { weights, intercepts } = trainSoftmax(rows, labels, 3, 6, options);
    rows.forEach((row, i) => {
      const s = scores(weights, intercepts, row, 3);
      const best = s.indexOf(Math.max(...s));
      expect(best).toBe(labels[i]);
      const p = Math.exp(s[best]) / s.reduce((sum, x) => sum + Math.exp(x), 0);
      expect(p).toBeGreaterThan(0.9);
    });
  });

  it('shrinks weights more with a stronger L2 penalty (smaller C)', () => {
    const norm = (w: Float32Array | Float64Array) => Math.sqrt(Array.from(w).reduce((s, x) => s + x * x, 0));
    const weak = trainSoftmax(rows, labels, 3, 6, options).weights;
    const strong = trainSoftmax(rows, labels, 3, 6, { ...options, c: 0.01 }).weights;
    expect(norm(strong)).toBeLessThan(norm(weak) / 2);
  });

  it('is deterministic given the seed', () => {
    const a = trainSoftmax(rows, labels, 3, 6, options);
    const b = trainSoftmax(rows, labels, 3, 6, options);
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(Array.from(a.intercepts)).toEqual(Array.from(b.intercepts));
    const other = trainSoftmax(rows, labels, 3, 6, { ...options, seed: 4 });
    expect(Array.from(other.weights)).not.toEqual(Array.from(a.weights));
  });

  it('reports progress once per epoch', () => {
    const seen: number[] = [];
    trainSoftmax(rows, labels, 3, 6, { ...options, epochs: 3, onEpoch: (done) => seen.push(done) });
    expect(seen).toEqual([1, 2, 3]);
  });
});

import { PredictionWindow } from '../../src/monitoring/prediction-window';

describe('PredictionWindow', () => {
  it('counts bins per signal until full, then forgets the oldest prediction as a new one arrives', () => {
    const window = new PredictionWindow(3, [2, 4]);
    expect(window.length).toBe(0);
    window.add([0, 3]);
    window.add([1, 3]);
    window.add([1, 0]);
    expect(window.length).toBe(3);
    expect(Array.from(window.counts[0])).toEqual([1, 2]);
    expect(Array.from(window.counts[1])).toEqual([1, 0, 0, 2]);
    window.add([0, 2]); // evicts [0, 3]
    expect(window.length).toBe(3);
    expect(Array.from(window.counts[0])).toEqual([1, 2]);
    expect(Array.from(window.counts[1])).toEqual([1, 0, 1, 1]);
    window.add([0, 2]); // evicts [1, 3]
    window.add([0, 2]); // evicts [1, 0]
    expect(Array.from(window.counts[0])).toEqual([3, 0]);
    expect(Array.from(window.counts[1])).toEqual([0, 0, 3, 0]);
  });

  it('equals a recount of the last `size` predictions after many wraps', () => {
    const size = 7;
    const window = new PredictionWindow(size, [5]);
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) {
      const bin = (i * 7 + (i >> 2)) % 5;
      seen.push(bin);
      window.add([bin]);
      const expected = [0, 0, 0, 0, 0];
      for (const b of seen.slice(-size)) expected[b] += 1;
      expect(Array.from(window.counts[0])).toEqual(expected);
    }
  });

  it('refuses a size or bin count it cannot hold', () => {
    expect(() => new PredictionWindow(0, [2])).toThrow('window size must be a positive integer, got 0');
    expect(() => new PredictionWindow(5, [70000])).toThrow('a signal needs 1 to 65536 bins, got 70000');
  });
});

import { jensenShannonDistance, populationStabilityIndex } from '../../src/monitoring/drift-statistics';

// Expected values worked out by hand (and checked with Python's math module), not by this code.
describe('populationStabilityIndex', () => {
  it('is 0 for the same shares, whatever the counts', () => {
    expect(populationStabilityIndex([10, 20, 30], [100, 200, 300])).toBeCloseTo(0, 12);
  });

  it('matches Σ (a − e) ln(a / e) on a known pair', () => {
    // e = (0.5, 0.5), a = (0.25, 0.75): −0.25·ln 0.5 + 0.25·ln 1.5 = 0.2746530721670274
    expect(populationStabilityIndex([50, 50], [25, 75])).toBeCloseTo(0.2746530721670274, 12);
  });

  it('floors an empty bin at 1e-4 instead of going infinite', () => {
    // e = (1, 0 → 1e-4), a = (0.5, 0.5): −0.5·ln 0.5 + 0.4999·ln 5000 = 4.60431846666895
    expect(populationStabilityIndex([10, 0], [5, 5])).toBeCloseTo(4.60431846666895, 10);
    // Empty in both: the bin contributes nothing.
    expect(populationStabilityIndex([50, 50, 0], [25, 75, 0])).toBeCloseTo(0.2746530721670274, 12);
  });

  it('is undefined, not 0, when either histogram is empty', () => {
    expect(populationStabilityIndex([1, 2], [0, 0])).toBeUndefined();
    expect(populationStabilityIndex([0, 0], [1, 2])).toBeUndefined();
  });

  it('refuses histograms over different bins', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow('different bins: 2 and 3 bins');
  });
});

describe('jensenShannonDistance', () => {
  it('is 0 for the same shares and 1 for disjoint ones', () => {
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBeCloseTo(0, 7);
    expect(jensenShannonDistance([5, 0], [0, 7])).toBeCloseTo(1, 12);
  });

  it('matches √JSD (base 2) on known pairs, empty bins included', () => {
    // m = (0.375, 0.625); JSD = ½ KL(a‖m) + ½ KL(e‖m) = 0.048795; √ = 0.22089576884901735 (scipy's jensenshannon, base 2, agrees)
    expect(jensenShannonDistance([50, 50], [25, 75])).toBeCloseTo(0.22089576884901735, 12);
    // (½, ½, 0) against (0, ½, ½): JSD = ½, distance √½
    expect(jensenShannonDistance([1, 1, 0], [0, 1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('is symmetric', () => {
    expect(jensenShannonDistance([3, 1, 0], [1, 1, 2])).toBeCloseTo(jensenShannonDistance([1, 1, 2], [3, 1, 0])!, 12);
  });

  it('is undefined when either histogram is empty', () => {
    expect(jensenShannonDistance([0, 0], [1, 1])).toBeUndefined();
    expect(jensenShannonDistance([1, 1], [0, 0])).toBeUndefined();
  });
});

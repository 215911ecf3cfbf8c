import { evaluatePredictions } from '../../../src/model/training/evaluation';

describe('evaluatePredictions', () => {
  it('computes accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix', () => {
    // truth:     a a a b b c
    // predicted: a a b b c c
    const report = evaluatePredictions(['a', 'b', 'c'], Int32Array.from([0, 0, 0, 1, 1, 2]), Int32Array.from([0, 0, 1, 1, 2, 2]));
    expect(report.accuracy).toBeCloseTo(4 / 6, 12);
    expect(report.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    // a: P = 2/2, R = 2/3, F1 = 0.8;  b: P = 1/2, R = 1/2, F1 = 0.5;  c: P = 1/2, R = 1, F1 = 2/3
    expect(report.perClass.map((m) => [m.label, m.precision, m.recall, m.support])).toEqual([
      ['a', 1, 2 / 3, 3],
      ['b', 0.5, 0.5, 2],
      ['c', 0.5, 1, 1],
    ]);
    expect(report.perClass[0].f1).toBeCloseTo(0.8, 12);
    expect(report.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('gives precision 0 (not NaN) to a class that is never predicted', () => {
    const report = evaluatePredictions(['a', 'b'], Int32Array.from([0, 1]), Int32Array.from([0, 0]));
    expect(report.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../../src/model/serving';
import { evaluateModel, saveModel, trainModel } from '../../../src/model/training';
import { selectFeaturesChi2 } from '../../../src/model/training/ml-logreg-trainer';
import { TINY_CORPUS } from '../../fixtures/tiny-corpus';

describe('selectFeaturesChi2', () => {
  it('keeps the features whose weight depends most on the class, in id order', () => {
    // feature 0: only in class 0; feature 1: only in class 1; feature 2: everywhere (no information)
    const rows = [
      { indices: Int32Array.from([0, 2]), values: Float64Array.from([0.8, 0.6]) },
      { indices: Int32Array.from([0, 2]), values: Float64Array.from([0.8, 0.6]) },
      { indices: Int32Array.from([1, 2]), values: Float64Array.from([0.6, 0.8]) },
      { indices: Int32Array.from([1, 2]), values: Float64Array.from([0.6, 0.8]) },
    ];
    const labels = Int32Array.from([0, 0, 1, 1]);
    expect(Array.from(selectFeaturesChi2(rows, labels, 2, 3, 2))).toEqual([0, 1]);
    expect(Array.from(selectFeaturesChi2(rows, labels, 2, 3, 10))).toEqual([0, 1, 2]);
  });
});

describe('trainer ml-logistic-regression', () => {
  it('trains a one-vs-rest model over the selected features that survives a save/load round trip', async () => {
    const model = trainModel(TINY_CORPUS, { trainer: 'ml-logistic-regression', epochs: 300, learningRate: 1, maxFeatures: 100 });
    expect(model.output).toBe('one-vs-rest');
    expect(model.parts.vocabulary).toHaveLength(100);
    expect(model.metadata.hyperParameters).toMatchObject({ epochs: 300, maxFeatures: 100 });
    expect(evaluateModel(model, TINY_CORPUS).accuracy).toBe(1);
    const p = model.classify('the telescope and the planet');
    expect(p.label).toBe('astronomy');
    expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const dir = await mkdtemp(join(tmpdir(), 'ml-logreg-'));
    try {
      await saveModel(model, join(dir, 'm.model.json'));
      const loaded = await loadModel(join(dir, 'm.model.json'));
      expect(loaded.classify('the telescope and the planet')).toEqual(p);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../../src/model/serving';
import { evaluateModel, saveModel, trainModel } from '../../../src/model/training';
import { TINY_CORPUS } from '../../fixtures/tiny-corpus';

describe('trainModel / saveModel / loadModel', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-api-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('learns the tiny corpus and classifies unseen text', () => {
    const model = trainModel(TINY_CORPUS, { seed: 1 });
    expect(model.classes).toEqual(['astronomy', 'cooking', 'sailing']);
    expect(evaluateModel(model, TINY_CORPUS).accuracy).toBe(1);
    const prediction = model.classify('Bake the garlic bread and serve the sauce.');
    expect(prediction.label).toBe('cooking');
    expect(prediction.confidence).toBeCloseTo(prediction.probabilities.cooking, 12);
    expect(Object.values(prediction.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // "the", "garlic", "bread", "and", "the", "sauce" are known; "serve" is not.
    expect(prediction.tokenCount).toBe(8);
    expect(prediction.outOfVocabularyCount).toBe(1);
  });

  it('round-trips through the artifact: same version, same predictions', async () => {
    const model = trainModel(TINY_CORPUS, { seed: 1, metadata: { note: 'fixture' } });
    const path = join(dir, 'tiny.model.json');
    const saved = await saveModel(model, path);
    const loaded = await loadModel(path);
    expect(saved.version).toMatch(/^[0-9a-f]{16}$/);
    expect(loaded.version).toBe(saved.version);
    expect(loaded.version).toBe(model.version);
    expect(loaded.metadata).toMatchObject({ note: 'fixture', trainer: 'softmax-sgd', trainDocuments: 18 });
    for (const text of ['A comet and the moon through a telescope', 'hoist the sail', 'unknown words only', '']) {
      expect(loaded.classify(text)).toEqual(model.classify(text));
    }
  });

  it('is deterministic given a seed and changes with the seed', () => {
    const a = trainModel(TINY_CORPUS, { seed: 7 });
    const b = trainModel(TINY_CORPUS, { seed: 7 });
    const c = trainModel(TINY_CORPUS, { seed: 8 });
    expect(Buffer.from(a.parts.weights.buffer).equals(Buffer.from(b.parts.weights.buffer))).toBe(true);
    expect(Buffer.from(a.parts.weights.buffer).equals(Buffer.from(c.parts.weights.buffer))).toBe(false);
  });

  it('rejects bad options and inputs clearly', () => {
    expect(() => trainModel([], {})).toThrow('zero documents');
    expect(() => trainModel(TINY_CORPUS, { c: -1 })).toThrow('c must be a positive number');
    expect(() => trainModel(TINY_CORPUS, { epochs: 1.5 })).toThrow('epochs must be a positive integer');
    expect(() => trainModel(TINY_CORPUS.filter((d) => d.label === 'cooking'))).toThrow('at least two classes');
  });
});

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelArtifactError, loadModel } from '../../src/model/serving';
import { saveModel, trainModel } from '../../src/model/training';
import { encodeArtifact } from '../../src/model/artifact';
import { TINY_CORPUS } from '../fixtures/tiny-corpus';

describe('model artifact validation', () => {
  let dir: string;
  let good: string;
  const model = trainModel(TINY_CORPUS, { seed: 1 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'artifact-'));
    await saveModel(model, join(dir, 'good.model.json'));
    good = await readFile(join(dir, 'good.model.json'), 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadText(name: string, text: string) {
    const path = join(dir, name);
    await writeFile(path, text);
    return loadModel(path);
  }

  it('stores everything the issue lists in one file', () => {
    const envelope = JSON.parse(good);
    expect(envelope).toMatchObject({ format: 'tfidf-logreg-text-classifier', formatVersion: 2 });
    expect(Object.keys(envelope.payload).sort()).toEqual(['classes', 'idf', 'intercepts', 'metadata', 'output', 'referenceProfile', 'termCount', 'vocabulary', 'weights']);
    expect(envelope.payload.metadata).toEqual(
      expect.objectContaining({ trainer: 'softmax-sgd', hyperParameters: expect.any(Object), createdAt: expect.any(String), trainDocuments: 18 }),
    );
  });

  it.each([
    ['empty', '', 'the model file is empty'],
    ['truncated', () => good.slice(0, Math.floor(good.length / 2)), 'truncated or not JSON'],
    ['not JSON', 'model = {}', 'truncated or not JSON'],
    ['another format', '{"format":"onnx"}', 'not a model file of this service'],
    ['a newer format version', () => good.replace('"formatVersion":2', '"formatVersion":3'), 'model format version 3 is not supported'],
    ['a format-1 file with a reference profile', () => good.replace('"formatVersion":2', '"formatVersion":1'), 'a format-1 file cannot carry "referenceProfile"'],
    ['a flipped byte in the weights', () => good.replace(/("weights":\{"dtype":"float32","length":\d+,"base64":")(.)/, (_, p, c) => p + (c === 'A' ? 'B' : 'A')), 'corrupt or was edited'],
    ['an edited class name', () => good.replace('"astronomy"', '"astrology"'), 'corrupt or was edited'],
  ])('refuses %s', async (name, content, message) => {
    const text = typeof content === 'function' ? content() : content;
    await expect(loadText(`${name}.json`, text)).rejects.toThrow(ModelArtifactError);
    await expect(loadText(`${name}.json`, text)).rejects.toThrow(message);
  });

  it('refuses a consistently hashed file whose arrays have the wrong shape', async () => {
    const bad = encodeArtifact({ ...model.parts, weights: model.parts.weights.subarray(0, 10) });
    await expect(loadText('short-weights.json', bad.text)).rejects.toThrow(/field "weights" must be \{dtype:"float32", length:\d+/);
    const nan = encodeArtifact({ ...model.parts, idf: Float32Array.from(model.parts.idf, (x, i) => (i === 3 ? NaN : x)) });
    await expect(loadText('nan-idf.json', nan.text)).rejects.toThrow('"idf" contains a non-finite number at 3');
    const vocabulary = [...model.parts.vocabulary];
    vocabulary[5] = vocabulary[2];
    const duplicate = encodeArtifact({ ...model.parts, vocabulary });
    await expect(loadText('duplicate-term.json', duplicate.text)).rejects.toThrow(`invalid vocabulary (duplicate vocabulary term ${JSON.stringify(vocabulary[2])} at positions 2 and 5)`);
    const oneClass = encodeArtifact({ ...model.parts, classes: ['only'] });
    await expect(loadText('one-class.json', oneClass.text)).rejects.toThrow('at least two distinct class names');
  });

  it('loads a format-1 file (written before reference profiles) without a profile', async () => {
    const envelope = JSON.parse(good);
    delete envelope.payload.referenceProfile;
    const payloadText = JSON.stringify(envelope.payload);
    const sha = createHash('sha256').update(payloadText).digest('hex');
    const v1 = `{"format":"tfidf-logreg-text-classifier","formatVersion":1,"payloadSha256":"${sha}","payload":${payloadText}}\n`;
    const loaded = await loadText('format-1.json', v1);
    expect(loaded.referenceProfile).toBeUndefined();
    expect(loaded.classify('the telescope and the moon').label).toBe(model.classify('the telescope and the moon').label);
  });

  it('refuses a consistently hashed file whose reference profile does not add up', async () => {
    const profile = model.parts.referenceProfile!;
    const short = encodeArtifact({ ...model.parts, referenceProfile: { ...profile, labelCounts: [1] } });
    await expect(loadText('short-labels.json', short.text)).rejects.toThrow('"referenceProfile.labelCounts" must hold 3 counts, one per class');
    const counts = [...profile.signals.confidence.counts];
    counts[0] += 1;
    const extra = encodeArtifact({ ...model.parts, referenceProfile: { ...profile, signals: { ...profile.signals, confidence: { ...profile.signals.confidence, counts } } } });
    await expect(loadText('extra-count.json', extra.text)).rejects.toThrow(`"referenceProfile.signals.confidence".counts add up to ${profile.documents + 1}, not to the ${profile.documents} documents`);
  });

  it('explains a missing path and a directory', async () => {
    await expect(loadModel(join(dir, 'nope.model.json'))).rejects.toThrow(/model file not found: .*nope\.model\.json — train one with/);
    await expect(loadModel(dir)).rejects.toThrow('model path is a directory');
  });

  it('saves atomically: no temporary file is left behind', async () => {
    await saveModel(model, join(dir, 'again.model.json'));
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

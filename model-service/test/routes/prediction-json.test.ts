import type { Prediction } from '../../src/model/classifier';
import { predictionJsonWriter } from '../../src/routes/prediction-json';

describe('predictionJsonWriter', () => {
  const classes = ['rec.autos', 'quote"and\\back', 'ünïcödé', 'line\nbreak'];
  const id = '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331';
  const write = predictionJsonWriter(classes, '98cdf6ee87201bcb');
  const prediction = (label: string, values: number[]): Prediction => ({
    label,
    confidence: Math.max(...values),
    probabilities: Object.fromEntries(classes.map((c, i) => [c, values[i]])),
    tokenCount: 3,
    outOfVocabularyCount: 0,
  });

  it.each([
    ['ordinary probabilities', 'rec.autos', [0.93, 0.05, 0.015, 0.005]],
    ['tiny and exact values', 'ünïcödé', [1e-7, 2.5e-12, 0.9999999, 0]],
    ['class names that need escaping', 'quote"and\\back', [0.25, 0.5, 0.125, 0.125]],
    ['a label outside the class list', 'other', [0.1, 0.2, 0.3, 0.4]],
  ])('writes exactly JSON.stringify of the answer: %s', (_name, label, values) => {
    const p = prediction(label as string, values as number[]);
    const expected = JSON.stringify({ result: p.label, confidence: p.confidence, probabilities: p.probabilities, modelVersion: '98cdf6ee87201bcb', predictionId: id });
    expect(write(p, id)).toBe(expected);
  });

  it('writes non-finite numbers as null, as JSON does', () => {
    const p = prediction('rec.autos', [NaN, Infinity, 0, 1]);
    expect(JSON.parse(write(p, id)).probabilities).toEqual({ 'rec.autos': null, 'quote"and\\back': null, 'ünïcödé': 0, 'line\nbreak': 1 });
  });
});

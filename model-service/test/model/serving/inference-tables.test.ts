import { DuplicateTermError, InferenceTables } from '../../../src/model/serving/inference-tables';
import { mixedText, scannerModel } from '../../fixtures/scanner-model';
import { referenceScan } from '../../support/reference-scanner';
import { TINY_CORPUS } from '../../fixtures/tiny-corpus';

describe('InferenceTables (the serving layout of a linear text model)', () => {
  const { training, vocabulary, idf, classCount, weights } = scannerModel(400);
  const tables = InferenceTables.build(vocabulary, idf, weights, classCount);

  it('tokenizes and looks up exactly as the training scanner does', () => {
    for (let seed = 2; seed < 40; seed++) {
      const text = mixedText(seed, 200) + TINY_CORPUS[seed % TINY_CORPUS.length].text;
      const expected = training.scan(text);
      const actual = referenceScan(tables, text);
      expect(Array.from(actual.termIds)).toEqual(Array.from(expected.termIds));
      expect(actual.tokenCount).toBe(expected.tokenCount);
      expect(actual.outOfVocabularyCount).toBe(expected.outOfVocabularyCount);
    }
  });

  it('counts unknown words as out of vocabulary and handles empty and huge inputs', () => {
    expect(referenceScan(tables, '')).toEqual({ termIds: new Int32Array(0), tokenCount: 0, outOfVocabularyCount: 0 });
    expect(referenceScan(tables, 'qqqq zzzzzz 99999999').outOfVocabularyCount).toBe(3);
    const huge = 'the engine '.repeat(20_000);
    expect(referenceScan(tables, huge).termIds.length).toBe(training.scan(huge).termIds.length);
  });

  it('refuses a vocabulary that repeats a term', () => {
    expect(() => InferenceTables.build(['aa', 'bb', 'aa'], [1, 1, 1], [0, 0, 0], 1)).toThrow(DuplicateTermError);
    expect(() => InferenceTables.build(['aa', 'bb', 'aa'], [1, 1, 1], [0, 0, 0], 1)).toThrow('duplicate vocabulary term "aa" at positions 0 and 2');
  });
});

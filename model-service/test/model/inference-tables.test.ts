import { DuplicateTermError, InferenceTables } from '../../src/model/inference-tables';
import { TermIndex } from '../../src/model/term-index';
import { documentFrequencies, smoothIdf } from '../../src/model/tfidf';
import { TINY_CORPUS } from '../fixtures/tiny-corpus';

/** Deterministic text mixing ASCII words, Latin-1 and other BMP letters, digits, punctuation and long runs. */
function mixedText(seed: number, words: number): string {
  const pieces = ['the', 'Engine', 'ENGINE', 'puck', 'a', 'x1', '42', 'café', 'NAÏVE', 'Straße', 'é', 'İstanbul', 'ĳssel', 'Ωmega',
    '日本語', 'a_b', '__', 'foo@bar.com', 'e-mail', '3.14', '½', '²³', 'ＦＵＬＬ', 'z'.repeat(300), '\u{1F600}x', 'tab\tsep', 'new\nline'];
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  return Array.from({ length: words }, () => pieces[next() % pieces.length] + (next() % 7 === 0 ? '' : ' ')).join('');
}

describe('InferenceTables (the serving layout of a linear text model)', () => {
  const training = new TermIndex();
  const trainIds = TINY_CORPUS.map((d) => training.scan(d.text, true).termIds);
  training.scan(mixedText(1, 400), true);
  const vocabulary = training.terms();
  const idf = Float32Array.from(smoothIdf(documentFrequencies(trainIds, vocabulary.length), trainIds.length));
  const classCount = 3;
  const weights = Float32Array.from({ length: vocabulary.length * classCount }, (_, i) => Math.sin(i) / 2);
  const tables = InferenceTables.build(vocabulary, idf, weights, classCount);

  it('tokenizes and looks up exactly as the training scanner does', () => {
    for (let seed = 2; seed < 40; seed++) {
      const text = mixedText(seed, 200) + TINY_CORPUS[seed % TINY_CORPUS.length].text;
      const expected = training.scan(text);
      const actual = tables.scan(text);
      expect(Array.from(actual.termIds)).toEqual(Array.from(expected.termIds));
      expect(actual.tokenCount).toBe(expected.tokenCount);
      expect(actual.outOfVocabularyCount).toBe(expected.outOfVocabularyCount);
    }
  });

  it('counts unknown words as out of vocabulary and handles empty and huge inputs', () => {
    expect(tables.scan('')).toEqual({ termIds: new Int32Array(0), tokenCount: 0, outOfVocabularyCount: 0 });
    expect(tables.scan('qqqq zzzzzz 99999999').outOfVocabularyCount).toBe(3);
    const huge = 'the engine '.repeat(20_000);
    expect(tables.scan(huge).termIds.length).toBe(training.scan(huge).termIds.length);
  });

  it('refuses a vocabulary that repeats a term', () => {
    expect(() => InferenceTables.build(['aa', 'bb', 'aa'], [1, 1, 1], [0, 0, 0], 1)).toThrow(DuplicateTermError);
    expect(() => InferenceTables.build(['aa', 'bb', 'aa'], [1, 1, 1], [0, 0, 0], 1)).toThrow('duplicate vocabulary term "aa" at positions 0 and 2');
  });
});

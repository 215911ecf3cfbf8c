import { TermIndex } from '../../../src/model/training/term-index';
import { TfidfVectorizer, documentFrequencies, smoothIdf } from '../../../src/model/training/tfidf';

describe('TF-IDF (scikit-learn defaults: raw counts, smooth idf, L2 rows)', () => {
  // Worked by hand: n = 3 documents.
  //   df(apple) = 1, df(banana) = 2, df(cherry) = 2, df(date) = 1
  //   idf = ln((1 + n) / (1 + df)) + 1  →  apple, date: ln(4/2) + 1 = 1.6931472
  //                                        banana, cherry: ln(4/3) + 1 = 1.2876821
  //   doc 1 "apple banana apple": (2 · 1.6931472, 1.2876821) / ‖·‖ = (0.9347020, 0.3554325)
  //   doc 2 "banana cherry":      (1.2876821, 1.2876821) / ‖·‖ = (0.7071068, 0.7071068)
  //   doc 3 "Cherry cherry date": (2 · 1.2876821, 1.6931472) / ‖·‖ = (0.8355915, 0.5493512)
  const corpus = ['apple banana apple', 'banana cherry', 'Cherry cherry date'];
  const index = new TermIndex();
  const docs = corpus.map((text) => index.scan(text, true).termIds);
  const idf = smoothIdf(documentFrequencies(docs, index.size), docs.length);
  const vectorizer = new TfidfVectorizer(idf);
  const id = (term: string) => index.idOf(term);
  const asMap = (termIds: Int32Array) => {
    const { indices, values } = vectorizer.transform(termIds);
    return Object.fromEntries(Array.from(indices, (t, k) => [index.term(t), values[k]]));
  };

  it('computes smooth idf', () => {
    expect(idf[id('apple')]).toBeCloseTo(1.6931472, 6);
    expect(idf[id('banana')]).toBeCloseTo(1.2876821, 6);
    expect(idf[id('cherry')]).toBeCloseTo(1.2876821, 6);
    expect(idf[id('date')]).toBeCloseTo(1.6931472, 6);
  });

  it('weights raw counts by idf and L2-normalises each row', () => {
    const rows = docs.map(asMap);
    expect(Object.keys(rows[0]).sort()).toEqual(['apple', 'banana']);
    expect(rows[0].apple).toBeCloseTo(0.934702, 6);
    expect(rows[0].banana).toBeCloseTo(0.3554325, 6);
    expect(rows[1].banana).toBeCloseTo(0.7071068, 6);
    expect(rows[1].cherry).toBeCloseTo(0.7071068, 6);
    expect(rows[2].cherry).toBeCloseTo(0.8355915, 6);
    expect(rows[2].date).toBeCloseTo(0.5493512, 6);
  });

  it('gives an empty row (not NaN) for a document without known terms, and reuses its scratch space cleanly', () => {
    expect(vectorizer.transform(new Int32Array(0))).toEqual({ indices: new Int32Array(0), values: new Float64Array(0) });
    // The same row twice in a row must not leak counts from the previous call.
    expect(asMap(docs[0])).toEqual(asMap(docs[0]));
  });
});

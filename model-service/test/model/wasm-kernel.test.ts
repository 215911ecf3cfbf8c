import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { InferenceTables } from '../../src/model/inference-tables';
import { TermIndex } from '../../src/model/term-index';
import type { SparseVector } from '../../src/model/classifier';
import { documentFrequencies, smoothIdf, TfidfVectorizer } from '../../src/model/tfidf';
import { WasmKernel } from '../../src/model/wasm/wasm-kernel';
import { TINY_CORPUS } from '../fixtures/tiny-corpus';

/** Text mixing ASCII, Latin-1, other BMP letters, characters outside the BMP, lone surrogates and long runs. */
function mixedText(seed: number, words: number): string {
  const pieces = ['the', 'Engine', 'ENGINE', 'puck', 'a', 'x1', '42', 'café', 'NAÏVE', 'Straße', 'é', 'İstanbul', 'ĳssel', 'Ωmega',
    '日本語', 'a_b', '__', 'foo@bar.com', 'e-mail', '3.14', '½', '²³', 'ＦＵＬＬ', 'z'.repeat(300), '\u{1F600}x', 'ab\u{1D400}cd',
    'lone\uD800surrogate', 'tab\tsep', 'new\nline', '\u00A0nbsp'];
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  return Array.from({ length: words }, () => pieces[next() % pieces.length] + (next() % 7 === 0 ? '' : ' ')).join('');
}

describe('WasmKernel (the WebAssembly inference stages)', () => {
  const training = new TermIndex();
  const trainIds = TINY_CORPUS.map((d) => training.scan(d.text, true).termIds);
  training.scan(mixedText(1, 500), true);
  const vocabulary = training.terms();
  const idf = Float32Array.from(smoothIdf(documentFrequencies(trainIds, vocabulary.length), trainIds.length));
  const classCount = 3;
  const weights = Float32Array.from({ length: vocabulary.length * classCount }, (_, i) => Math.sin(i) / 2);
  const intercepts = Float64Array.from([0.1, -0.2, 0.3]);
  const reference = InferenceTables.build(vocabulary, idf, weights, classCount);
  const kernel = new WasmKernel(reference.layout(), intercepts);
  // References: the training vectorizer for tf-idf, a dense dot product for the scores.
  const vectorizer = new TfidfVectorizer(Float64Array.from(idf));
  const denseScores = (vector: SparseVector) => Array.from(intercepts, (intercept, c) => {
    let score = intercept;
    vector.indices.forEach((t, k) => {
      score += vector.values[k] * weights[t * classCount + c];
    });
    return score;
  });

  const texts = [
    ...Array.from({ length: 40 }, (_, seed) => mixedText(seed + 2, 200) + TINY_CORPUS[seed % TINY_CORPUS.length].text),
    '', ' .,;!? ', 'a', 'ab', 'the engine',
  ];

  it('tokenizes, weighs and scores exactly as the JavaScript reference', () => {
    for (const text of texts) {
      const expected = reference.scan(text);
      const actual = kernel.scan(text);
      expect(Array.from(actual.termIds)).toEqual(Array.from(expected.termIds));
      expect([actual.tokenCount, actual.outOfVocabularyCount]).toEqual([expected.tokenCount, expected.outOfVocabularyCount]);
      const expectedVector = vectorizer.transform(expected.termIds);
      const vector = kernel.tfidf(actual.termIds);
      expect(Array.from(vector.indices)).toEqual(Array.from(expectedVector.indices));
      expect(Array.from(vector.values)).toEqual(Array.from(expectedVector.values));
      expect(Array.from(kernel.scores(vector, new Float64Array(classCount)))).toEqual(denseScores(expectedVector));
    }
  });

  it('accepts stage inputs that are not the latest outputs (documents interleaved)', () => {
    const scans = texts.map((text) => kernel.scan(text));
    const vectors = scans.map((scan) => kernel.tfidf(scan.termIds));
    vectors.forEach((vector, i) => {
      const expected = vectorizer.transform(reference.scan(texts[i]).termIds);
      expect(Array.from(vector.values)).toEqual(Array.from(expected.values));
    });
    const scores = vectors.map((vector) => Array.from(kernel.scores(vector, new Float64Array(classCount))));
    vectors.forEach((vector, i) => expect(scores[i]).toEqual(denseScores(vector)));
  });

  it('leaves no state behind between documents', () => {
    const ids = kernel.scan(TINY_CORPUS[0].text).termIds;
    const first = Array.from(kernel.tfidf(ids).values);
    kernel.tfidf(kernel.scan(TINY_CORPUS[1].text).termIds);
    expect(Array.from(kernel.tfidf(ids).values)).toEqual(first);
  });

  it('grows its memory for documents larger than its first scratch area', () => {
    const huge = `${'the engine café '.repeat(60_000)}${'z'.repeat(100_000)} Ωmega`;
    const expected = reference.scan(huge);
    const actual = kernel.scan(huge);
    expect(actual.termIds.length).toBe(expected.termIds.length);
    expect(actual.tokenCount).toBe(expected.tokenCount);
    expect(Array.from(kernel.tfidf(actual.termIds).values)).toEqual(Array.from(vectorizer.transform(expected.termIds).values));
    // and still works for small documents afterwards
    expect(Array.from(kernel.scan('the engine').termIds)).toEqual(Array.from(reference.scan('the engine').termIds));
  });

  it('embeds the WebAssembly compiled from the current assembly/inference.ts', () => {
    // Fails when the AssemblyScript source changed without `npm run build:wasm -w model-service`.
    expect(() => execFileSync(process.execPath, [join(__dirname, '../../scripts/build-wasm.js'), '--check'], { stdio: 'pipe' })).not.toThrow();
  }, 60_000);
});

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { InferenceTables } from '../../../src/model/serving/inference-tables';
import type { SparseVector } from '../../../src/model/classifier';
import { TfidfVectorizer } from '../../../src/model/training/tfidf';
import { WasmKernel } from '../../../src/model/serving/wasm/wasm-kernel';
import { mixedText, scannerModel } from '../../fixtures/scanner-model';
import { referenceScan } from '../../support/reference-scanner';
import { TINY_CORPUS } from '../../fixtures/tiny-corpus';

describe('WasmKernel (the WebAssembly inference stages)', () => {
  const { training, vocabulary, idf, classCount, weights } = scannerModel(500);
  const intercepts = Float64Array.from([0.1, -0.2, 0.3]);
  const tables = InferenceTables.build(vocabulary, idf, weights, classCount);
  const kernel = new WasmKernel(tables.layout(), intercepts);
  const reference = { scan: (text: string) => referenceScan(tables, text) };
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
      // and the one tokenizer rule: what the training scanner finds in the same vocabulary
      expect(Array.from(actual.termIds)).toEqual(Array.from(training.scan(text).termIds));
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
    expect(() => execFileSync(process.execPath, [join(__dirname, '../../../scripts/build-wasm.js'), '--check'], { stdio: 'pipe' })).not.toThrow();
  }, 60_000);
});

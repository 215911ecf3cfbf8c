/**
 * The JavaScript reference of the serving tokenizer: tokenizes `text` by the training rule
 * (lowercase through WORD_LOWER, maximal runs of 2+ word characters) and looks every token up
 * in the serving tables' slots by their two hashes, as the WebAssembly kernel does. The tests
 * hold the kernel to it token for token, and it to the training scanner.
 */
import { WORD_LOWER } from '../../src/model/char-classes';
import type { TokenizedDocument } from '../../src/model/classifier';
import { EMPTY_SLOT, FNV_OFFSET, FNV_PRIME, InferenceTables, findTerm, mixSecondHash } from '../../src/model/serving/inference-tables';

export function referenceScan(tables: InferenceTables, text: string): TokenizedDocument {
  const { slots, mask, seed } = tables.layout();
  const ids: number[] = [];
  let tokenCount = 0;
  let oov = 0;
  let i = 0;
  while (i < text.length) {
    if (WORD_LOWER[text.charCodeAt(i)] < 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && WORD_LOWER[text.charCodeAt(i)] >= 0) i++;
    if (i - start < 2) continue;
    tokenCount++;
    let h1 = FNV_OFFSET;
    let h2 = seed;
    for (let k = start; k < i; k++) {
      const c = WORD_LOWER[text.charCodeAt(k)];
      h1 = Math.imul(h1 ^ c, FNV_PRIME);
      h2 = mixSecondHash(h2, c);
    }
    const id = findTerm(slots, mask, h1, h2);
    if (id === EMPTY_SLOT) oov++;
    else ids.push(id);
  }
  return { termIds: Int32Array.from(ids), tokenCount, outOfVocabularyCount: oov };
}

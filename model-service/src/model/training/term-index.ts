import { WORD_LOWER } from '../char-classes';
import type { TokenizedDocument } from '../classifier';

/**
 * Vocabulary lookup straight from document text to term ids.
 *
 * Hand-written rather than `Map<string, number>` because prediction must stay
 * in the tens of microseconds: scanning char codes, lowercasing through a
 * table and hashing as we go means no substring, no lowercased copy and no
 * string hashing per token. Terms live in one open-addressing hash table
 * (FNV-1a over lowercased UTF-16 code units, linear probing) whose keys are
 * compared against a flat array of term characters.
 *
 * The same scanner builds the vocabulary during training (`insert = true`), so
 * training and serving cannot disagree on what a token is.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const EMPTY = -1;

export class TermIndex {
  private chars: Uint16Array;
  private charCount = 0;
  private starts: Int32Array;
  private hashes: Uint32Array;
  private table: Int32Array;
  private mask: number;
  private count = 0;
  /** Per-scan scratch buffers, reused so a scan allocates only its result. */
  private tokenBuf: Uint16Array = new Uint16Array(256);
  private idBuf: Int32Array = new Int32Array(1024);

  constructor(expectedTerms = 1024) {
    let tableSize = 1024;
    while (tableSize < expectedTerms * 2) tableSize *= 2;
    this.table = new Int32Array(tableSize).fill(EMPTY);
    this.mask = tableSize - 1;
    this.starts = new Int32Array(Math.max(expectedTerms, 16) + 1);
    this.hashes = new Uint32Array(Math.max(expectedTerms, 16));
    this.chars = new Uint16Array(Math.max(expectedTerms * 8, 256));
  }

  /** Builds an index whose term ids are the positions in `terms` (which must be distinct). */
  static fromTerms(terms: readonly string[]): TermIndex {
    const index = new TermIndex(terms.length);
    for (let i = 0; i < terms.length; i++) {
      const id = index.addTerm(terms[i]);
      if (id !== i) throw new Error(`duplicate vocabulary term ${JSON.stringify(terms[i])} at position ${i}`);
    }
    return index;
  }

  get size(): number {
    return this.count;
  }

  /** The term with id `id`. */
  term(id: number): string {
    if (id < 0 || id >= this.count) throw new RangeError(`term id ${id} out of range 0..${this.count - 1}`);
    return String.fromCharCode.apply(null, Array.from(this.chars.subarray(this.starts[id], this.starts[id + 1])));
  }

  /** All terms in id order. */
  terms(): string[] {
    const out = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.term(i);
    return out;
  }

  /** Id of `term` (taken as is, not lowercased), or -1. */
  idOf(term: string): number {
    const buf = this.ensureTokenBuf(term.length);
    return this.find(buf, term.length, this.copyAndHash(term, buf));
  }

  /** Copies `term`'s char codes into `buf` and returns their FNV-1a hash, as `scan` hashes a token. */
  private copyAndHash(term: string, buf: Uint16Array): number {
    let h = FNV_OFFSET;
    for (let i = 0; i < term.length; i++) {
      const c = term.charCodeAt(i);
      buf[i] = c;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    return h >>> 0;
  }

  /** Adds `term` verbatim (not lowercased) and returns its id; an existing term keeps its id. */
  addTerm(term: string): number {
    const buf = this.ensureTokenBuf(term.length);
    const h = this.copyAndHash(term, buf);
    const found = this.find(buf, term.length, h);
    return found >= 0 ? found : this.insert(buf, term.length, h);
  }

  /**
   * Tokenizes `text` the scikit-learn way (lowercase, maximal runs of 2+ word
   * characters) and maps tokens to ids. With `insert`, unknown tokens are added
   * to the vocabulary instead of counted as out-of-vocabulary.
   */
  scan(text: string, insert = false): TokenizedDocument {
    const length = text.length;
    let buf: Uint16Array = this.tokenBuf;
    let ids: Int32Array = this.idBuf;
    let idCount = 0;
    let tokenCount = 0;
    let oov = 0;
    let tokenLength = 0;
    let h = FNV_OFFSET;
    // i === length acts as a final non-word character that ends the last token.
    for (let i = 0; i <= length; i++) {
      if (i < length) {
        const lc = WORD_LOWER[text.charCodeAt(i)];
        if (lc >= 0) {
          if (tokenLength === buf.length) buf = this.ensureTokenBuf(tokenLength * 2);
          buf[tokenLength++] = lc;
          h = Math.imul(h ^ lc, FNV_PRIME);
          continue;
        }
      }
      if (tokenLength >= 2) {
        tokenCount++;
        const hash = h >>> 0;
        let id = this.find(buf, tokenLength, hash);
        if (id < 0 && insert) id = this.insert(buf, tokenLength, hash);
        if (id < 0) {
          oov++;
        } else {
          if (idCount === ids.length) ids = this.idBuf = doubled(ids);
          ids[idCount++] = id;
        }
      }
      tokenLength = 0;
      h = FNV_OFFSET;
    }
    return { termIds: ids.slice(0, idCount), tokenCount, outOfVocabularyCount: oov };
  }

  private ensureTokenBuf(length: number): Uint16Array {
    if (this.tokenBuf.length < length) {
      const grown = new Uint16Array(Math.max(length, this.tokenBuf.length * 2));
      grown.set(this.tokenBuf);
      this.tokenBuf = grown;
    }
    return this.tokenBuf;
  }

  private find(buf: Uint16Array, length: number, hash: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = table[slot];
      if (id === EMPTY) return -1;
      if (this.hashes[id] !== hash) continue;
      const start = this.starts[id];
      if (this.starts[id + 1] - start !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (this.chars[start + k] !== buf[k]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
  }

  private insert(buf: Uint16Array, length: number, hash: number): number {
    const id = this.count;
    if (id + 2 > this.starts.length || id >= this.hashes.length) {
      const starts = new Int32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const hashes = new Uint32Array(starts.length);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    if (this.charCount + length > this.chars.length) {
      const chars = new Uint16Array(Math.max(this.chars.length * 2, this.charCount + length));
      chars.set(this.chars);
      this.chars = chars;
    }
    this.chars.set(buf.subarray(0, length), this.charCount);
    this.starts[id] = this.charCount;
    this.charCount += length;
    this.starts[id + 1] = this.charCount;
    this.hashes[id] = hash;
    this.count++;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(id, hash);
    return id;
  }

  private place(id: number, hash: number): void {
    let slot = hash & this.mask;
    while (this.table[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.table[slot] = id;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (let id = 0; id < this.count; id++) this.place(id, this.hashes[id]);
  }
}

/** A full term-id buffer, doubled (the scanners reuse one buffer across documents and grow it on demand). */
export function doubled(ids: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(ids.length * 2);
  grown.set(ids);
  return grown;
}

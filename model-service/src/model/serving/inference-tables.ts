
/**
 * The serving-side layout of a trained linear text model: read-only tables
 * shaped so that classifying a document touches as few cache lines as possible.
 *
 * Why not serve from `TermIndex` (which training uses): a lookup there reads
 * the hash slot, the term's hash, its start offset and its characters, four
 * cache lines per token, and the tf-idf and score stages then read the idf and
 * the weights from two more arrays. In the server, where request handling,
 * logging and span export evict the vocabulary between requests, those misses
 * were most of the model's time (tokenize ~17 µs per document in the server
 * against ~11 µs in a hot loop). Here a token costs one slot read, and a
 * distinct term one record read (`[idf, w_0 .. w_K-1]` side by side):
 * tokenize + tfidf + scores run ~35 % faster in a cache-cold micro-benchmark.
 *
 * A slot holds two independent 32-bit hashes of the term and its id; a token
 * matches when both hashes match, so the term's characters are never read. A
 * word that is not in the vocabulary is mistaken for one only if both hashes
 * collide, about 2^-63 per lookup (one error per ~10^13 years at 100k unknown
 * words per second). Two vocabulary terms sharing both hashes would make one
 * unreachable: `build` detects that and rehashes with another seed.
 *
 * The service runs tokenize, tf-idf and scores in WebAssembly over these
 * tables (`layout()`, ./wasm/wasm-kernel.ts). The tests check the kernel token
 * for token against the training scanner (`TermIndex.scan`, same WORD_LOWER
 * rule) and against a JavaScript reference lookup over these tables
 * (test/support/reference-scanner.ts, built on the exports below), and its
 * tf-idf and scores against the training vectorizer and a dot product.
 */

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;
/** Second hash: a Murmur-style multiply and xor-shift over the same code units, seeded. */
const SECOND_PRIME = 0x5bd1e995;
const SECOND_SEEDS = [0x9747b28c, 0x2545f491, 0x6a09e667, 0x3c6ef372];
export const EMPTY_SLOT = -1;
/** Int32 words per slot: first hash, second hash, term id. */
export const SLOT_WORDS = 3;

export class DuplicateTermError extends Error {}

/** The tables' raw arrays, for the WebAssembly kernel (./wasm/wasm-kernel.ts) to copy. */
export interface InferenceLayout {
  /** SLOT_WORDS Int32 per slot: first hash, second hash, term id (-1 = empty). */
  readonly slots: Int32Array;
  readonly mask: number;
  /** Seed of the second hash. */
  readonly seed: number;
  /** Per term: idf, then classCount weights. */
  readonly records: Float32Array;
  readonly termCount: number;
  readonly classCount: number;
}

export class InferenceTables {
  /**
   * Per term: idf, then one weight per class (stride classCount + 1). Float32
   * loses nothing (the artifact stores both as Float32) and halves the bytes
   * the tf-idf and score stages pull through the cache.
   */
  private readonly records: Float32Array;

  private constructor(
    private readonly slots: Int32Array,
    private readonly mask: number,
    private readonly seed: number,
    readonly termCount: number,
    readonly classCount: number,
    idf: ArrayLike<number>,
    weights: ArrayLike<number>,
  ) {
    const stride = classCount + 1;
    this.records = new Float32Array(termCount * stride);
    for (let t = 0; t < termCount; t++) {
      const base = t * stride;
      this.records[base] = idf[t];
      for (let c = 0; c < classCount; c++) this.records[base + 1 + c] = weights[t * classCount + c];
    }
  }

  /**
   * Builds the tables for `vocabulary` (term id = position), `idf` per term and
   * `weights` as [term][class]. Throws DuplicateTermError if a term repeats.
   */
  static build(vocabulary: readonly string[], idf: ArrayLike<number>, weights: ArrayLike<number>, classCount: number): InferenceTables {
    let size = 1024;
    while (size < vocabulary.length * 2) size *= 2;
    for (const seed of SECOND_SEEDS) {
      const slots = fillSlots(vocabulary, size, seed);
      if (slots !== undefined) return new InferenceTables(slots, size - 1, seed, vocabulary.length, classCount, idf, weights);
    }
    throw new Error(`vocabulary hash collisions under ${SECOND_SEEDS.length} seeds: this should never happen`);
  }

  layout(): InferenceLayout {
    return { slots: this.slots, mask: this.mask, seed: this.seed, records: this.records, termCount: this.termCount, classCount: this.classCount };
  }
}

/** One step of the second hash over a lowercased code unit. */
export function mixSecondHash(h: number, c: number): number {
  const m = Math.imul(h ^ c, SECOND_PRIME);
  return m ^ (m >>> 13);
}

/** The term id stored under both hashes, or EMPTY_SLOT. */
export function findTerm(slots: Int32Array, mask: number, h1: number, h2: number): number {
  for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
    const at = slot * SLOT_WORDS;
    const id = slots[at + 2];
    if (id === EMPTY_SLOT) return EMPTY_SLOT;
    if (slots[at] === h1 && slots[at + 1] === h2) return id;
  }
}

/** The slot table for `vocabulary` under `seed`, or undefined if two distinct terms share both hashes. */
function fillSlots(vocabulary: readonly string[], size: number, seed: number): Int32Array | undefined {
  const slots = new Int32Array(size * SLOT_WORDS);
  for (let s = 0; s < size; s++) slots[s * SLOT_WORDS + 2] = EMPTY_SLOT;
  const mask = size - 1;
  for (let id = 0; id < vocabulary.length; id++) {
    const term = vocabulary[id];
    let h1 = FNV_OFFSET;
    let h2 = seed;
    for (let k = 0; k < term.length; k++) {
      const c = term.charCodeAt(k);
      h1 = Math.imul(h1 ^ c, FNV_PRIME);
      h2 = mixSecondHash(h2, c);
    }
    let slot = h1 & mask;
    for (; slots[slot * SLOT_WORDS + 2] !== EMPTY_SLOT; slot = (slot + 1) & mask) {
      const at = slot * SLOT_WORDS;
      if (slots[at] !== h1 || slots[at + 1] !== h2) continue;
      const other = slots[at + 2];
      if (vocabulary[other] === term) throw new DuplicateTermError(`duplicate vocabulary term ${JSON.stringify(term)} at positions ${other} and ${id}`);
      return undefined;
    }
    const at = slot * SLOT_WORDS;
    slots[at] = h1;
    slots[at + 1] = h2;
    slots[at + 2] = id;
  }
  return slots;
}

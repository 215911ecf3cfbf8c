import type { SparseVector, TokenizedDocument } from '../../classifier';
import { WORD_LOWER } from '../../char-classes';
import type { InferenceLayout } from '../inference-tables';
import { INFERENCE_WASM_BASE64 } from './inference-wasm';

/*
 * The WebAssembly JS API, as much of it as used here: the project compiles
 * against lib ES2022, which does not declare it (Node provides it globally).
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown };
};

/** The kernel's exports (assembly/inference.ts). */
interface KernelExports {
  readonly memory: WasmMemory;
  configure(lower: number, slots: number, mask: number, seed: number, records: number, classCount: number, counts: number,
    ids: number, idCapacity: number, order: number, values: number, scores: number, intercepts: number): void;
  scan(textPtr: number, byteLength: number): number;
  tokenCount(): number;
  oovCount(): number;
  tfidf(idCount: number): number;
  scores(distinct: number): void;
}

const compiled = new WebAssembly.Module(Buffer.from(INFERENCE_WASM_BASE64, 'base64'));
const PAGE = 65_536;
/** Scratch sized for documents up to this many UTF-8 bytes at first; grown on demand. */
const INITIAL_TEXT_BYTES = 64 * 1024;

const align = (n: number) => (n + 15) & ~15;

/**
 * Runs the three inference stages of one model in WebAssembly (see
 * assembly/inference.ts for why). Memory: the fixed tables (lowercase table,
 * hash slots, [idf, weights] records, per-term counts, intercepts) first, then
 * a scratch area (document bytes, term ids, distinct ids, tf-idf values) that
 * grows when a document needs more. Each stage's output is copied out, so the
 * stages keep the TextClassifier contract (any vector can be scored).
 */
export class WasmKernel {
  private readonly exports: KernelExports;
  private readonly encoder = new TextEncoder();
  private readonly fixedEnd: number;
  private readonly pointers: { lower: number; slots: number; records: number; counts: number; scores: number; intercepts: number };
  private textPtr = 0;
  private textCapacity = 0;
  private idsPtr = 0;
  private idCapacity = 0;
  private orderPtr = 0;
  private valuesPtr = 0;
  // Views over linear memory, renewed whenever it grows (growing detaches the old buffer).
  private bytes = new Uint8Array(0);
  private ids = new Int32Array(0);
  private order = new Int32Array(0);
  private values = new Float64Array(0);
  private scoreView = new Float64Array(0);
  /** What the ids and order/values regions hold, so a stage given exactly that can skip copying it back in. */
  private lastTermIds: Int32Array | undefined;
  private lastVector: SparseVector | undefined;

  constructor(private readonly layout: InferenceLayout, intercepts: ArrayLike<number>) {
    const instance = new WebAssembly.Instance(compiled, { env: { abort: kernelAbort } });
    this.exports = instance.exports as unknown as KernelExports;
    const K = layout.classCount;
    let offset = 1024; // below: the kernel's own globals and data
    const take = (bytes: number) => {
      const at = offset;
      offset += align(bytes);
      return at;
    };
    this.pointers = {
      lower: take(0x10000 * 2),
      slots: take(layout.slots.byteLength),
      records: take(layout.records.byteLength),
      counts: take(layout.termCount * 4),
      scores: take(K * 8),
      intercepts: take(K * 8),
    };
    this.fixedEnd = offset;
    this.allocateScratch(INITIAL_TEXT_BYTES);
    const buffer = this.exports.memory.buffer;
    const lower = new Uint16Array(buffer, this.pointers.lower, 0x10000);
    // The kernel's table: 0 = not a word character (no code unit lowercases to 0).
    for (let c = 0; c < 0x10000; c++) lower[c] = WORD_LOWER[c] < 0 ? 0 : WORD_LOWER[c];
    new Int32Array(buffer, this.pointers.slots, layout.slots.length).set(layout.slots);
    new Float32Array(buffer, this.pointers.records, layout.records.length).set(layout.records);
    new Float64Array(buffer, this.pointers.intercepts, K).set(intercepts);
  }

  scan(text: string): TokenizedDocument {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (text.length * 3 > this.textCapacity) this.allocateScratch(text.length * 3);
    const { written } = this.encoder.encodeInto(text, this.bytes.subarray(this.textPtr, this.textPtr + this.textCapacity));
    const count = this.exports.scan(this.textPtr, written);
    if (count < 0) throw new Error('inference kernel: term id buffer too small (this is a bug)');
    const termIds = this.ids.slice(0, count);
    this.lastTermIds = termIds;
    return { termIds, tokenCount: this.exports.tokenCount(), outOfVocabularyCount: this.exports.oovCount() };
  }

  tfidf(termIds: Int32Array): SparseVector {
    if (termIds !== this.lastTermIds) {
      if (termIds.length > this.idCapacity) this.allocateScratch(termIds.length * 2);
      this.ids.set(termIds);
      this.lastTermIds = termIds; // the ids region now holds these
    }
    const distinct = this.exports.tfidf(termIds.length);
    const vector = { indices: this.order.slice(0, distinct), values: this.values.slice(0, distinct) };
    this.lastVector = vector;
    return vector;
  }

  /** Writes intercepts + vector · weights into `scores`. */
  scores(vector: SparseVector, scores: Float64Array): Float64Array {
    if (vector !== this.lastVector) {
      if (vector.indices.length > this.idCapacity) this.allocateScratch(vector.indices.length * 2);
      this.order.set(vector.indices);
      this.values.set(vector.values);
      this.lastVector = vector; // the order/values regions now hold this vector
    }
    this.exports.scores(vector.indices.length);
    scores.set(this.scoreView);
    return scores;
  }

  /** Lays the scratch area out for documents of up to `textBytes` UTF-8 bytes, growing memory as needed. */
  private allocateScratch(textBytes: number): void {
    this.textCapacity = align(Math.max(textBytes, INITIAL_TEXT_BYTES));
    // A token is 2+ bytes plus a separator, so a document has at most bytes/2 + 1 tokens.
    this.idCapacity = (this.textCapacity >> 1) + 1;
    this.textPtr = this.fixedEnd;
    this.idsPtr = this.textPtr + this.textCapacity;
    this.orderPtr = this.idsPtr + align(this.idCapacity * 4);
    this.valuesPtr = this.orderPtr + align(this.idCapacity * 4);
    const end = this.valuesPtr + this.idCapacity * 8;
    const memory = this.exports.memory;
    const missing = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
    if (missing > 0) memory.grow(missing);
    const p = this.pointers;
    const L = this.layout;
    this.exports.configure(p.lower, p.slots, L.mask, L.seed, p.records, L.classCount, p.counts,
      this.idsPtr, this.idCapacity, this.orderPtr, this.valuesPtr, p.scores, p.intercepts);
    const buffer = memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.ids = new Int32Array(buffer, this.idsPtr, this.idCapacity);
    this.order = new Int32Array(buffer, this.orderPtr, this.idCapacity);
    this.values = new Float64Array(buffer, this.valuesPtr, this.idCapacity);
    this.scoreView = new Float64Array(buffer, p.scores, L.classCount);
    this.lastTermIds = undefined;
    this.lastVector = undefined;
  }
}

function kernelAbort(): never {
  throw new Error('inference kernel aborted (this is a bug)');
}

/**
 * Predictions remembered until their ground truth arrives through POST /feedback: bounded in
 * count (`maxEntries`) and in age (`ttlMs`), and counting what it forgets before feedback came.
 *
 * Why typed arrays and not a Map of id strings: every request adds an entry that lives for
 * seconds to an hour, long enough to be promoted to V8's old generation and die there, so a Map
 * of strings (and of the boxed numbers it stores) turns each request into old-space garbage that
 * only full mark-compact collections reclaim (measured: several per cent more CPU per request with
 * the store full). Here the entries are a fixed FIFO ring of numbers and the index an
 * open-addressing hash table of ring positions: remembering a prediction allocates nothing.
 *
 * Entries are keyed by what a prediction id holds (see routes/predict.ts): the span id (64 random
 * bits), 32 bits of the trace id and the batch index. Every entry lives equally long, so the oldest
 * is always at the ring's head: expiry and the capacity bound drop entries there, O(1) each.
 */

export type EvictionReason = 'ttl' | 'capacity';

export type MatchResult =
  | { readonly kind: 'matched'; readonly classIndex: number; readonly traced: boolean }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'duplicate'; readonly classIndex: number };

export interface PredictionStoreOptions {
  /** Most entries kept; 0 keeps none. */
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** Called once per entry dropped before it received feedback. */
  readonly onEvict?: (reason: EvictionReason) => void;
  /** Clock in ms (tests pass their own). @default Date.now */
  readonly now?: () => number;
}

/** Class indices are kept in 8 bits. */
export const MAX_STORED_CLASSES = 256;
const TRACED = 1;
const LABELLED = 2;
const EMPTY = -1;

/** The parts of a prediction id `<32 hex>-<16 hex>[-<index>]` the store keys on. */
interface Key {
  spanHi: number;
  spanLo: number;
  trace: number;
  index: number;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Parses 8 hex digits at `start` into an unsigned 32-bit number, or -1. */
function hex32(id: string, start: number): number {
  let value = 0;
  for (let i = start; i < start + 8; i++) {
    const digit = hexValue(id.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Fills `key` from a prediction id; false when the id does not have the shape /predict gives. */
function parseKey(id: string, key: Key): boolean {
  if (id.length < 49 || id.charCodeAt(32) !== 45 /* - */) return false;
  const trace = hex32(id, 24);
  const spanHi = hex32(id, 33);
  const spanLo = hex32(id, 41);
  if (trace < 0 || spanHi < 0 || spanLo < 0 || hex32(id, 0) < 0 || hex32(id, 8) < 0 || hex32(id, 16) < 0) return false;
  let index = 0;
  if (id.length > 49) {
    if (id.charCodeAt(49) !== 45 || id.length > 60) return false;
    let n = 0;
    for (let i = 50; i < id.length; i++) {
      const c = id.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return false;
      n = n * 10 + c;
    }
    if (id.length === 50 || n > 0x7ffffffe) return false;
    index = n + 1; // 0 = a single prediction, i + 1 = document i of a batch
  }
  key.spanHi = spanHi;
  key.spanLo = spanLo;
  key.trace = trace;
  key.index = index;
  return true;
}

export class PredictionStore {
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly onEvict: (reason: EvictionReason) => void;
  private readonly now: () => number;
  // The ring of entries, oldest at `head`.
  private readonly spanHi: Uint32Array;
  private readonly spanLo: Uint32Array;
  private readonly trace: Uint32Array;
  private readonly index: Uint32Array;
  private readonly insertedAt: Float64Array;
  private readonly classIndex: Uint8Array;
  private readonly flags: Uint8Array;
  private head = 0;
  private count = 0;
  /** Open addressing, linear probing: ring position per slot, EMPTY for none. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly key: Key = { spanHi: 0, spanLo: 0, trace: 0, index: 0 };
  /** Scratch for removals, which happen in the middle of an insert that is still using `key`. */
  private readonly removedKey: Key = { spanHi: 0, spanLo: 0, trace: 0, index: 0 };

  constructor(options: PredictionStoreOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) throw new RangeError(`maxEntries must be a non-negative integer, got ${options.maxEntries}`);
    if (!(options.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${options.ttlMs}`);
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs;
    this.onEvict = options.onEvict ?? (() => undefined);
    this.now = options.now ?? Date.now;
    const n = options.maxEntries;
    this.spanHi = new Uint32Array(n);
    this.spanLo = new Uint32Array(n);
    this.trace = new Uint32Array(n);
    this.index = new Uint32Array(n);
    this.insertedAt = new Float64Array(n);
    this.classIndex = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    // At most half full, so probe sequences stay short.
    let slots = 1;
    while (slots < 2 * n) slots *= 2;
    this.table = new Int32Array(slots).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** Predictions remembered. */
  get size(): number {
    return this.count;
  }

  /** Bytes the store holds, whatever its fill: it is allocated once. */
  get bytes(): number {
    return this.maxEntries * (4 * 4 + 8 + 2) + this.table.byteLength;
  }

  /**
   * Remembers a prediction under its id (the shape /predict gives; other ids are ignored).
   * A repeated id replaces the earlier prediction's class.
   */
  remember(id: string, classIndex: number, traced: boolean): void {
    if (this.maxEntries === 0) return;
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= MAX_STORED_CLASSES) throw new RangeError(`class index ${classIndex} out of range`);
    const key = this.key;
    if (!parseKey(id, key)) return;
    const now = this.now();
    this.expire(now);
    const existing = this.find(key);
    if (existing !== EMPTY) {
      this.classIndex[existing] = classIndex;
      this.flags[existing] = traced ? TRACED : 0;
      return;
    }
    if (this.count === this.maxEntries) this.dropOldest('capacity');
    let entry = this.head + this.count;
    if (entry >= this.maxEntries) entry -= this.maxEntries;
    this.spanHi[entry] = key.spanHi;
    this.spanLo[entry] = key.spanLo;
    this.trace[entry] = key.trace;
    this.index[entry] = key.index;
    this.insertedAt[entry] = now;
    this.classIndex[entry] = classIndex;
    this.flags[entry] = traced ? TRACED : 0;
    this.count += 1;
    let slot = this.slotOf(key);
    while (this.table[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.table[slot] = entry;
  }

  /**
   * Looks up the prediction `id` and marks it labelled. `duplicate`: feedback already came for it
   * (it is not counted again); `unknown`: never made, expired or pushed out.
   */
  match(id: string): MatchResult {
    this.expire(this.now());
    const key = this.key;
    if (!parseKey(id, key)) return { kind: 'unknown' };
    const entry = this.find(key);
    if (entry === EMPTY) return { kind: 'unknown' };
    const classIndex = this.classIndex[entry];
    if ((this.flags[entry] & LABELLED) !== 0) return { kind: 'duplicate', classIndex };
    this.flags[entry] |= LABELLED;
    return { kind: 'matched', classIndex, traced: (this.flags[entry] & TRACED) !== 0 };
  }

  /** Drops every expired entry (called on each insert and lookup, and on scrapes when idle). */
  expire(now: number = this.now()): void {
    const oldest = now - this.ttlMs;
    while (this.count > 0 && this.insertedAt[this.head] <= oldest) this.dropOldest('ttl');
  }

  private slotOf(key: Key): number {
    // The span id is random: its low bits, mixed with the batch index, spread the slots.
    return (Math.imul(key.spanLo ^ Math.imul(key.index, 0x9e3779b1), 0x85ebca6b) >>> 0) & this.mask;
  }

  private find(key: Key): number {
    let slot = this.slotOf(key);
    for (;;) {
      const entry = this.table[slot];
      if (entry === EMPTY) return EMPTY;
      if (this.spanLo[entry] === key.spanLo && this.spanHi[entry] === key.spanHi && this.trace[entry] === key.trace && this.index[entry] === key.index) {
        return entry;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private dropOldest(reason: EvictionReason): void {
    const entry = this.head;
    this.head = this.head + 1 === this.maxEntries ? 0 : this.head + 1;
    this.count -= 1;
    this.removeFromTable(entry);
    if ((this.flags[entry] & LABELLED) === 0) this.onEvict(reason);
  }

  /** Removes ring entry `entry` from the table, shifting later members of its probe run back. */
  private removeFromTable(entry: number): void {
    const key = this.removedKey;
    key.spanHi = this.spanHi[entry];
    key.spanLo = this.spanLo[entry];
    key.trace = this.trace[entry];
    key.index = this.index[entry];
    let slot = this.slotOf(key);
    while (this.table[slot] !== entry) slot = (slot + 1) & this.mask;
    // Backward-shift deletion: no tombstones, so lookups never slow down as entries churn.
    let hole = slot;
    let next = (hole + 1) & this.mask;
    while (this.table[next] !== EMPTY) {
      const moved = this.table[next];
      key.spanHi = this.spanHi[moved];
      key.spanLo = this.spanLo[moved];
      key.trace = this.trace[moved];
      key.index = this.index[moved];
      const home = this.slotOf(key);
      // Move it into the hole unless its home lies cyclically in (hole, next].
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!between) {
        this.table[hole] = moved;
        hole = next;
      }
      next = (next + 1) & this.mask;
    }
    this.table[hole] = EMPTY;
  }
}

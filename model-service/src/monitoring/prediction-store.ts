/**
 * Predictions remembered until their ground truth arrives through POST /feedback: bounded in
 * count (`maxEntries`) and in age (`ttlMs`), and counting what it forgets before feedback came.
 *
 * Every entry lives equally long, so the oldest is always the first inserted: a FIFO ring of ids
 * (preallocated to `maxEntries`) gives expiry and the capacity bound O(1) per entry. Why not the
 * Map's own insertion order: V8 leaves deleted entries as holes until the table is rebuilt, so
 * finding the first live entry of a Map that is deleted from the front costs O(holes) (measured:
 * CPU per request doubled once a 100,000-entry store was full). The Map holds one number per id
 * (ring slot, class index, whether the prediction was traced, whether feedback came).
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

/** Class indices are kept in 8 bits, next to two flag bits. */
export const MAX_STORED_CLASSES = 256;
const CLASS_SLOTS = MAX_STORED_CLASSES * 4;
const TRACED = 2;
const LABELLED = 1;

export class PredictionStore {
  /** id -> slot · CLASS_SLOTS + class · 4 + flags. */
  private readonly entries = new Map<string, number>();
  /** A FIFO ring of the ids in insertion order (undefined once replaced) and their insertion times. */
  private readonly ids: (string | undefined)[];
  private readonly insertedAt: Float64Array;
  private head = 0;
  private count = 0;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly onEvict: (reason: EvictionReason) => void;
  private readonly now: () => number;

  constructor(options: PredictionStoreOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) throw new RangeError(`maxEntries must be a non-negative integer, got ${options.maxEntries}`);
    if (!(options.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${options.ttlMs}`);
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs;
    this.onEvict = options.onEvict ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.ids = new Array<string | undefined>(options.maxEntries).fill(undefined);
    this.insertedAt = new Float64Array(options.maxEntries);
  }

  /** Predictions remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** Remembers a prediction (a repeated id replaces the earlier prediction). */
  remember(id: string, classIndex: number, traced: boolean): void {
    if (this.maxEntries === 0) return;
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= MAX_STORED_CLASSES) throw new RangeError(`class index ${classIndex} out of range`);
    const now = this.now();
    this.expire(now);
    const previous = this.entries.get(id);
    if (previous !== undefined) this.ids[Math.floor(previous / CLASS_SLOTS)] = undefined;
    if (this.count === this.maxEntries) this.dropOldest('capacity');
    let slot = this.head + this.count;
    if (slot >= this.maxEntries) slot -= this.maxEntries;
    this.ids[slot] = id;
    this.insertedAt[slot] = now;
    this.count += 1;
    this.entries.set(id, slot * CLASS_SLOTS + classIndex * 4 + (traced ? TRACED : 0));
  }

  /**
   * Looks up the prediction `id` and marks it labelled. `duplicate`: feedback already came for it
   * (it is not counted again); `unknown`: never made, expired or pushed out.
   */
  match(id: string): MatchResult {
    this.expire(this.now());
    const value = this.entries.get(id);
    if (value === undefined) return { kind: 'unknown' };
    const flags = value % 4;
    const classIndex = Math.floor((value % CLASS_SLOTS) / 4);
    if ((flags & LABELLED) !== 0) return { kind: 'duplicate', classIndex };
    this.entries.set(id, value + LABELLED);
    return { kind: 'matched', classIndex, traced: (flags & TRACED) !== 0 };
  }

  /** Drops every expired entry (called on each insert and lookup, and on scrapes when idle). */
  expire(now: number = this.now()): void {
    const oldest = now - this.ttlMs;
    while (this.count > 0 && this.insertedAt[this.head] <= oldest) this.dropOldest('ttl');
  }

  private dropOldest(reason: EvictionReason): void {
    const id = this.ids[this.head];
    this.ids[this.head] = undefined;
    this.head = this.head + 1 === this.maxEntries ? 0 : this.head + 1;
    this.count -= 1;
    if (id === undefined) return; // replaced by a later prediction with the same id
    const value = this.entries.get(id)!;
    this.entries.delete(id);
    if (value % 2 === 0) this.onEvict(reason);
  }
}

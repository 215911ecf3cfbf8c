/**
 * Predictions remembered until their ground truth arrives through POST /feedback: bounded in
 * count (`maxEntries`) and in age (`ttlMs`), and counting what it forgets before feedback came.
 *
 * A JavaScript Map iterates in insertion order, and every entry lives equally long, so the
 * oldest entry is always the first: expiry and the capacity bound both drop entries from the
 * front, O(1) each. An entry is one number (insertion time in ms, class index, whether the
 * prediction was traced, whether feedback was received), so 100,000 of them stay near 14 MB
 * (measured; see docs/serving.md), most of it the ids themselves.
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
  private readonly entries = new Map<string, number>();
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
  }

  get size(): number {
    return this.entries.size;
  }

  /** Remembers a prediction (a repeated id replaces the earlier prediction). */
  remember(id: string, classIndex: number, traced: boolean): void {
    if (this.maxEntries === 0) return;
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= MAX_STORED_CLASSES) throw new RangeError(`class index ${classIndex} out of range`);
    const now = this.now();
    this.expire(now);
    if (this.entries.has(id)) this.entries.delete(id);
    else if (this.entries.size >= this.maxEntries) this.dropOldest('capacity');
    this.entries.set(id, now * CLASS_SLOTS + classIndex * 4 + (traced ? TRACED : 0));
  }

  /**
   * Looks up the prediction `id` and marks it labelled. `duplicate`: feedback already came for it
   * (it is not counted again); `unknown`: never made, expired or pushed out.
   */
  match(id: string): MatchResult {
    const now = this.now();
    this.expire(now);
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
    for (const [id, value] of this.entries) {
      if (Math.floor(value / CLASS_SLOTS) > oldest) break;
      this.entries.delete(id);
      if (value % 2 === 0) this.onEvict('ttl');
    }
  }

  private dropOldest(reason: EvictionReason): void {
    for (const [id, value] of this.entries) {
      this.entries.delete(id);
      if (value % 2 === 0) this.onEvict(reason);
      return;
    }
  }
}

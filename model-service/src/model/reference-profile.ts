/**
 * The model's reference profile: what "normal" input and output looked like when the model
 * was trained, stored in the artifact (format version 2) and compared by the service with
 * its recent predictions (src/monitoring/).
 *
 * Each signal of DRIFT_SIGNALS (the contract) is a histogram over fixed bins: one bin per
 * class for `class_mix`, otherwise the catalogue's bucket bounds (`value <= bound`) plus an
 * overflow bin. The profile stores the bounds it was built with, so a service whose catalogue
 * moved on still compares like with like.
 *
 * Loaded by the service: no training code here.
 */
import { DRIFT_SIGNALS, DRIFT_SIGNAL_NAMES, DriftSignal } from '../contract';
import type { TokenizedDocument } from './classifier';
import { binOf } from '../metrics/histogram-bins';

export interface SignalProfile {
  /** Bin upper bounds (numeric signals); absent for class_mix, whose bins are the model's classes. */
  readonly upperBounds?: readonly number[];
  /** Documents per bin: upperBounds.length + 1 bins (the last is the overflow), or one per class. */
  readonly counts: readonly number[];
}

export interface ReferenceProfile {
  /** How the profile was made, for people reading the file. */
  readonly source: string;
  /** Documents the profile describes. */
  readonly documents: number;
  /** Documents per true class (classes order). */
  readonly labelCounts: readonly number[];
  /** Term ids (vocabulary positions) of the most informative terms: the `informative_mass` signal. */
  readonly informativeTerms: readonly number[];
  readonly signals: { readonly [S in DriftSignal]: SignalProfile };
}

/** The per-document values of every numeric signal, and the class. */
export interface SignalValues {
  readonly classIndex: number;
  readonly confidence: number;
  readonly tokenCount: number;
  readonly oovRatio: number;
  readonly informativeMass: number;
}

/** How many terms count as "most informative" (by the spread of their weights across classes). */
export const INFORMATIVE_TERM_COUNT = 1000;

/**
 * Ids of the `count` terms whose class weights differ most (max − min over classes): the
 * terms that move a prediction. In-domain text is full of them; text of other topics is not.
 */
export function mostInformativeTerms(weights: Float32Array, classCount: number, count = INFORMATIVE_TERM_COUNT): number[] {
  const termCount = weights.length / classCount;
  const spread = new Float64Array(termCount);
  for (let t = 0; t < termCount; t++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < classCount; c++) {
      const w = weights[t * classCount + c];
      if (w < lo) lo = w;
      if (w > hi) hi = w;
    }
    spread[t] = hi - lo;
  }
  const ids = Array.from({ length: termCount }, (_, t) => t).sort((a, b) => spread[b] - spread[a] || a - b);
  return ids.slice(0, Math.min(count, termCount)).sort((a, b) => a - b);
}

/** A membership table for `informativeTerms`, sized for the vocabulary. */
export function informativeTermTable(informativeTerms: readonly number[], vocabularySize: number): Uint8Array {
  const table = new Uint8Array(vocabularySize);
  for (const t of informativeTerms) table[t] = 1;
  return table;
}

/** Share of a document's tokens (in and out of vocabulary) that are informative terms; 0 for an empty document. */
export function informativeMass(doc: TokenizedDocument, table: Uint8Array): number {
  if (doc.tokenCount === 0) return 0;
  const ids = doc.termIds;
  let hits = 0;
  for (let k = 0; k < ids.length; k++) {
    const t = ids[k];
    if (t < table.length) hits += table[t];
  }
  return hits / doc.tokenCount;
}


/** The bin of every signal for one document, in DRIFT_SIGNAL_NAMES order. */
export function signalBins(values: SignalValues, bounds: { readonly [S in DriftSignal]?: ArrayLike<number> }): number[] {
  return DRIFT_SIGNAL_NAMES.map((signal) => {
    if (signal === 'class_mix') return values.classIndex;
    return binOf(bounds[signal]!, numericValue(signal, values));
  });
}

function numericValue(signal: Exclude<DriftSignal, 'class_mix'>, v: SignalValues): number {
  switch (signal) {
    case 'confidence': return v.confidence;
    case 'document_tokens': return v.tokenCount;
    case 'oov_ratio': return v.oovRatio;
    case 'informative_mass': return v.informativeMass;
  }
}

/** The catalogue's bin bounds of every numeric signal. */
export function catalogueBounds(): { readonly [S in DriftSignal]?: readonly number[] } {
  return Object.fromEntries(
    DRIFT_SIGNAL_NAMES.flatMap((s) => {
      const def = DRIFT_SIGNALS[s] as { buckets?: readonly number[] };
      return def.buckets === undefined ? [] : [[s, def.buckets]];
    }),
  );
}

/** Builds a profile from per-document values (training side). */
export function buildReferenceProfile(
  source: string,
  classCount: number,
  labels: ArrayLike<number>,
  values: readonly SignalValues[],
  informativeTerms: readonly number[],
): ReferenceProfile {
  const bounds = catalogueBounds();
  const signals: Record<string, { upperBounds?: number[]; counts: number[] }> = {};
  DRIFT_SIGNAL_NAMES.forEach((signal) => {
    const b = bounds[signal];
    signals[signal] = b === undefined
      ? { counts: new Array<number>(classCount).fill(0) }
      : { upperBounds: [...b], counts: new Array<number>(b.length + 1).fill(0) };
  });
  for (const v of values) {
    signalBins(v, bounds).forEach((bin, i) => (signals[DRIFT_SIGNAL_NAMES[i]].counts[bin] += 1));
  }
  const labelCounts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) labelCounts[labels[i]] += 1;
  return {
    source,
    documents: values.length,
    labelCounts,
    informativeTerms: [...informativeTerms],
    signals: signals as unknown as ReferenceProfile['signals'],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function countsOf(value: unknown, length: number): value is number[] {
  return Array.isArray(value) && value.length === length && value.every((x) => Number.isInteger(x) && x >= 0);
}

/**
 * Validates a profile read from a file. Returns the problem as a sentence, or the profile.
 * Bounds must be increasing, counts non-negative integers of the right length, term ids in range.
 */
export function checkReferenceProfile(value: unknown, classCount: number, vocabularySize: number): ReferenceProfile | string {
  if (!isRecord(value)) return '"referenceProfile" must be an object';
  if (typeof value.source !== 'string') return '"referenceProfile.source" must be a string';
  if (!Number.isInteger(value.documents) || (value.documents as number) < 1) return '"referenceProfile.documents" must be a positive integer';
  if (!countsOf(value.labelCounts, classCount)) return `"referenceProfile.labelCounts" must hold ${classCount} counts, one per class`;
  const terms = value.informativeTerms;
  if (!Array.isArray(terms) || !terms.every((t) => Number.isInteger(t) && t >= 0 && t < vocabularySize)) {
    return '"referenceProfile.informativeTerms" must be vocabulary positions';
  }
  if (!isRecord(value.signals)) return '"referenceProfile.signals" must be an object';
  for (const signal of DRIFT_SIGNAL_NAMES) {
    const s = value.signals[signal];
    const where = `"referenceProfile.signals.${signal}"`;
    if (!isRecord(s)) return `${where} is missing`;
    if (signal === 'class_mix') {
      if (!countsOf(s.counts, classCount)) return `${where}.counts must hold ${classCount} counts, one per class`;
    } else {
      const b = s.upperBounds;
      if (!Array.isArray(b) || b.length === 0 || !b.every((x, i) => typeof x === 'number' && Number.isFinite(x) && (i === 0 || x > (b[i - 1] as number)))) {
        return `${where}.upperBounds must be increasing numbers`;
      }
      if (!countsOf(s.counts, b.length + 1)) return `${where}.counts must hold ${b.length + 1} counts (one per bound, plus overflow)`;
    }
    const total = (s.counts as number[]).reduce((a, x) => a + x, 0);
    if (total !== value.documents) return `${where}.counts add up to ${total}, not to the ${String(value.documents)} documents`;
  }
  return value as unknown as ReferenceProfile;
}

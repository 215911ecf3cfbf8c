import { createHash } from 'node:crypto';
import type { ModelParts, OutputKind } from './model-parts';
import { checkReferenceProfile } from './reference-profile';

/**
 * The model artifact: ONE JSON file
 *
 *   { "format": "tfidf-logreg-text-classifier", "formatVersion": 2,
 *     "payloadSha256": "<hex>", "payload": { classes, vocabulary, idf, weights, intercepts, output, metadata, referenceProfile } }
 *
 * Format 2 adds `referenceProfile` (./reference-profile.ts: the training data's class mix and
 * signal histograms, for drift detection). Format-1 files still load, without a profile: the
 * service then reports drift as unavailable.
 *
 * Large arrays are little-endian Float32 bytes in base64 and the vocabulary is
 * one "\n"-joined string (terms never contain whitespace): that keeps a
 * 4-category model near 1 MB and lets it load in milliseconds, where plain
 * JSON number arrays are ~3x bigger and slower to parse.
 *
 * `payloadSha256` is the SHA-256 of `JSON.stringify(payload)`; the model
 * version is its first 16 hex digits. Loading recomputes it, so a corrupted
 * or hand-edited file is refused instead of silently serving wrong answers.
 */

export const ARTIFACT_FORMAT = 'tfidf-logreg-text-classifier';
export const ARTIFACT_FORMAT_VERSION = 2;
/** Versions this build reads: 1 (no reference profile) and 2. */
const READABLE_FORMAT_VERSIONS: readonly unknown[] = [1, 2];
const VERSION_HEX_DIGITS = 16;
const OUTPUT_KINDS: readonly OutputKind[] = ['softmax', 'one-vs-rest'];

/** A model file that cannot be used; the message says what is wrong and what to do. */
export class ModelArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelArtifactError';
  }
}

export interface EncodedArtifact {
  readonly text: string;
  readonly version: string;
  readonly sha256: string;
}

interface EncodedArray {
  readonly dtype: 'float32';
  readonly length: number;
  readonly base64: string;
}

function encodeFloat32(values: Float32Array): EncodedArray {
  return {
    dtype: 'float32',
    length: values.length,
    base64: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
  };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function encodeArtifact(parts: ModelParts): EncodedArtifact {
  const payload = {
    classes: parts.classes,
    termCount: parts.vocabulary.length,
    vocabulary: parts.vocabulary.join('\n'),
    idf: encodeFloat32(parts.idf),
    weights: { ...encodeFloat32(parts.weights), shape: [parts.vocabulary.length, parts.classes.length], layout: 'term-major' },
    intercepts: Array.from(parts.intercepts),
    output: parts.output,
    metadata: parts.metadata,
    ...(parts.referenceProfile && { referenceProfile: parts.referenceProfile }),
  };
  const payloadText = JSON.stringify(payload);
  const sha256 = sha256Hex(payloadText);
  const text =
    `{"format":${JSON.stringify(ARTIFACT_FORMAT)},"formatVersion":${ARTIFACT_FORMAT_VERSION},` +
    `"payloadSha256":"${sha256}","payload":${payloadText}}\n`;
  return { text, version: sha256.slice(0, VERSION_HEX_DIGITS), sha256 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeFloat32(value: unknown, field: string, expectedLength: number, source: string): Float32Array {
  if (!isRecord(value) || value.dtype !== 'float32' || typeof value.base64 !== 'string' || value.length !== expectedLength) {
    throw new ModelArtifactError(
      `${source}: field "${field}" must be {dtype:"float32", length:${expectedLength}, base64} — the file is damaged or was not written by this service`,
    );
  }
  const bytes = Buffer.from(value.base64, 'base64');
  if (bytes.length !== expectedLength * 4) {
    throw new ModelArtifactError(`${source}: field "${field}" holds ${bytes.length} bytes, expected ${expectedLength * 4} — the file is damaged`);
  }
  // Copy into a fresh, aligned buffer (Buffer.from may return a slice of a shared pool).
  const out = new Float32Array(expectedLength);
  new Uint8Array(out.buffer).set(bytes);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new ModelArtifactError(`${source}: field "${field}" contains a non-finite number at ${i} — the file is damaged`);
  }
  return out;
}

/**
 * Parses and validates an artifact. `source` names the file in messages.
 * @returns the model parts and the version (content hash)
 */
export function decodeArtifact(text: string, source: string): { parts: ModelParts; version: string; sha256: string } {
  const retrain = 'retrain it with `npm run train -- --out <file>`';
  if (text.trim().length === 0) throw new ModelArtifactError(`${source}: the model file is empty; ${retrain}`);
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch (error) {
    throw new ModelArtifactError(
      `${source}: not a readable model file — it is truncated or not JSON (${(error as Error).message}); ${retrain}`,
    );
  }
  if (!isRecord(envelope) || envelope.format !== ARTIFACT_FORMAT) {
    throw new ModelArtifactError(`${source}: not a model file of this service (expected "format": "${ARTIFACT_FORMAT}")`);
  }
  if (!READABLE_FORMAT_VERSIONS.includes(envelope.formatVersion)) {
    throw new ModelArtifactError(
      `${source}: model format version ${JSON.stringify(envelope.formatVersion)} is not supported by this build (it reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')}); ${retrain}`,
    );
  }
  const payload = envelope.payload;
  if (!isRecord(payload) || typeof envelope.payloadSha256 !== 'string') {
    throw new ModelArtifactError(`${source}: the model file has no payload or no payloadSha256; ${retrain}`);
  }
  const sha256 = sha256Hex(JSON.stringify(payload));
  if (sha256 !== envelope.payloadSha256) {
    throw new ModelArtifactError(
      `${source}: the model file is corrupt or was edited — its content hash ${sha256.slice(0, 16)}… does not match the recorded ${String(envelope.payloadSha256).slice(0, 16)}…; ${retrain}`,
    );
  }

  const classes = payload.classes;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string' && c.length > 0) || new Set(classes).size !== classes.length) {
    throw new ModelArtifactError(`${source}: "classes" must list at least two distinct class names`);
  }
  const termCount = payload.termCount;
  if (typeof payload.vocabulary !== 'string' || !Number.isInteger(termCount) || (termCount as number) < 1) {
    throw new ModelArtifactError(`${source}: "vocabulary" must be a string of terms and "termCount" a positive integer`);
  }
  const vocabulary = payload.vocabulary.split('\n');
  if (vocabulary.length !== termCount) {
    throw new ModelArtifactError(`${source}: the vocabulary holds ${vocabulary.length} terms but termCount says ${String(termCount)}`);
  }
  const K = classes.length;
  const idf = decodeFloat32(payload.idf, 'idf', vocabulary.length, source);
  const weights = decodeFloat32(payload.weights, 'weights', vocabulary.length * K, source);
  const intercepts = payload.intercepts;
  if (!Array.isArray(intercepts) || intercepts.length !== K || !intercepts.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new ModelArtifactError(`${source}: "intercepts" must hold ${K} finite numbers, one per class`);
  }
  const output = payload.output as OutputKind;
  if (!OUTPUT_KINDS.includes(output)) {
    throw new ModelArtifactError(`${source}: "output" must be one of ${OUTPUT_KINDS.join(', ')}`);
  }
  const metadata = payload.metadata;
  if (!isRecord(metadata)) throw new ModelArtifactError(`${source}: "metadata" must be an object`);
  let referenceProfile;
  if (payload.referenceProfile !== undefined) {
    if (envelope.formatVersion === 1) throw new ModelArtifactError(`${source}: a format-1 file cannot carry "referenceProfile"; ${retrain}`);
    const checked = checkReferenceProfile(payload.referenceProfile, K, vocabulary.length);
    if (typeof checked === 'string') throw new ModelArtifactError(`${source}: ${checked} — the file is damaged; ${retrain}`);
    referenceProfile = checked;
  }

  return {
    parts: {
      classes: classes as string[], vocabulary, idf, weights, intercepts: Float64Array.from(intercepts as number[]), output, metadata,
      ...(referenceProfile && { referenceProfile }),
    },
    version: sha256.slice(0, VERSION_HEX_DIGITS),
    sha256,
  };
}

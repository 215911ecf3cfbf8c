import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeArtifact } from '../artifact';
import type { ModelParts } from '../model-parts';
import { LinearTextClassifier } from '../serving/linear-classifier';

/** A classifier over freshly trained parts; its version (the artifact's hash) is computed on first use. */
export function classifierFromParts(parts: ModelParts): LinearTextClassifier {
  return new LinearTextClassifier(parts, () => encodeArtifact(parts).version);
}

/** A copy of `model` with `extra` merged into its metadata (e.g. the evaluation), and a new version. */
export function withMetadata(model: LinearTextClassifier, extra: Readonly<Record<string, unknown>>): LinearTextClassifier {
  return classifierFromParts({ ...model.parts, metadata: { ...model.parts.metadata, ...extra } });
}

/**
 * Writes the artifact atomically (temp file + rename), so a crash never
 * leaves a half-written model where the service will look for one.
 */
export async function saveModel(model: LinearTextClassifier, path: string): Promise<{ version: string; bytes: number }> {
  const { text, version } = encodeArtifact(model.parts);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
  return { version, bytes: Buffer.byteLength(text) };
}

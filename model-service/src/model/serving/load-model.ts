import { readFile } from 'node:fs/promises';
import { ModelArtifactError, decodeArtifact } from '../artifact';
import { DuplicateTermError } from './inference-tables';
import { LinearTextClassifier } from './linear-classifier';

/** Loads and validates a model artifact; throws ModelArtifactError with a clear message when unusable. */
export async function loadModel(path: string): Promise<LinearTextClassifier> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelArtifactError(`model file not found: ${path} — train one with \`npm run train -- --out ${path}\` or pass the right path`);
    if (code === 'EISDIR') throw new ModelArtifactError(`model path is a directory, not a file: ${path}`);
    throw new ModelArtifactError(`cannot read model file ${path}: ${(error as Error).message}`);
  }
  const { parts, version } = decodeArtifact(text, path);
  try {
    return new LinearTextClassifier(parts, version);
  } catch (error) {
    if (error instanceof DuplicateTermError) throw new ModelArtifactError(`${path}: invalid vocabulary (${error.message})`);
    throw error;
  }
}

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The model-service package folder, found by walking up from this file, so
 * defaults such as models/model.json mean the same thing from src/ (ts-node,
 * tests) and build/src/ (npm scripts), whatever the working directory.
 */
export function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export const DEFAULT_MODEL_PATH = 'models/model.json';

/** Resolves a model path; relative paths are relative to the working directory, the default to the package. */
export function resolveModelPath(path: string | undefined): string {
  return path === undefined ? resolve(packageRoot(), DEFAULT_MODEL_PATH) : resolve(path);
}

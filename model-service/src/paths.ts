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

/**
 * Resolves a path the user typed. `npm run -w model-service` runs us inside
 * model-service/, but people type paths relative to where they ran npm, which
 * npm passes on as INIT_CWD.
 */
export function resolveUserPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.INIT_CWD || process.cwd(), path);
}

/** Resolves a model path: a given path as the user meant it, the default inside the package. */
export function resolveModelPath(path: string | undefined): string {
  return path === undefined ? resolve(packageRoot(), DEFAULT_MODEL_PATH) : resolveUserPath(path);
}

/** The data source from --data or NEWSGROUPS_DATA, resolved like other user paths; undefined → download. */
export function resolveDataSource(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const source = flag ?? (env.NEWSGROUPS_DATA || undefined);
  return source === undefined ? undefined : resolveUserPath(source, env);
}

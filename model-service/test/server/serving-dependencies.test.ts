/**
 * The served process loads serving code only: no training, data-loading or CLI module, and no
 * package that is not a runtime dependency. This is what lets the image ship
 * `npm ci --omit=dev` (model-service/Dockerfile): a training-only package listed under
 * `dependencies` would be shipped for nothing, and one under `devDependencies` that serving
 * needed would crash the image at start. Runs the image's compiled output (tsconfig.serve.json)
 * with plain node, as the image does, so no test harness module is in the process.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { tinyModel } from '../support/model';

const SERVICE_ROOT = resolve(__dirname, '../..');
const REPO_ROOT = resolve(SERVICE_ROOT, '..');

/** The installed package folder a loaded file belongs to, relative to the repository root (a package-lock key). */
function packageDirOf(file: string): string | undefined {
  const parts = relative(REPO_ROOT, file).split(sep);
  const last = parts.lastIndexOf('node_modules');
  if (last < 0) return undefined;
  const nameLength = parts[last + 1].startsWith('@') ? 2 : 1;
  return parts.slice(0, last + 1 + nameLength).join('/');
}

describe('the served process', () => {
  let loaded: string[];

  beforeAll(async () => {
    // The image's build of the service: only what server.ts and telemetry.ts import (tsconfig.serve.json).
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.serve.json'], { cwd: SERVICE_ROOT });
    const { modelPath } = await tinyModel();
    // Start the real server as server.ts's main does, then report every module loaded and stop.
    const script = `
      const { loadConfig } = require('./build-serve/src/config');
      const { startServer } = require('./build-serve/src/server');
      startServer(loadConfig({ argv: ['--model', process.argv[1], '--port', '0', '--host', '127.0.0.1'], env: { LOG_LEVEL: 'silent' } }))
        .then(async (server) => {
          const modules = Object.keys(require.cache);
          await server.shutdown('test');
          process.stdout.write(JSON.stringify(modules));
          process.exit(0);
        });`;
    const output = execFileSync(process.execPath, ['--require', './build-serve/src/telemetry.js', '-e', script, modelPath], {
      cwd: SERVICE_ROOT,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/unused', OTEL_SDK_DISABLED: 'false' },
      encoding: 'utf8',
    });
    loaded = JSON.parse(output) as string[];
  }, 60_000);

  it('loads the serving modules and none of training, data loading or the CLIs', () => {
    const ownModules = loaded.filter((f) => !f.includes(`${sep}node_modules${sep}`)).map((f) => relative(join(SERVICE_ROOT, 'build-serve'), f));
    expect(ownModules).toEqual(expect.arrayContaining([join('src', 'model', 'serving', 'load-model.js'), join('src', 'app.js')]));
    const offLimits = ownModules.filter((f) => /^src[\\/](model[\\/]training|data|cli)[\\/]/.test(f));
    expect(offLimits).toEqual([]);
  });

  it('loads only packages that `npm ci --omit=dev` installs (the image), none of the training-only ones', () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const packageDirs = [...new Set(loaded.map(packageDirOf).filter((dir): dir is string => dir !== undefined))];
    expect(packageDirs.length).toBeGreaterThan(5);
    // npm marks `dev: true` the packages that only devDependencies need: --omit=dev leaves them out.
    expect(packageDirs.filter((dir) => lock.packages[dir] === undefined || lock.packages[dir].dev === true)).toEqual([]);
    const names = packageDirs.map((dir) => dir.replace(/^.*node_modules\//, ''));
    for (const trainingOnly of ['ml-logistic-regression', 'ml-matrix', 'tar', 'cli-progress']) expect(names).not.toContain(trainingOnly);
  });
});

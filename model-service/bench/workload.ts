/**
 * What the load test and the HTTP benchmark send: the 20 Newsgroups test-split
 * documents (never the training split), and a model to serve — a given file, or
 * one trained on the archive's train split into a temporary folder.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNewsgroups } from '../src/data/newsgroups';
import { saveModel, trainModel } from '../src/model/training';

export interface Workload {
  readonly modelPath: string;
  readonly documents: readonly string[];
  readonly source: string;
  /** Removes the model if this run trained it. */
  cleanup(): Promise<void>;
}

/** Loads the test documents and, unless `modelPath` is given, trains a model on the train split. */
export async function prepareWorkload(modelPath: string | undefined, log: (line: string) => void): Promise<Workload> {
  // The archive is found as everywhere else: NEWSGROUPS_DATA, ../shared, the cache, a download.
  const data = await loadNewsgroups({});
  const source = data.source;
  log(`${data.test.length} test documents from ${data.categories.join(', ')} (${source})`);
  if (modelPath !== undefined) {
    if (!existsSync(modelPath)) throw new Error(`model file not found: ${modelPath} (train one with \`npm run train\`)`);
    return { modelPath, documents: data.test.map((d) => d.text), source, cleanup: async () => undefined };
  }
  log(`training a model on ${data.train.length} train documents (pass --model <file> to skip) ...`);
  const model = trainModel(data.train, { metadata: { dataChecksum: data.checksum } });
  const dir = await mkdtemp(join(tmpdir(), 'model-service-bench-'));
  const trained = join(dir, 'bench.model.json');
  await saveModel(model, trained);
  return {
    modelPath: trained,
    documents: data.test.map((d) => d.text),
    source,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

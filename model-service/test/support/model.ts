/**
 * Real models for tests, trained on the fly (never committed): the tiny
 * hand-written corpus for fast unit tests, or the real 20 Newsgroups archive when a
 * test wants realistic documents.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNewsgroups } from '../../src/data/newsgroups';
import type { LinearTextClassifier } from '../../src/model/serving';
import { saveModel, trainModel } from '../../src/model/training';
import { TINY_CORPUS } from '../fixtures/tiny-corpus';

export interface TrainedModel {
  readonly classifier: LinearTextClassifier;
  /** The model saved to a temporary file, for services started as processes. */
  readonly modelPath: string;
  /** Documents to send (the test split for the real archive; the corpus itself for the tiny one). */
  readonly documents: readonly string[];
}

const createdDirs: string[] = [];

// Under Jest, remove this test file's model folders once its tests are done
// (Jest workers end without running 'exit' listeners).
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const dir of createdDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
}

/** A temporary folder for a model file, removed after the test file's tests. */
async function temporaryModelDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'model-service-test-'));
  createdDirs.push(dir);
  return dir;
}

/** Trains on the tiny fixture corpus (milliseconds). */
export async function tinyModel(): Promise<TrainedModel> {
  const classifier = trainModel(TINY_CORPUS, { seed: 1 });
  const modelPath = join(await temporaryModelDir(), 'tiny.model.json');
  await saveModel(classifier, modelPath);
  return { classifier, modelPath, documents: TINY_CORPUS.map((d) => d.text) };
}

/**
 * Trains on the real archive's four default categories (a few seconds). The archive is found as
 * everywhere else (NEWSGROUPS_DATA, ../shared, the cache, a download: src/data/newsgroups.ts);
 * with none, the error says what to set.
 */
export async function newsgroupsModel(): Promise<TrainedModel> {
  const data = await loadNewsgroups({});
  const classifier = trainModel(data.train, { metadata: { dataChecksum: data.checksum } });
  const modelPath = join(await temporaryModelDir(), 'newsgroups.model.json');
  await saveModel(classifier, modelPath);
  return { classifier, modelPath, documents: data.test.map((d) => d.text) };
}

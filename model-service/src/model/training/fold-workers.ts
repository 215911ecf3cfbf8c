/**
 * The out-of-fold models of the reference profile, fitted in worker threads while the calling
 * thread fits the final model. Why: they are most of `npm run train`'s work (5 trainings on 80 %
 * of the documents, against one on all of them), each is independent of the others and of the
 * final model, and Node runs JavaScript on one core per thread. Threads take the next unstarted
 * fold from a shared counter, the calling thread too once its final model is done, so no thread
 * idles while a fold is left. The results do not depend on which thread fits which fold, so the
 * model file is the same as with sequential folds.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { SignalValues } from '../reference-profile';
import type { TokenizedCorpus } from './fit-documents';
import type { HyperParameterOptions, TrainerName } from './trainers';

/** A corpus as two flat arrays, so it crosses to a worker as a few buffers instead of one array per document. */
export interface PackedCorpus {
  readonly tokens: Int32Array;
  /** Document d's term ids are tokens[starts[d] … starts[d + 1]). */
  readonly starts: Int32Array;
  readonly termCount: number;
  readonly labels: Int32Array;
  readonly classCount: number;
}

/** What a worker is given (its workerData). */
export interface FoldWork {
  readonly corpus: PackedCorpus;
  readonly trainer: TrainerName;
  readonly options: HyperParameterOptions & { readonly seed: number };
  readonly folds: number;
  readonly seed: number;
  /** Shared (SharedArrayBuffer) counter: [0] is the next fold nobody has started. */
  readonly next: Int32Array;
}

/** Claims the next unstarted fold from the shared counter; -1 when none is left. */
export function claimFold(next: Int32Array, folds: number): number {
  const fold = Atomics.add(next, 0, 1);
  return fold < folds ? fold : -1;
}

export function packCorpus(corpus: TokenizedCorpus): PackedCorpus {
  const starts = new Int32Array(corpus.termIds.length + 1);
  corpus.termIds.forEach((ids, d) => (starts[d + 1] = starts[d] + ids.length));
  const tokens = new Int32Array(starts[corpus.termIds.length]);
  corpus.termIds.forEach((ids, d) => tokens.set(ids, starts[d]));
  return { tokens, starts, termCount: corpus.termCount, labels: corpus.labels, classCount: corpus.classCount };
}

export function unpackCorpus(packed: PackedCorpus): TokenizedCorpus {
  const termIds = Array.from({ length: packed.starts.length - 1 }, (_, d) => packed.tokens.subarray(packed.starts[d], packed.starts[d + 1]));
  return { termIds, termCount: packed.termCount, labels: packed.labels, classCount: packed.classCount };
}

function startWorker(work: FoldWork): Worker {
  // Built JavaScript normally; from the TypeScript sources (Jest, ts-node), through ts-node.
  if (__filename.endsWith('.js')) return new Worker(join(__dirname, 'fold-worker.js'), { workerData: work });
  const source = JSON.stringify(join(__dirname, 'fold-worker.ts'));
  return new Worker(`require('ts-node').register({ transpileOnly: true }); require(${source});`, { eval: true, workerData: work });
}

export interface FoldWorkers {
  /** Each fold's held-out signal values (outOfFoldSignals), or the first worker's error. */
  readonly signals: Promise<SignalValues[][]>;
  /** Claims the next unstarted fold for the calling thread; -1 when none is left. */
  claim(): number;
  /** Hands in the held-out signal values of a fold the calling thread claimed and fitted. */
  done(fold: number, values: SignalValues[]): void;
  /** Stops the workers (when the result is no longer wanted). */
  terminate(): void;
}

/** Starts `threads` workers, which start taking folds at once. */
export function startFoldWorkers(work: Omit<FoldWork, 'next' | 'corpus'> & { readonly corpus: TokenizedCorpus }, threads: number): FoldWorkers {
  const corpus = packCorpus(work.corpus);
  const folds = work.folds;
  const next = new Int32Array(new SharedArrayBuffer(4));
  const signals: SignalValues[][] = new Array(folds);
  let pending = folds;
  const workers: Worker[] = [];
  const terminate = () => {
    for (const w of workers) void w.terminate();
  };
  let record: (fold: number, values: SignalValues[]) => void = () => undefined;
  const promise = new Promise<SignalValues[][]>((resolve, reject) => {
    const fail = (error: Error) => {
      terminate();
      reject(error);
    };
    record = (fold, values) => {
      signals[fold] = values;
      if (--pending === 0) resolve(signals);
    };
    for (let t = 0; t < threads; t++) {
      const worker = startWorker({ ...work, corpus, next });
      workers.push(worker);
      worker.on('message', ({ fold, values }: { fold: number; values: SignalValues[] }) => record(fold, values));
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0 && pending > 0) fail(new Error(`a reference-profile worker exited with code ${code}`));
      });
    }
  });
  return { signals: promise, claim: () => claimFold(next, folds), done: (fold, values) => record(fold, values), terminate };
}

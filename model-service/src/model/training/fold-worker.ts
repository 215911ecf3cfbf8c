/**
 * Worker-thread entry (see fold-workers.ts): fits the out-of-fold models of the folds it is given
 * and posts each fold's held-out signal values back as soon as that fold is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitDocuments } from './fit-documents';
import { FoldAssignment, outOfFoldSignals } from './reference-profile';
import { TRAINERS } from './trainers';
import { unpackCorpus, type FoldWork } from './fold-workers';

const work = workerData as FoldWork;
const corpus = unpackCorpus(work.corpus);
const folds = new FoldAssignment(corpus.termIds.length, work.folds, work.seed);
for (const fold of work.assigned) {
  const values = outOfFoldSignals(corpus, folds, fold, (documents) => fitDocuments(corpus, documents, TRAINERS[work.trainer], work.options));
  parentPort!.postMessage({ fold, values });
}

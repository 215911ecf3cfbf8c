/**
 * Worker-thread entry (see fold-workers.ts): takes unstarted folds from the shared counter until
 * none is left, fits each fold's model and posts its held-out signal values back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitDocuments } from './fit-documents';
import { FoldAssignment, outOfFoldSignals } from './reference-profile';
import { TRAINERS } from './trainers';
import { claimFold, unpackCorpus, type FoldWork } from './fold-workers';

const work = workerData as FoldWork;
const corpus = unpackCorpus(work.corpus);
const folds = new FoldAssignment(corpus.termIds.length, work.folds, work.seed);
for (let fold = claimFold(work.next, folds.count); fold >= 0; fold = claimFold(work.next, folds.count)) {
  const values = outOfFoldSignals(corpus, folds, fold, (documents) => fitDocuments(corpus, documents, TRAINERS[work.trainer], work.options));
  parentPort!.postMessage({ fold, values });
}

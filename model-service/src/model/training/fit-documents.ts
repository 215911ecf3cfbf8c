import type { HyperParameterOptions, TrainedWeights, Trainer } from './trainers';

/**
 * The training documents, tokenized once: every document as the term ids of one vocabulary
 * (the training scanner's, numbered by first appearance), with its class.
 */
export interface TokenizedCorpus {
  /** Per document, the term ids of its tokens in order (every token is in the vocabulary). */
  readonly termIds: readonly Int32Array[];
  /** Vocabulary size of the whole corpus. */
  readonly termCount: number;
  readonly labels: Int32Array;
  readonly classCount: number;
}

/** A trainer's result on some of a corpus' documents, its vocabulary given as corpus term ids. */
export interface FittedWeights extends Omit<TrainedWeights, 'terms'> {
  /** The corpus term id of each weight row (and idf entry): the fitted model's vocabulary, in its order. */
  readonly terms: Int32Array;
}

/**
 * Trains `trainer` on the corpus documents `documents` (in that order) exactly as if only those
 * documents had been scanned: the vocabulary is the terms they contain, numbered by decreasing
 * document frequency, ties by first appearance (what scanning them in order would number).
 *
 * Why from term ids: the out-of-fold models of the reference profile each train on most of the
 * same documents; tokenizing once and renumbering per subset gives each the vocabulary, idf and
 * weights it would get from its own scan, without scanning the text again.
 *
 * Why renumber by document frequency: a [term][class] weight row is fetched for every non-zero,
 * and term frequencies are Zipf-distributed, so putting frequent terms first packs most fetches
 * into a few hundred KB that stay in the CPU cache (training and prediction are markedly faster
 * on 20 categories, 130k terms).
 */
export function fitDocuments(
  corpus: TokenizedCorpus,
  documents: Int32Array,
  trainer: Trainer,
  options: HyperParameterOptions & { readonly seed: number; readonly onStep?: (done: number, total: number) => void },
): FittedWeights {
  const { termCount } = corpus;
  // First appearance (rank among the subset's terms) and document frequency, per corpus term.
  const firstSeen = new Int32Array(termCount).fill(-1);
  const df = new Int32Array(termCount);
  const lastDocument = new Int32Array(termCount).fill(-1);
  const seen: number[] = [];
  for (let d = 0; d < documents.length; d++) {
    const ids = corpus.termIds[documents[d]];
    for (let k = 0; k < ids.length; k++) {
      const t = ids[k];
      if (lastDocument[t] === d) continue;
      lastDocument[t] = d;
      if (df[t]++ === 0) {
        firstSeen[t] = seen.length;
        seen.push(t);
      }
    }
  }
  const vocabulary = Int32Array.from(seen).sort((a, b) => df[b] - df[a] || firstSeen[a] - firstSeen[b]);
  const position = firstSeen; // reused: corpus term id -> position in `vocabulary`
  vocabulary.forEach((t, i) => (position[t] = i));
  const termIds = Array.from(documents, (d) => corpus.termIds[d].map((t) => position[t]));
  const labels = Int32Array.from(documents, (d) => corpus.labels[d]);

  const trained = trainer.train(
    { termCount: vocabulary.length, termIds, labels, classCount: corpus.classCount, seed: options.seed, onStep: options.onStep ?? (() => undefined) },
    options,
  );
  const kept = trained.terms;
  return { ...trained, terms: kept === undefined ? vocabulary : Int32Array.from(kept, (t) => vocabulary[t]) };
}

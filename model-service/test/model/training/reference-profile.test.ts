/**
 * The reference profile trainModel builds (term ids scanned once, each fold's vocabulary, idf and
 * weights fitted from them, held-out documents scored from their term ids) is the profile its
 * definition gives: whole models retrained per fold, measuring the held-out texts as the service
 * does (test/support/retrained-profile.ts).
 */
import { DEFAULT_CATEGORIES, loadNewsgroups } from '../../../src/data/newsgroups';
import { trainModel, trainModelConcurrently, type LabelledDocument } from '../../../src/model/training';
import { DRIFT_SIGNAL_NAMES, type DriftSignal } from '../../../src/contract';
import { populationStabilityIndex } from '../../../src/monitoring/drift-statistics';
import { retrainedProfile } from '../../support/retrained-profile';
import { TINY_CORPUS } from '../../fixtures/tiny-corpus';

describe('reference profile', () => {
  let train: LabelledDocument[];
  let newsgroups: LabelledDocument[];
  beforeAll(async () => {
    train = (await loadNewsgroups({ categories: [...DEFAULT_CATEGORIES] })).train;
    // Every fourth training document (~600): real vocabulary growth and out-of-vocabulary
    // tokens, at a fraction of the full training time.
    newsgroups = train.filter((_, i) => i % 4 === 0);
  }, 60_000);

  /**
   * The out-of-fold models stop at 10x the final model's tolerance, with 5 L-BFGS pairs instead
   * of 10. Their histograms must stay within what cutting the same documents into other folds
   * already moves them by (PSI up to 0.005 for confidence and 0.019 for informative mass on these
   * data, `npm run bench:profile`): 0.01 for every signal. Stopping the folds after SGD alone
   * (no L-BFGS) fails this by far (PSI ~0.23 for confidence and informative mass).
   */
  it('stays within fold-assignment noise of folds solved as the final model is, on the 4 default categories', () => {
    const approximate = trainModel(train).referenceProfile!;
    const exact = trainModel(train, { referenceSolver: 'final' }).referenceProfile!;
    const psi = (signal: DriftSignal) => populationStabilityIndex(exact.signals[signal].counts, approximate.signals[signal].counts)!;
    expect(DRIFT_SIGNAL_NAMES.filter((signal) => !(psi(signal) < 0.01)).map((signal) => `${signal}: PSI ${psi(signal)}`)).toEqual([]);
  }, 120_000);

  it('equals the profile of models retrained per fold, on 20 Newsgroups documents', () => {
    const options = { referenceFolds: 5, seed: 7 };
    const profile = trainModel(newsgroups, options).referenceProfile;
    expect(profile).toEqual(retrainedProfile(newsgroups, options));
    // Held-out documents do meet words their fold never saw, as new documents do.
    expect(profile!.signals.oov_ratio.counts[0]).toBeLessThan(newsgroups.length);
  }, 60_000);

  it('equals it for the one-vs-rest trainer, which keeps only some terms', () => {
    const options = { referenceFolds: 3, seed: 1, trainer: 'ml-logistic-regression' as const, maxFeatures: 20, epochs: 5 };
    expect(trainModel(TINY_CORPUS, options).referenceProfile).toEqual(retrainedProfile(TINY_CORPUS, options));
  });

  it('is the same when worker threads fit the folds while the final model trains', async () => {
    const options = { referenceFolds: 5, seed: 7 };
    const sequential = trainModel(newsgroups, options).parts;
    for (const threads of [1, 2]) {
      const concurrent = (await trainModelConcurrently(newsgroups, { ...options, threads })).parts;
      expect({ ...concurrent, metadata: undefined }).toEqual({ ...sequential, metadata: undefined });
    }
  }, 60_000);

  it('reports a failed final fit and stops the fold workers', async () => {
    await expect(trainModelConcurrently(newsgroups, { threads: 2, c: -1 })).rejects.toThrow('c must be a positive number, got -1');
    await expect(trainModelConcurrently(newsgroups, { threads: 2, refineMemory: 0 })).rejects.toThrow('refineMemory must be a positive integer, got 0');
  });
});

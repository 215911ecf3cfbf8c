/**
 * The reference profile trainModel builds (term ids scanned once, each fold's vocabulary, idf and
 * weights fitted from them, held-out documents scored from their term ids) is the profile its
 * definition gives: whole models retrained per fold, measuring the held-out texts as the service
 * does (test/support/retrained-profile.ts).
 */
import { DEFAULT_CATEGORIES, loadNewsgroups } from '../../../src/data/newsgroups';
import { trainModel, type LabelledDocument } from '../../../src/model/training';
import { retrainedProfile } from '../../support/retrained-profile';
import { TINY_CORPUS } from '../../fixtures/tiny-corpus';

describe('reference profile', () => {
  let newsgroups: LabelledDocument[];
  beforeAll(async () => {
    // Every fourth training document of the four default categories (~600): real vocabulary
    // growth and out-of-vocabulary tokens, at a fraction of the full training time.
    const data = await loadNewsgroups({ categories: [...DEFAULT_CATEGORIES] });
    newsgroups = data.train.filter((_, i) => i % 4 === 0);
  }, 60_000);

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
});

/**
 * Accuracy on the real 20 Newsgroups archive (never committed): CI sets
 * NEWSGROUPS_DATA; locally the test falls back to ../shared/data next to the repo.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CATEGORIES, loadNewsgroups } from '../../src/data/newsgroups';
import { evaluateModel, trainModel } from '../../src/model';

const archive = process.env.NEWSGROUPS_DATA ?? resolve(__dirname, '../../../../shared/data/20news-bydate.tar.gz');

/**
 * The target is 0.966 (scikit-learn's SGD reference). The default
 * trainer measures 0.9654 (seed 42); scikit-learn's own SGD gives 0.961-0.965
 * over 10 seeds (see docs/classifier.md). So this floor guards against
 * regressions at 0.96, and the gap to the target is reported rather than
 * hidden by a seed or setting picked on the test split.
 */
const ACCURACY_FLOOR = 0.96;

describe('accuracy on 20 Newsgroups, four rec.* categories', () => {
  it(`reaches accuracy and macro-F1 >= ${ACCURACY_FLOOR} on the 1,590 test documents`, async () => {
    if (!existsSync(archive)) {
      throw new Error(`20 Newsgroups archive not found at ${archive}: set NEWSGROUPS_DATA to 20news-bydate.tar.gz (see .ci/run)`);
    }
    const data = await loadNewsgroups({ source: archive, categories: [...DEFAULT_CATEGORIES] });
    expect([data.train.length, data.test.length]).toEqual([2389, 1590]);
    const report = evaluateModel(trainModel(data.train), data.test);
    expect(report.accuracy).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
    expect(report.macroF1).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
  }, 60_000);
});

/**
 * Accuracy on the real 20 Newsgroups archive (never committed), found as everywhere else:
 * NEWSGROUPS_DATA, ../shared/data beside the repository, the cache, else a download.
 */
import { DEFAULT_CATEGORIES, loadNewsgroups } from '../../../src/data/newsgroups';
import { evaluateModel, trainModel } from '../../../src/model/training';

/**
 * The target: accuracy and macro-F1 >= 0.966. The default trainer
 * solves its objective (multinomial LR, L2, C = 1000) to within ~1.5·10⁻⁴ (relative) of the
 * optimum, which scikit-learn's LogisticRegression(C=1000) also reaches: 0.9667
 * there, 0.9673 / 0.9673 here (1,538 of 1,590; the floor needs 1,536). Neither
 * the seed nor any setting was picked on the test split (docs/classifier.md).
 */
const ACCURACY_FLOOR = 0.966;

describe('accuracy on 20 Newsgroups, four rec.* categories', () => {
  it(`reaches accuracy and macro-F1 >= ${ACCURACY_FLOOR} on the 1,590 test documents`, async () => {
    const data = await loadNewsgroups({ categories: [...DEFAULT_CATEGORIES] });
    expect([data.train.length, data.test.length]).toEqual([2389, 1590]);
    const model = trainModel(data.train);
    // The refinement converged (stopped on its tolerance, not on the iteration cap).
    expect(model.metadata.solver).toMatchObject({ stop: 'relative-decrease' });
    const report = evaluateModel(model, data.test);
    expect(report.accuracy).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
    expect(report.macroF1).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
  }, 60_000);
});

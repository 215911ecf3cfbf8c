import type { TextClassifier } from '../classifier';
import type { LabelledDocument } from './train-model';

/**
 * Classification metrics with scikit-learn's definitions (precision/recall/F1
 * per class, macro-F1 = unweighted mean of per-class F1, a class with no
 * predictions gets precision 0).
 */

export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Test documents whose true class is this one. */
  readonly support: number;
}

export interface EvaluationReport {
  readonly documents: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: readonly ClassMetrics[];
  /** confusion[true][predicted], in `labels` order. */
  readonly confusion: readonly (readonly number[])[];
  readonly labels: readonly string[];
}

export function evaluatePredictions(labels: readonly string[], truth: Int32Array, predicted: Int32Array): EvaluationReport {
  const K = labels.length;
  if (truth.length !== predicted.length) throw new Error(`${truth.length} true labels but ${predicted.length} predictions`);
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][predicted[i]]++;
    if (truth[i] === predicted[i]) correct++;
  }
  const perClass = labels.map((label, c) => {
    const truePositives = confusion[c][c];
    let predictedAs = 0;
    let support = 0;
    for (let k = 0; k < K; k++) {
      predictedAs += confusion[k][c];
      support += confusion[c][k];
    }
    const precision = predictedAs === 0 ? 0 : truePositives / predictedAs;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  return {
    documents: truth.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1: perClass.reduce((sum, m) => sum + m.f1, 0) / K,
    perClass,
    confusion,
    labels,
  };
}

/** Predicts every document and scores the predictions. Unknown labels are an error. */
export function evaluateModel(model: TextClassifier, docs: readonly LabelledDocument[]): EvaluationReport {
  const classId = new Map(model.classes.map((c, i) => [c, i]));
  const truth = new Int32Array(docs.length);
  const predicted = new Int32Array(docs.length);
  docs.forEach((d, i) => {
    const id = classId.get(d.label);
    if (id === undefined) {
      throw new RangeError(`document ${i} has label "${d.label}", which the model does not know (it predicts ${model.classes.join(', ')})`);
    }
    truth[i] = id;
    predicted[i] = model.predictIndex(d.text);
  });
  return evaluatePredictions(model.classes, truth, predicted);
}

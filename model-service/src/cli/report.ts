import type { EvaluationReport } from '../model/training';
import { formatTable } from './table';

const fixed = (x: number) => x.toFixed(4);

/** The evaluation as tables: summary, per-class precision/recall/F1, confusion matrix. */
export function formatEvaluation(report: EvaluationReport): string {
  const summary = formatTable(['metric', 'value'], [
    ['test documents', report.documents],
    ['accuracy', fixed(report.accuracy)],
    ['macro-F1', fixed(report.macroF1)],
  ]);
  const perClass = formatTable(
    ['class', 'precision', 'recall', 'F1', 'support'],
    report.perClass.map((m) => [m.label, fixed(m.precision), fixed(m.recall), fixed(m.f1), m.support]),
  );
  // Columns are numbered to keep the matrix narrow with 20 long category names.
  const confusion = formatTable(
    ['true \\ predicted', ...report.labels.map((_, i) => `${i + 1}`)],
    report.confusion.map((row, i) => [`${i + 1} ${report.labels[i]}`, ...row]),
  );
  return `${summary}\n\n${perClass}\n\nConfusion matrix (rows: true class, columns: predicted class)\n${confusion}\n`;
}

/** key/value lines such as trainer, categories, sizes and times. */
export function formatFacts(facts: Readonly<Record<string, string | number>>): string {
  return formatTable(['', ''], Object.entries(facts).map(([k, v]) => [k, String(v)])).split('\n').slice(2).join('\n');
}

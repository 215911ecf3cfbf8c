/** `npm run evaluate`: re-evaluate a saved model on the test split of its categories. */
import { loadNewsgroups } from '../data/newsgroups';
import { loadModel } from '../model/serving';
import { evaluateModel } from '../model/training';
import { DEFAULT_MODEL_PATH, resolveDataSource, resolveModelPath } from '../paths';
import { StageProgress } from './progress';
import { formatEvaluation, formatFacts } from './report';
import { UsageError, parseFlags } from './flags';
import { runCli } from './run-cli';

export const EVALUATE_USAGE = `Usage: npm run evaluate -- [options]

Loads a model file and evaluates it on the 20 Newsgroups test split of the
categories it was trained on.

Options:
  --model <file>   model file (default: ${DEFAULT_MODEL_PATH} in model-service/)
  --data <path>    20news-bydate.tar.gz or its extracted folder
                   (default: $NEWSGROUPS_DATA, else download to the cache folder)
  --json           print the report as JSON instead of tables
  --help           show this help`;

export interface EvaluateArgs {
  readonly help: boolean;
  readonly json: boolean;
  readonly data?: string;
  readonly model: string;
}

export function parseEvaluateArgs(argv: string[]): EvaluateArgs {
  const flags = parseFlags(argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.model !== undefined && flags.model.trim() === '') throw new UsageError('--model must not be empty');
  if (flags.data !== undefined && flags.data.trim() === '') throw new UsageError('--data must not be empty');
  return { help: flags.help ?? false, json: flags.json ?? false, data: flags.data, model: resolveModelPath(flags.model) };
}

async function main(): Promise<void> {
  const args = parseEvaluateArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${EVALUATE_USAGE}\n`);
    return;
  }
  const flags = { data: args.data, json: args.json };
  const path = args.model;
  const loadStart = performance.now();
  const model = await loadModel(path);
  const modelLoadMs = performance.now() - loadStart;

  const progress = new StageProgress();
  const data = await loadNewsgroups({
    source: resolveDataSource(flags.data),
    categories: model.classes,
    onProgress: (stage, done, total) => progress.update(stage === 'download' ? 'download' : 'read data', Math.round(done / 1e5) / 10, Math.round(total / 1e5) / 10, ' MB'),
  });
  progress.stop();
  const start = performance.now();
  const evaluation = evaluateModel(model, data.test);
  const evaluateSeconds = (performance.now() - start) / 1000;
  const trainedOn = (model.metadata.data ?? {}) as { checksum?: string };
  const sameData = trainedOn.checksum === undefined ? 'unknown' : trainedOn.checksum === data.checksum ? 'yes' : 'NO (different documents than at training time)';

  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ model: { path, version: model.version, loadMs: modelLoadMs, metadata: model.metadata }, sameDataAsTraining: sameData, evaluateSeconds, evaluation }, null, 2)}\n`);
  } else {
    const recorded = model.metadata.evaluation as { accuracy?: number } | undefined;
    const facts = {
      model: path,
      version: model.version,
      'load time': `${modelLoadMs.toFixed(1)} ms`,
      trainer: String(model.metadata.trainer),
      categories: model.classes.join(', '),
      'same data as training': sameData,
      'accuracy recorded at training': recorded?.accuracy === undefined ? '-' : recorded.accuracy.toFixed(4),
      evaluate: `${evaluateSeconds.toFixed(2)} s`,
    };
    process.stdout.write(`${formatFacts(facts)}\n\n${formatEvaluation(evaluation)}`);
  }
}

// Run only as a program, so tests can import parseEvaluateArgs.
if (require.main === module) runCli(main, EVALUATE_USAGE);

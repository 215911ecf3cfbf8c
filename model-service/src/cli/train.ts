/**
 * `npm run train`: load the 20 Newsgroups data, train, evaluate on the test
 * split, save the artifact, print the report (tables, or JSON with --json).
 */
import { DEFAULT_CATEGORIES, loadNewsgroups, parseCategoryList } from '../data/newsgroups';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_SEED, REFINE_ITERATIONS, REFINE_MAX_WORK, REFINE_TOLERANCE, TRAINER_NAMES, evaluateModel, saveModel, trainModelConcurrently, withMetadata, type TrainerName } from '../model/training';
import { DEFAULT_MODEL_PATH, resolveDataSource, resolveModelPath } from '../paths';
import { StageProgress } from './progress';
import { formatEvaluation, formatFacts } from './report';
import { UsageError, numberFlag, parseFlags } from './flags';
import { runCli } from './run-cli';

const sgd = DEFAULT_HYPER_PARAMETERS['softmax-sgd'];
const dense = DEFAULT_HYPER_PARAMETERS['ml-logistic-regression'];

export const TRAIN_USAGE = `Usage: npm run train -- [options]

Trains the TF-IDF + logistic-regression classifier on 20 Newsgroups, evaluates it
on the test split and saves the model file.

Options:
  --data <path>           20news-bydate.tar.gz or its extracted folder
                          (default: $NEWSGROUPS_DATA, else download to the cache folder)
  --categories <list>     comma-separated newsgroups, or "all" (default: ${DEFAULT_CATEGORIES.join(',')})
  --trainer <name>        ${TRAINER_NAMES.join(' | ')} (default: softmax-sgd)
  --c <number>            inverse L2 strength, scikit-learn's C (softmax-sgd; default ${sgd.c})
  --epochs <n>            passes over the data (softmax-sgd; default ${sgd.epochs}) or
                          gradient steps (ml-logistic-regression; default ${dense.epochs})
  --learning-rate <x>     initial step size (default ${sgd.learningRate} / ${dense.learningRate})
  --refine-iterations <n> at most n L-BFGS iterations after SGD, stopping when the objective has
                          converged (softmax-sgd; default ${REFINE_ITERATIONS} when non-zeros × classes
                          ≤ ${REFINE_MAX_WORK.toExponential()}, else 0; 0 turns it off)
  --refine-tolerance <x>  L-BFGS stops once the objective fell by less than this fraction over the
                          last 5 iterations (softmax-sgd; default ${REFINE_TOLERANCE}; 0 runs every iteration)
  --max-features <n>      features kept by chi² (ml-logistic-regression; default ${dense.maxFeatures})
  --seed <n>              seed for the document order (default ${DEFAULT_SEED})
  --threads <n>           worker threads fitting the drift reference profile's out-of-fold models
                          while the final model trains (default: one per core besides the main
                          thread, at most 5; 0: none, the folds are fitted one after another)
  --out <file>            model file to write (default: ${DEFAULT_MODEL_PATH} in model-service/)
  --json                  print the report as JSON instead of tables
  --help                  show this help`;

export interface TrainArgs {
  readonly help: boolean;
  readonly json: boolean;
  readonly data?: string;
  readonly categories: string[];
  readonly trainer: TrainerName;
  readonly hyper: { c?: number; epochs?: number; learningRate?: number; maxFeatures?: number; refineIterations?: number; refineTolerance?: number; seed?: number };
  readonly out: string;
  /** Worker threads for the reference profile's folds; undefined: the default. */
  readonly threads?: number;
}

/** Parses and validates the flags; throws UsageError naming the bad flag. */
export function parseTrainArgs(argv: string[]): TrainArgs {
  const flags = parseFlags(argv, {
    data: { type: 'string' },
    categories: { type: 'string' },
    trainer: { type: 'string' },
    c: { type: 'string' },
    epochs: { type: 'string' },
    'learning-rate': { type: 'string' },
    'max-features': { type: 'string' },
    'refine-iterations': { type: 'string' },
    'refine-tolerance': { type: 'string' },
    seed: { type: 'string' },
    threads: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  const trainer = (flags.trainer ?? 'softmax-sgd') as TrainerName;
  if (!TRAINER_NAMES.includes(trainer)) throw new UsageError(`--trainer must be one of ${TRAINER_NAMES.join(', ')}, got "${flags.trainer}"`);
  let categories: string[];
  try {
    categories = flags.categories === undefined ? [...DEFAULT_CATEGORIES] : parseCategoryList(flags.categories);
  } catch (error) {
    throw new UsageError(`--categories: ${(error as Error).message}`);
  }
  if (flags.data !== undefined && flags.data.trim() === '') throw new UsageError('--data must not be empty');
  if (flags.out !== undefined && flags.out.trim() === '') throw new UsageError('--out must not be empty');
  const hyper = {
    c: numberFlag('c', flags.c, { min: 0, exclusiveMin: true }),
    epochs: numberFlag('epochs', flags.epochs, { integer: true, min: 1 }),
    learningRate: numberFlag('learning-rate', flags['learning-rate'], { min: 0, exclusiveMin: true }),
    maxFeatures: numberFlag('max-features', flags['max-features'], { integer: true, min: 1 }),
    refineIterations: numberFlag('refine-iterations', flags['refine-iterations'], { integer: true, min: 0 }),
    refineTolerance: numberFlag('refine-tolerance', flags['refine-tolerance'], { min: 0 }),
    seed: numberFlag('seed', flags.seed, { integer: true, min: 0 }),
  };
  if (trainer === 'ml-logistic-regression' && hyper.c !== undefined) throw new UsageError('--c applies to the softmax-sgd trainer only');
  if (trainer === 'ml-logistic-regression' && hyper.refineIterations !== undefined) throw new UsageError('--refine-iterations applies to the softmax-sgd trainer only');
  if (trainer === 'ml-logistic-regression' && hyper.refineTolerance !== undefined) throw new UsageError('--refine-tolerance applies to the softmax-sgd trainer only');
  if (trainer === 'softmax-sgd' && hyper.maxFeatures !== undefined) throw new UsageError('--max-features applies to the ml-logistic-regression trainer only');
  const threads = numberFlag('threads', flags.threads, { integer: true, min: 0 });
  return { help: flags.help ?? false, json: flags.json ?? false, data: flags.data, categories, trainer, hyper, out: resolveModelPath(flags.out), threads };
}

async function main(): Promise<void> {
  const args = parseTrainArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return;
  }
  const { trainer, hyper, categories, out } = args;
  const flags = { data: args.data, json: args.json };

  const progress = new StageProgress();
  const loadStart = performance.now();
  const data = await loadNewsgroups({
    source: resolveDataSource(flags.data),
    categories,
    onProgress: (stage, done, total) => progress.update(stage === 'download' ? 'download' : 'read data', Math.round(done / 1e5) / 10, Math.round(total / 1e5) / 10, ' MB'),
  });
  progress.stop();
  const loadSeconds = (performance.now() - loadStart) / 1000;

  const trainStart = performance.now();
  const trained = await trainModelConcurrently(data.train, {
    trainer,
    ...hyper,
    threads: args.threads,
    metadata: {
      data: { checksum: data.checksum, categories: data.categories, trainDocuments: data.train.length, testDocuments: data.test.length },
    },
    onProgress: (stage, done, total) => progress.update(stage === 'vectorize' ? 'vectorize' : 'train', done, total, stage === 'vectorize' ? ' docs' : trainer === 'softmax-sgd' ? ' passes (SGD epochs + L-BFGS iterations)' : ' classes'),
  });
  progress.stop();
  const trainSeconds = (performance.now() - trainStart) / 1000;

  const evaluateStart = performance.now();
  const evaluation = evaluateModel(trained, data.test);
  const evaluateSeconds = (performance.now() - evaluateStart) / 1000;
  const model = withMetadata(trained, { evaluation, trainSeconds });
  const saved = await saveModel(model, out);

  const facts = {
    model: out,
    version: saved.version,
    'file size': `${(saved.bytes / 1e6).toFixed(2)} MB`,
    trainer,
    'hyper-parameters': JSON.stringify(model.metadata.hyperParameters),
    categories: data.categories.join(', '),
    'documents (train / test)': `${data.train.length} / ${data.test.length}`,
    vocabulary: model.parts.vocabulary.length,
    'data checksum': data.checksum.slice(0, 16),
    'load data': `${loadSeconds.toFixed(2)} s`,
    'train (incl. vectorizing)': `${trainSeconds.toFixed(2)} s`,
    evaluate: `${evaluateSeconds.toFixed(2)} s`,
  };
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ model: { path: out, version: saved.version, bytes: saved.bytes, trainer, hyperParameters: model.metadata.hyperParameters, vocabularySize: model.parts.vocabulary.length }, data: model.metadata.data, timings: { loadSeconds, trainSeconds, evaluateSeconds }, evaluation }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${formatFacts(facts)}\n\n${formatEvaluation(evaluation)}`);
  }
}

// Run only as a program, so tests can import parseTrainArgs.
if (require.main === module) runCli(main, TRAIN_USAGE);

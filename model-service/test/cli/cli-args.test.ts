import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseEvaluateArgs } from '../../src/cli/evaluate';
import { resolveDataSource, resolveUserPath } from '../../src/paths';
import { TRAIN_USAGE, parseTrainArgs } from '../../src/cli/train';
import { UsageError } from '../../src/cli/flags';

describe('train flags', () => {
  it('has defaults: four rec.* categories, softmax-sgd, models/model.json in model-service/', () => {
    const args = parseTrainArgs([]);
    expect(args.categories).toEqual(['rec.autos', 'rec.motorcycles', 'rec.sport.baseball', 'rec.sport.hockey']);
    expect(args.trainer).toBe('softmax-sgd');
    expect(args.out).toBe(resolve(__dirname, '../../models/model.json'));
    expect(args.hyper).toEqual({ c: undefined, epochs: undefined, learningRate: undefined, maxFeatures: undefined, refineIterations: undefined, refineTolerance: undefined, seed: undefined });
  });

  it('parses every flag', () => {
    const args = parseTrainArgs(['--data', 'x.tar.gz', '--categories', 'all', '--trainer', 'ml-logistic-regression', '--epochs', '5', '--learning-rate', '0.001', '--max-features', '500', '--seed', '7', '--out', 'm.json', '--json']);
    expect(args.categories).toHaveLength(20);
    expect(args).toMatchObject({ data: 'x.tar.gz', trainer: 'ml-logistic-regression', json: true, out: resolveUserPath('m.json') });
    expect(args.hyper).toEqual({ c: undefined, epochs: 5, learningRate: 0.001, maxFeatures: 500, refineIterations: undefined, refineTolerance: undefined, seed: 7 });
    expect(parseTrainArgs(['--refine-iterations', '0']).hyper.refineIterations).toBe(0);
    expect(parseTrainArgs(['--refine-tolerance', '1e-6']).hyper.refineTolerance).toBe(1e-6);
    expect(parseTrainArgs(['--refine-tolerance', '0']).hyper.refineTolerance).toBe(0);
    expect(parseTrainArgs(['--threads', '0']).threads).toBe(0);
    expect(parseTrainArgs(['--threads', '2']).threads).toBe(2);
    expect(parseTrainArgs([]).threads).toBeUndefined();
  });

  it.each([
    [['--epoch', '3'], "Unknown option '--epoch'"],
    [['--epochs', 'ten'], '--epochs must be an integer, got "ten"'],
    [['--epochs', '2.5'], '--epochs must be an integer, got "2.5"'],
    [['--epochs', '0'], '--epochs must be at least 1, got 0'],
    [['--c=-1'], '--c must be greater than 0, got -1'],
    [['--c', ''], '--c must be a number, got ""'],
    [['--seed=-3'], '--seed must be at least 0'],
    [['--trainer', 'svm'], '--trainer must be one of softmax-sgd, ml-logistic-regression, got "svm"'],
    [['--categories', 'rec.autos'], '--categories: need at least two categories'],
    [['--max-features', '10'], '--max-features applies to the ml-logistic-regression trainer only'],
    [['--trainer', 'ml-logistic-regression', '--c', '3'], '--c applies to the softmax-sgd trainer only'],
    [['--out', ' '], '--out must not be empty'],
    [['--refine-iterations', '-1'], 'Option \'--refine-iterations\' argument is ambiguous'],
    [['--refine-iterations=-1'], '--refine-iterations must be at least 0'],
    [['--trainer', 'ml-logistic-regression', '--refine-iterations', '5'], '--refine-iterations applies to the softmax-sgd trainer only'],
    [['--refine-tolerance=-0.1'], '--refine-tolerance must be at least 0'],
    [['--refine-tolerance', 'tight'], '--refine-tolerance must be a number, got "tight"'],
    [['--threads', 'many'], '--threads must be an integer, got "many"'],
    [['--threads=-1'], '--threads must be at least 0'],
    [['--trainer', 'ml-logistic-regression', '--refine-tolerance', '1e-3'], '--refine-tolerance applies to the softmax-sgd trainer only'],
    [['stray'], "Unexpected argument 'stray'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(UsageError);
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });
});

describe('evaluate flags', () => {
  it('defaults the model path and rejects bad flags', () => {
    expect(parseEvaluateArgs([]).model).toBe(resolve(__dirname, '../../models/model.json'));
    expect(parseEvaluateArgs(['--model', 'a.json', '--json'])).toMatchObject({ model: resolveUserPath('a.json'), json: true });
    expect(() => parseEvaluateArgs(['--modle', 'a.json'])).toThrow("Unknown option '--modle'");
  });
});

describe('train CLI process', () => {
  it('exits 2 with the message on one line, then the usage', async () => {
    const run = promisify(execFile);
    const cli = resolve(__dirname, '../../src/cli/train.ts');
    const error = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', cli, '--epochs', 'many'], { cwd: resolve(__dirname, '../..') }).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stderr).toBe(`error: --epochs must be an integer, got "many"\n\n${TRAIN_USAGE}\n`);
  }, 30_000);
});

describe('user paths', () => {
  it('resolves relative paths from where npm was run (INIT_CWD), not from model-service/', () => {
    expect(resolveUserPath('data/a.tar.gz', { INIT_CWD: '/work/main' })).toBe('/work/main/data/a.tar.gz');
    expect(resolveUserPath('/abs/a.tar.gz', { INIT_CWD: '/work/main' })).toBe('/abs/a.tar.gz');
    expect(resolveDataSource(undefined, { INIT_CWD: '/w', NEWSGROUPS_DATA: '../shared/x.tar.gz' })).toBe('/shared/x.tar.gz');
    expect(resolveDataSource('y.tar.gz', { INIT_CWD: '/w', NEWSGROUPS_DATA: 'x.tar.gz' })).toBe('/w/y.tar.gz');
    expect(resolveDataSource(undefined, {})).toBeUndefined();
  });
});

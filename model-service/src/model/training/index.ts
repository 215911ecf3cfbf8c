/** Training, evaluation and saving: what the CLIs and benchmarks use (never the service). */
export { evaluateModel, type ClassMetrics, type EvaluationReport } from './evaluation';
export { classifierFromParts, saveModel, withMetadata } from './save-model';
export { DEFAULT_SEED, trainModel, trainModelConcurrently, type LabelledDocument, type TrainOptions } from './train-model';
export { DEFAULT_HYPER_PARAMETERS, REFINE_ITERATIONS, REFINE_MAX_WORK, REFINE_TOLERANCE, TRAINER_NAMES, type TrainerName } from './trainers';

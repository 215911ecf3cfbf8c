/**
 * Builds the service in-process for `app.inject()` tests: a real classifier
 * (trained on the tiny fixture corpus), its own metrics registry, a logger
 * whose JSON lines are captured, and optionally a real tracer provider.
 */
import type { Tracer } from '@opentelemetry/api';
import { buildApp, ModelServiceApp } from '../../src/app';
import { defaultConfig, ServiceConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createRegistry } from '../../src/metrics/registry';
import type { FeedbackForwarder } from '../../src/monitoring/feedback-peers';
import { tinyModel, TrainedModel } from './model';

export interface TestApp extends ModelServiceApp {
  readonly model: TrainedModel;
  /** Every log line written so far, parsed. */
  readonly logs: Record<string, unknown>[];
}

let cachedModel: Promise<TrainedModel> | undefined;

export async function buildTestApp(
  overrides: Partial<ServiceConfig> = {},
  options: { tracer?: Tracer; feedbackForwarder?: FeedbackForwarder } = {},
): Promise<TestApp> {
  cachedModel ??= tinyModel();
  const model = await cachedModel;
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: overrides.logLevel ?? 'info',
    destination: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const service = await buildApp({
    classifier: model.classifier,
    // Shedding off unless a test turns it on: Jest compiling modules on first use
    // stalls the event loop past the default threshold.
    config: defaultConfig({ modelPath: model.modelPath, maxEventLoopDelayMs: 0, ...overrides }),
    registry: createRegistry(),
    logger,
    tracer: options.tracer,
    feedbackForwarder: options.feedbackForwarder,
  });
  return { ...service, model, logs };
}

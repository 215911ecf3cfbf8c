import { performance } from 'node:perf_hooks';
import { Attributes, Context, ROOT_CONTEXT, Span, trace, Tracer } from '@opentelemetry/api';
import { InferenceStage } from '../metrics/catalogue';
import { ServiceMetrics } from '../metrics/registry';
import { Prediction, TextClassifier } from '../model/classifier';

/** Span attribute names for the model (no semantic convention exists for them yet). */
export const MODEL_ATTRIBUTES = {
  version: 'ml.model.version',
  predictedClass: 'ml.prediction.class',
  confidence: 'ml.prediction.confidence',
  tokenCount: 'ml.document.tokens',
  outOfVocabularyCount: 'ml.document.oov_tokens',
} as const;

/**
 * Classifies one document stage by stage (tokenize -> tfidf -> predict), timing
 * each stage into the stage histogram and, when the request is traced, emitting
 * the span tree
 *
 *   <server span>
 *   ├── preprocess
 *   │   ├── tokenize
 *   │   └── tfidf
 *   └── predict
 *
 * Parents are passed explicitly (`trace.setSpan(ROOT_CONTEXT, parent)`) rather
 * than through the async context manager: the stages are synchronous, and an
 * explicit parent avoids a context switch per span.
 */
export function classifyDocument(
  classifier: TextClassifier,
  text: string,
  metrics: ServiceMetrics,
  tracer: Tracer,
  requestSpan: Span | undefined,
): Prediction {
  const traced = requestSpan !== undefined && requestSpan.isRecording();
  let parent: Context = ROOT_CONTEXT;
  let preprocess: Span | undefined;
  let stageSpan: Span | undefined;
  if (traced) {
    parent = trace.setSpan(ROOT_CONTEXT, requestSpan);
    preprocess = tracer.startSpan('preprocess', undefined, parent);
    stageSpan = tracer.startSpan('tokenize', undefined, trace.setSpan(ROOT_CONTEXT, preprocess));
  }

  const t0 = performance.now();
  const doc = classifier.tokenize(text);
  const t1 = performance.now();
  if (traced) {
    stageSpan!.end();
    stageSpan = tracer.startSpan('tfidf', undefined, trace.setSpan(ROOT_CONTEXT, preprocess!));
  }
  const t2 = performance.now();
  const vector = classifier.tfidf(doc);
  const t3 = performance.now();
  if (traced) {
    stageSpan!.end();
    preprocess!.end();
    stageSpan = tracer.startSpan('predict', undefined, parent);
  }
  const t4 = performance.now();
  const prediction = classifier.predictVector(vector, doc);
  const t5 = performance.now();
  if (traced) {
    const attributes: Attributes = {
      [MODEL_ATTRIBUTES.version]: classifier.version,
      [MODEL_ATTRIBUTES.predictedClass]: prediction.label,
      [MODEL_ATTRIBUTES.confidence]: prediction.confidence,
      [MODEL_ATTRIBUTES.tokenCount]: prediction.tokenCount,
      [MODEL_ATTRIBUTES.outOfVocabularyCount]: prediction.outOfVocabularyCount,
    };
    stageSpan!.setAttributes(attributes);
    stageSpan!.end();
  }

  const stageSeconds: Record<InferenceStage, number> = {
    tokenize: (t1 - t0) / 1000,
    tfidf: (t3 - t2) / 1000,
    predict: (t5 - t4) / 1000,
  };
  metrics.observeInference({
    stageSeconds,
    label: prediction.label,
    confidence: prediction.confidence,
    tokenCount: prediction.tokenCount,
    outOfVocabularyCount: prediction.outOfVocabularyCount,
  });
  return prediction;
}

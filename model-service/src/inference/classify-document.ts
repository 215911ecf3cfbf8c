import { performance } from 'node:perf_hooks';
import { Attributes, Context, ROOT_CONTEXT, Span, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';
import { InferenceStage } from '../contract';
import { ServiceMetrics } from '../metrics/registry';
import { Prediction, TextClassifier } from '../model/classifier';
import type { DriftMonitor } from '../monitoring/drift-monitor';

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
  drift?: DriftMonitor,
): Prediction {
  if (requestSpan === undefined || !requestSpan.isRecording()) return classifyUntraced(classifier, text, metrics, drift);

  const parent: Context = trace.setSpan(ROOT_CONTEXT, requestSpan);
  const preprocess = tracer.startSpan('preprocess', undefined, parent);
  const preprocessContext = trace.setSpan(ROOT_CONTEXT, preprocess);
  let stage: Span = tracer.startSpan('tokenize', undefined, preprocessContext);
  try {
    const t0 = performance.now();
    const doc = classifier.tokenize(text);
    const t1 = performance.now();
    stage.end();
    stage = tracer.startSpan('tfidf', undefined, preprocessContext);
    const t2 = performance.now();
    const vector = classifier.tfidf(doc);
    const t3 = performance.now();
    stage.end();
    preprocess.end();
    stage = tracer.startSpan('predict', undefined, parent);
    const t4 = performance.now();
    const prediction = classifier.predictVector(vector, doc);
    const t5 = performance.now();
    const attributes: Attributes = {
      [MODEL_ATTRIBUTES.version]: classifier.version,
      [MODEL_ATTRIBUTES.predictedClass]: prediction.label,
      [MODEL_ATTRIBUTES.confidence]: prediction.confidence,
      [MODEL_ATTRIBUTES.tokenCount]: prediction.tokenCount,
      [MODEL_ATTRIBUTES.outOfVocabularyCount]: prediction.outOfVocabularyCount,
    };
    stage.setAttributes(attributes);
    stage.end();
    record(metrics, prediction, t1 - t0, t3 - t2, t5 - t4);
    drift?.observe(prediction.label, prediction.confidence, doc);
    return prediction;
  } catch (err) {
    // A classifier failure is a bug (answered 500): record it on the spans still open.
    for (const open of [stage, preprocess]) {
      if (open.isRecording()) {
        open.recordException(err as Error);
        open.setStatus({ code: SpanStatusCode.ERROR });
        open.end();
      }
    }
    throw err;
  }
}

function classifyUntraced(classifier: TextClassifier, text: string, metrics: ServiceMetrics, drift: DriftMonitor | undefined): Prediction {
  const t0 = performance.now();
  const doc = classifier.tokenize(text);
  const t1 = performance.now();
  const vector = classifier.tfidf(doc);
  const t2 = performance.now();
  const prediction = classifier.predictVector(vector, doc);
  const t3 = performance.now();
  record(metrics, prediction, t1 - t0, t2 - t1, t3 - t2);
  drift?.observe(prediction.label, prediction.confidence, doc);
  return prediction;
}

function record(metrics: ServiceMetrics, prediction: Prediction, tokenizeMs: number, tfidfMs: number, predictMs: number): void {
  const stageSeconds: Record<InferenceStage, number> = {
    tokenize: tokenizeMs / 1000,
    tfidf: tfidfMs / 1000,
    predict: predictMs / 1000,
  };
  metrics.observeInference({
    stageSeconds,
    label: prediction.label,
    confidence: prediction.confidence,
    tokenCount: prediction.tokenCount,
    outOfVocabularyCount: prediction.outOfVocabularyCount,
  });
}

import { randomBytes } from 'node:crypto';
import { INVALID_SPANID, INVALID_TRACEID, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { classifyDocument, MODEL_ATTRIBUTES } from '../inference/classify-document';
import { ServiceMetrics } from '../metrics/registry';
import type { ModelQuality } from '../monitoring/model-quality';
import { Prediction, TextClassifier } from '../model/classifier';
import { HttpError } from '../plugins/errors';
import { SheddableRouteConfig } from '../plugins/overload';
import { requestSpan } from '../plugins/request-telemetry';
import { predictRouteSchema } from '../schemas/predict';
import { predictionJsonWriter } from './prediction-json';
import { ROUTES } from '../contract';

export interface PredictRouteOptions {
  readonly classifier: TextClassifier;
  readonly metrics: ServiceMetrics;
  readonly tracer: Tracer;
  readonly batchLimit: number;
  readonly quality: ModelQuality;
}

/**
 * `<trace id>-<span id>` of the request's server span: the trace id finds the prediction's trace
 * and log lines, and the span id keeps ids unique when a caller sends several requests under one
 * `traceparent`. A batch's documents add `-<index>`. Without tracing, random ids of the same shape.
 */
export const PREDICTION_ID_PATTERN = /^([0-9a-f]{32})-([0-9a-f]{16})(?:-(\d+))?$/;

/** The request's prediction id (see PREDICTION_ID_PATTERN). */
function requestPredictionId(request: FastifyRequest): string {
  const span = requestSpan(request);
  if (span !== undefined) {
    const context = span.spanContext();
    // The server span's ids come from the SDK's generator (valid by construction) or, without an SDK,
    // are the all-zero invalid ids: a comparison is enough, no regex.
    if (context.traceId !== INVALID_TRACEID && context.spanId !== INVALID_SPANID) return `${context.traceId}-${context.spanId}`;
  }
  const hex = randomBytes(24).toString('hex');
  return `${hex.slice(0, 32)}-${hex.slice(32)}`;
}

function sampled(request: FastifyRequest): boolean {
  return requestSpan(request)?.isRecording() ?? false;
}

interface JsonPredictBody {
  text?: string;
  texts?: string[];
}

const EMPTY_DOCUMENT = 'empty document: send the text to classify as the request body, e.g. curl --data "some text" .../predict';

export function registerPredictRoute(app: FastifyInstance, options: PredictRouteOptions): void {
  const { classifier, metrics, tracer, batchLimit, quality } = options;
  const config: SheddableRouteConfig = { shed: true };
  const predictionJson = predictionJsonWriter(classifier.classes, classifier.version);
  /** The single-document answer, already JSON: with the content type set, Fastify sends the string as is. */
  const answerOne = (request: FastifyRequest, reply: FastifyReply, prediction: Prediction): string => {
    const id = requestPredictionId(request);
    quality.rememberPrediction(id, prediction.label, sampled(request));
    reply.type('application/json; charset=utf-8');
    return predictionJson(prediction, id);
  };

  const classify = (request: FastifyRequest, text: string): Prediction => {
    const span = requestSpan(request);
    const prediction = classifyDocument(classifier, text, metrics, tracer, span, quality.drift);
    if (span !== undefined && span.isRecording()) {
      span.setAttribute(MODEL_ATTRIBUTES.version, classifier.version);
      span.setAttribute(MODEL_ATTRIBUTES.predictedClass, prediction.label);
    }
    return prediction;
  };

  app.post(ROUTES.predict, { schema: predictRouteSchema, config }, async (request, reply) => {
    const body = request.body as string | JsonPredictBody | undefined;
    if (body === undefined || body === null) throw new HttpError(400, EMPTY_DOCUMENT);
    if (typeof body === 'string') return answerOne(request, reply, classify(request, nonEmpty(body, EMPTY_DOCUMENT)));

    if (body.texts !== undefined) {
      if (body.text !== undefined) throw new HttpError(400, 'send either "text" or "texts", not both');
      if (body.texts.length === 0) throw new HttpError(400, '"texts" is empty: send at least one document');
      if (body.texts.length > batchLimit) {
        throw new HttpError(413, `batch of ${body.texts.length} texts is over the limit of ${batchLimit} `
          + '(setting batchLimit / BATCH_LIMIT): split it into smaller batches');
      }
      const texts = body.texts.map((text, i) => nonEmpty(text, `texts[${i}] is empty: every document needs some text`));
      const span = requestSpan(request);
      if (span !== undefined && span.isRecording()) span.setAttribute('ml.batch.size', texts.length);
      const id = requestPredictionId(request);
      const traced = sampled(request);
      return {
        results: texts.map((text, i) => {
          const p = classify(request, text);
          const predictionId = `${id}-${i}`;
          quality.rememberPrediction(predictionId, p.label, traced);
          return { result: p.label, confidence: p.confidence, probabilities: p.probabilities, predictionId };
        }),
        modelVersion: classifier.version,
      };
    }
    if (body.text === undefined) throw new HttpError(400, 'JSON body needs "text" (one document) or "texts" (a batch)');
    return answerOne(request, reply, classify(request, nonEmpty(body.text, EMPTY_DOCUMENT)));
  });
}

function nonEmpty(text: string, message: string): string {
  if (text.trim().length === 0) throw new HttpError(400, message);
  return text;
}

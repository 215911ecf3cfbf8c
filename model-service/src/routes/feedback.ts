import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FEEDBACK_FORWARDED_HEADER, ROUTES } from '../contract';
import type { FeedbackForwarder } from '../monitoring/feedback-peers';
import type { FeedbackOutcome, ModelQuality } from '../monitoring/model-quality';
import { HttpError } from '../plugins/errors';
import { requestSpan } from '../plugins/request-telemetry';
import { FEEDBACK_BODY_SHAPE as SHAPE, feedbackRouteSchema } from '../schemas/feedback';
import { PREDICTION_ID_PATTERN } from './predict';

export interface FeedbackRouteOptions {
  readonly quality: ModelQuality;
  readonly batchLimit: number;
  /** Asks the other pods about ids this pod does not remember (config key feedbackPeers). */
  readonly forwarder?: FeedbackForwarder;
}

/** Span attribute: the trace id of the prediction a feedback request is about. */
export const PREDICTION_TRACE_ID_ATTRIBUTE = 'ml.prediction.trace_id';
/** Log field with the same meaning (the line's own trace_id is the feedback request's). */
export const PREDICTION_TRACE_ID_LOG_FIELD = 'prediction_trace_id';


interface Item {
  readonly predictionId: string;
  readonly label: string;
}

/** The item at `where`, or the sentence saying what is wrong with it. */
function checkItem(value: unknown, where: string): Item | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${where} must be an object: ${SHAPE}`;
  const { predictionId, label, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `${where} has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}: ${SHAPE}`;
  if (typeof predictionId !== 'string' || predictionId.length === 0) return `${where}.predictionId must be a non-empty string (the predictionId /predict answered)`;
  if (typeof label !== 'string' || label.length === 0) return `${where}.label must be a non-empty string (the document's true class)`;
  return { predictionId, label };
}

export function registerFeedbackRoute(app: FastifyInstance, options: FeedbackRouteOptions): void {
  const { quality, batchLimit } = options;

  const { forwarder } = options;

  /** The outcome from this pod's store, or from the peer that remembers the prediction. */
  const outcomeOf = async (request: FastifyRequest, item: Item): Promise<FeedbackOutcome & { peer?: boolean }> => {
    const local = quality.recordFeedback(item.predictionId, item.label);
    if (local.status !== 404) return local;
    const forwarded = request.headers[FEEDBACK_FORWARDED_HEADER] !== undefined;
    if (forwarded) return local; // the asking pod counts the miss once, if no pod knows the id
    const answer = forwarder === undefined ? undefined : await forwarder(item);
    if (answer === undefined) {
      quality.reject('unknown_prediction');
      return local;
    }
    if (answer.statusCode === 200) {
      return { status: 200, predicted: String(answer.body.predicted), correct: answer.body.correct === true, traced: true, peer: true };
    }
    const status = answer.statusCode === 409 || answer.statusCode === 400 ? answer.statusCode : 404;
    return { status, message: String(answer.body.message ?? 'a peer refused the feedback'), peer: true };
  };

  const apply = async (request: FastifyRequest, item: Item): Promise<FeedbackOutcome> => {
    const outcome = await outcomeOf(request, item);
    const traceId = PREDICTION_ID_PATTERN.exec(item.predictionId);
    if (outcome.status === 200 && traceId !== null) {
      const span = requestSpan(request);
      if (span !== undefined && span.isRecording()) {
        span.setAttribute(PREDICTION_TRACE_ID_ATTRIBUTE, traceId[1]);
        // A link to the prediction's server span, so the trace view leads from feedback to prediction.
        if (outcome.traced) span.addLink({ context: { traceId: traceId[1], spanId: traceId[2], traceFlags: 1 } });
      }
      request.log.info(
        {
          [PREDICTION_TRACE_ID_LOG_FIELD]: traceId[1], predictionId: item.predictionId, label: item.label, predicted: outcome.predicted,
          correct: outcome.correct, ...(outcome.peer === true && { answeredBy: 'peer' }),
        },
        `feedback for prediction ${item.predictionId}: ${item.label} (predicted ${outcome.predicted})`,
      );
    }
    return outcome;
  };

  app.post(ROUTES.feedback, { schema: feedbackRouteSchema }, async (request) => {
    const body = request.body as unknown;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      quality.reject('invalid');
      throw new HttpError(400, `the body is not a JSON object: ${SHAPE}`);
    }
    const record = body as Record<string, unknown>;
    if (!('feedback' in record)) {
      const item = checkItem(record, 'the body');
      if (typeof item === 'string') {
        quality.reject('invalid');
        throw new HttpError(400, item);
      }
      const outcome = await apply(request, item);
      if (outcome.status !== 200) throw new HttpError(outcome.status, outcome.message);
      return { predictionId: item.predictionId, statusCode: 200, predicted: outcome.predicted, correct: outcome.correct };
    }

    const { feedback, ...rest } = record;
    if (Object.keys(rest).length > 0) {
      quality.reject('invalid');
      throw new HttpError(400, `a batch body holds only "feedback", not ${Object.keys(rest).map((k) => JSON.stringify(k)).join(', ')}: ${SHAPE}`);
    }
    if (!Array.isArray(feedback) || feedback.length === 0) {
      quality.reject('invalid');
      throw new HttpError(400, `"feedback" must be a non-empty array of {"predictionId", "label"} items`);
    }
    if (feedback.length > batchLimit) {
      throw new HttpError(413, `batch of ${feedback.length} feedback items is over the limit of ${batchLimit} (setting batchLimit / BATCH_LIMIT): split it`);
    }
    let counted = 0;
    const results = [];
    for (const [i, value] of feedback.entries()) {
      const item = checkItem(value, `feedback[${i}]`);
      if (typeof item === 'string') {
        quality.reject('invalid');
        results.push({ statusCode: 400, message: item });
        continue;
      }
      // One at a time, in order: a repeated id in the batch is then a 409, like two requests.
      const outcome = await apply(request, item);
      if (outcome.status !== 200) {
        results.push({ predictionId: item.predictionId, statusCode: outcome.status, message: outcome.message });
        continue;
      }
      counted += 1;
      results.push({ predictionId: item.predictionId, statusCode: 200, predicted: outcome.predicted, correct: outcome.correct });
    }
    return { counted, results };
  });
}

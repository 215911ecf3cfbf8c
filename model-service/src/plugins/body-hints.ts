import type { FastifyRequest } from 'fastify';
import { ROUTES } from '../contract';
import { FEEDBACK_BODY_SHAPE } from '../schemas/feedback';

/**
 * How to fix a body that could not be parsed, for the route it was sent to. Fastify parses the
 * body before the route's handler runs, so its parse errors reach the error handler knowing only
 * the request; the hint must come from here, not from the route.
 */
export interface BodyHint {
  /** After "empty JSON body: ". */
  readonly emptyJson: string;
  /** After "malformed JSON body (...): ". */
  readonly malformedJson: string;
  /** After "unsupported content type "...": ". */
  readonly unsupportedType: string;
}

const PREDICT_HINT: BodyHint = {
  emptyJson: 'send {"text": "<document>"} or {"texts": ["<document>", ...]}',
  malformedJson: 'send {"text": "<document>"} or the document as text/plain',
  unsupportedType: 'send the document as text/plain, application/x-www-form-urlencoded, application/octet-stream or JSON {"text": "..."}',
};

const FEEDBACK_HINT: BodyHint = {
  emptyJson: FEEDBACK_BODY_SHAPE,
  malformedJson: FEEDBACK_BODY_SHAPE,
  unsupportedType: FEEDBACK_BODY_SHAPE,
};

/** The hint for the route the request was matched to; /predict's for any other (there is no other body route). */
export function bodyHint(request: FastifyRequest): BodyHint {
  return request.routeOptions.url === ROUTES.feedback ? FEEDBACK_HINT : PREDICT_HINT;
}

import { errorResponseRef } from './errors';

/** The fix named by every message about a bad /feedback body. */
export const FEEDBACK_BODY_SHAPE = 'send JSON {"predictionId": "<from /predict>", "label": "<true class>"}, or {"feedback": [ ... ]} for a batch';

const itemResult = {
  type: 'object',
  properties: {
    predictionId: { type: 'string' },
    statusCode: { type: 'integer', description: '200 counted, 400 invalid, 404 unknown or expired prediction, 409 feedback already given.' },
    predicted: { type: 'string', description: 'The class the model predicted (counted items).' },
    correct: { type: 'boolean', description: 'Whether the prediction was right (counted items).' },
    message: { type: 'string', description: 'Why the item was not counted.' },
  },
} as const;

/**
 * The body is checked by the route itself, not by a schema: its messages name the item and the
 * field at fault in words (`feedback[2].label must be a string`), which Ajv's do not.
 */
export const feedbackRouteSchema = {
  summary: 'Give the true label of earlier predictions',
  description:
    'JSON `{"predictionId": "...", "label": "rec.autos"}` for one prediction, or `{"feedback": [{...}, ...]}` for a batch '
    + '(at most batchLimit items; each item is answered on its own in `results`, the request with 200). '
    + 'Each prediction is counted once: 404 for an unknown or expired id, 409 when feedback was already given, '
    + '400 for a label that is not a class of the model or a malformed body.',
  response: {
    200: {
      description: 'One item: whether the prediction was right. A batch: `counted` and one result per item, in order.',
      type: 'object',
      properties: {
        ...itemResult.properties,
        counted: { type: 'integer' },
        results: { type: 'array', items: itemResult },
      },
    },
    400: errorResponseRef,
    404: errorResponseRef,
    409: errorResponseRef,
    413: errorResponseRef,
    415: errorResponseRef,
  },
} as const;


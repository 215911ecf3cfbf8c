import { errorResponseRef } from './errors';

/** Content types whose whole body is the document (what curl --data, Locust and raw clients send). */
export const RAW_DOCUMENT_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
] as const;

export const predictionSchema = {
  $id: 'Prediction',
  type: 'object',
  required: ['result', 'probabilities', 'modelVersion'],
  properties: {
    result: { type: 'string', description: 'The predicted category (the reference service\'s field name).' },
    confidence: { type: 'number', description: 'Probability of the predicted category.' },
    probabilities: {
      type: 'object',
      description: 'Probability of every category.',
      additionalProperties: { type: 'number' },
    },
    modelVersion: { type: 'string', description: 'Content hash of the model that answered.' },
    predictionId: {
      type: 'string',
      description: 'Send it back with the true label to POST /feedback. `<trace id>-<span id>`: the trace id finds the request\'s trace and logs.',
    },
  },
} as const;

export const batchPredictionSchema = {
  $id: 'BatchPrediction',
  type: 'object',
  required: ['results', 'modelVersion'],
  properties: {
    results: {
      type: 'array',
      description: 'One prediction per input text, in input order.',
      items: {
        type: 'object',
        required: ['result', 'probabilities'],
        properties: {
          result: { type: 'string' },
          confidence: { type: 'number' },
          probabilities: { type: 'object', additionalProperties: { type: 'number' } },
          predictionId: { type: 'string', description: 'This document\'s prediction id: the request\'s, plus `-<index>`.' },
        },
      },
    },
    modelVersion: { type: 'string' },
  },
} as const;

const jsonBodySchema = {
  description: '`{"text": "..."}` for one document or `{"texts": ["...", ...]}` for a batch.',
  type: 'object',
  properties: {
    text: { type: 'string', description: 'One document.' },
    texts: { type: 'array', items: { type: 'string' }, description: 'A batch of documents (at most batchLimit).' },
  },
  additionalProperties: false,
} as const;

const rawBodySchema = { type: 'string', description: 'The document itself.' } as const;

export const predictRouteSchema = {
  summary: 'Classify a document into a 20 Newsgroups category',
  description:
    'Send the document as the raw body (text/plain, application/x-www-form-urlencoded as `curl --data` sends, '
    + 'application/octet-stream, or no content type), or JSON `{"text": ...}` / `{"texts": [...]}`. '
    + 'The raw body is the document: form bodies are not decoded into fields.',
  body: {
    content: {
      'application/json': { schema: jsonBodySchema },
      ...Object.fromEntries(RAW_DOCUMENT_CONTENT_TYPES.map((type) => [type, { schema: rawBodySchema }])),
    },
  },
  response: {
    // One schema for both shapes: fast-json-stringify picks a oneOf branch by
    // validating the object with Ajv on every response, which costs more than
    // the inference; optional properties serialise in one pass.
    200: {
      description: 'A prediction (`result`, `probabilities`, `modelVersion`), or `results` + `modelVersion` for a batch.',
      type: 'object',
      properties: {
        ...predictionSchema.properties,
        results: batchPredictionSchema.properties.results,
      },
    },
    400: errorResponseRef,
    413: errorResponseRef,
    415: errorResponseRef,
    503: errorResponseRef,
  },
} as const;

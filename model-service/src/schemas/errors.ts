/** The JSON body of every error the service answers (4xx and 5xx). */
export const errorResponseSchema = {
  $id: 'ErrorResponse',
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', description: 'HTTP status code, repeated for clients that only read the body.' },
    error: { type: 'string', description: 'HTTP reason phrase, e.g. "Bad Request".' },
    message: { type: 'string', description: 'What was wrong and how to fix it.' },
    traceId: { type: 'string', description: 'Trace id of the request, to find its logs and trace.' },
  },
} as const;

export interface ErrorResponse {
  statusCode: number;
  error: string;
  message: string;
  traceId?: string;
}

export const errorResponseRef = { $ref: 'ErrorResponse#' } as const;

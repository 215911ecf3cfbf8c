import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorResponse } from '../schemas/errors';
import { bodyHint } from './body-hints';
import { requestTraceId } from './request-telemetry';

/** An error whose message is safe to show the client: a 4xx naming the problem and the fix. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(request: FastifyRequest, statusCode: number, message: string): ErrorResponse {
  const body: ErrorResponse = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  const traceId = requestTraceId(request);
  if (traceId !== undefined) body.traceId = traceId;
  return body;
}

export interface ErrorHandlingOptions {
  readonly bodyLimitBytes: number;
}

/**
 * Every failure answers a JSON ErrorResponse. Client errors keep their 4xx
 * status with a message saying what to fix (Fastify's own messages for body
 * parsing are reworded to name our setting); anything else is a 500 whose
 * details stay in the log, found through the trace id in the body.
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode = clientStatus(error);
    if (statusCode === undefined) {
      request.log.error({ err: error }, 'request failed with an unexpected error');
      return sendError(request, reply, 500, 'internal error: the service logged the details under this trace id');
    }
    const message = clientMessage(error, request, options);
    request.log.info({ errorCode: error.code, reason: message }, 'rejected request');
    return sendError(request, reply, statusCode, message);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.length > 200 ? `${request.url.slice(0, 200)}...` : request.url;
    return sendError(request, reply, 404, `no route ${request.method} ${path}; the API is described at /docs`);
  });
}

function sendError(request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).type('application/json; charset=utf-8').send(errorBody(request, statusCode, message));
}

function clientStatus(error: FastifyError): number | undefined {
  if (error.validation !== undefined) return 400;
  const status = error.statusCode;
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

function clientMessage(error: FastifyError, request: FastifyRequest, options: ErrorHandlingOptions): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than the limit of ${options.bodyLimitBytes} bytes (setting bodyLimitBytes / BODY_LIMIT_BYTES)`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `empty JSON body: ${bodyHint(request).emptyJson}`;
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `malformed JSON body (${error.message}): ${bodyHint(request).malformedJson}`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}: ${bodyHint(request).unsupportedType}`;
    default:
      if (error.validation !== undefined) {
        return `invalid request ${error.validationContext ?? 'body'}: ${error.message}`;
      }
      if (error instanceof SyntaxError) {
        return `malformed JSON body (${error.message}): ${bodyHint(request).malformedJson}`;
      }
      return error.message;
  }
}

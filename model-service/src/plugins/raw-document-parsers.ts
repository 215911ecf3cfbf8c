import type { FastifyInstance } from 'fastify';
import { RAW_DOCUMENT_CONTENT_TYPES } from '../schemas/predict';
import { bodyHint } from './body-hints';
import { HttpError } from './errors';

/**
 * Accepts the document as the raw request body. Fastify answers 415 to unknown
 * content types and has no parser for form or octet-stream bodies, but
 * `curl --data` sends application/x-www-form-urlencoded, Locust sends
 * text/plain and some clients send no content type at all. For all of them the
 * body *is* the document: form bodies are deliberately not decoded into fields.
 */
export function registerRawDocumentParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([...RAW_DOCUMENT_CONTENT_TYPES], { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
  // Fastify routes bodies without a Content-Type to the catch-all parser; other
  // unknown types get a 415 naming what is accepted.
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (request.headers['content-type'] === undefined) {
      done(null, body);
    } else {
      done(new HttpError(415, `unsupported content type ${JSON.stringify(request.headers['content-type'])}: ${bodyHint(request).unsupportedType}`), undefined);
    }
  });
}

import { buildTestApp, TestApp } from '../support/app';

describe('POST /predict', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ bodyLimitBytes: 2048, batchLimit: 3 });
  });
  afterAll(() => t.app.close());

  const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/predict', payload, headers });

  it.each([
    ['text/plain', 'text/plain; charset=utf-8'],
    ['curl --data (form content type)', 'application/x-www-form-urlencoded'],
    ['octet-stream', 'application/octet-stream'],
  ])('classifies a raw %s body', async (_name, contentType) => {
    const response = await post('The telescope showed a comet near the moon', { 'content-type': contentType });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.result).toBe('astronomy');
    expect(body.modelVersion).toBe(t.model.classifier.version);
    expect(Object.keys(body.probabilities).sort()).toEqual(['astronomy', 'cooking', 'sailing']);
    expect(body.probabilities.astronomy).toBeCloseTo(body.confidence, 12);
  });

  it('classifies a body sent without a content type', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/predict', payload: 'hoist the sail in the breeze' });
    // light-my-request adds no content type for a string payload only if told; remove it explicitly.
    expect(response.statusCode).toBe(200);
    const raw = await t.app.inject({
      method: 'POST', url: '/predict', payload: Buffer.from('bake the bread with garlic'),
      headers: { 'content-type': undefined as unknown as string },
    });
    expect(raw.statusCode).toBe(200);
    expect(raw.json().result).toBe('cooking');
  });

  it('does not decode a form body into fields: the body is the document', async () => {
    const response = await post('text=telescope&moon=comet', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.statusCode).toBe(200);
    expect(response.json().result).toBe('astronomy');
  });

  it('accepts JSON {"text"} and answers a batch {"texts"} one result per text, in order', async () => {
    const single = await post(JSON.stringify({ text: 'garlic sauce' }), { 'content-type': 'application/json' });
    expect(single.statusCode).toBe(200);
    expect(single.json().result).toBe('cooking');
    const batch = await post(JSON.stringify({ texts: ['garlic sauce', 'the telescope', 'trim the mainsail'] }), { 'content-type': 'application/json' });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().results.map((r: { result: string }) => r.result)).toEqual(['cooking', 'astronomy', 'sailing']);
    expect(batch.json().modelVersion).toBe(t.model.classifier.version);
  });

  it.each([
    ['an empty raw body', '', 'text/plain', 400, "empty document: send the text to classify as the request body, e.g. curl --data \"some text\" .../predict"],
    ['a whitespace-only body', '  \n\t ', 'text/plain', 400, "empty document: send the text to classify as the request body, e.g. curl --data \"some text\" .../predict"],
    ['an empty JSON body', '', 'application/json', 400, "empty JSON body: send {\"text\": \"<document>\"} or {\"texts\": [\"<document>\", ...]}"],
    ['malformed JSON', '{"text": ', 'application/json', 400, "malformed JSON body (Body is not valid JSON but content-type is set to 'application/json'): send {\"text\": \"<document>\"} or the document as text/plain"],
    ['JSON without text', '{"other": 1}', 'application/json', 400, "JSON body needs \"text\" (one document) or \"texts\" (a batch)"],
    ['JSON with a non-string text', '{"text": 5}', 'application/json', 400, "invalid request body: body/text must be string"],
    ['an empty text', '{"text": ""}', 'application/json', 400, "empty document: send the text to classify as the request body, e.g. curl --data \"some text\" .../predict"],
    ['an empty batch', '{"texts": []}', 'application/json', 400, "\"texts\" is empty: send at least one document"],
    ['a batch with an empty text', '{"texts": ["ok", " "]}', 'application/json', 400, "texts[1] is empty: every document needs some text"],
    ['text and texts together', '{"text": "a", "texts": ["b"]}', 'application/json', 400, "send either \"text\" or \"texts\", not both"],
    ['a batch over the limit', JSON.stringify({ texts: ['a', 'b', 'c', 'd'] }), 'application/json', 413, "batch of 4 texts is over the limit of 3 (setting batchLimit / BATCH_LIMIT): split it into smaller batches"],
    ['a body over the limit', 'x'.repeat(4096), 'text/plain', 413, "request body is larger than the limit of 2048 bytes (setting bodyLimitBytes / BODY_LIMIT_BYTES)"],
    ['an unsupported content type', 'abc', 'image/png', 415, "unsupported content type \"image/png\": send the document as text/plain, application/x-www-form-urlencoded, application/octet-stream or JSON {\"text\": \"...\"}"],
  ])('rejects %s with a JSON error', async (_name, payload, contentType, status, message) => {
    const response = await post(payload, { 'content-type': contentType });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(body).toMatchObject({ statusCode: status });
    // The whole message: what was wrong and how to send it instead.
    expect(body.message).toBe(message);
  });

  it('answers 404 as JSON for unknown routes and methods', async () => {
    for (const [method, url] of [['GET', '/nope'], ['GET', '/predict'], ['DELETE', '/metrics']] as const) {
      const response = await t.app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: `no route ${method} ${url}; the API is described at /docs` });
    }
  });

  it('survives binary junk and odd encodings without a 500', async () => {
    const junk = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 97) % 256));
    // Raw-document types classify whatever bytes arrive (decoded as UTF-8, invalid sequences replaced).
    for (const contentType of ['application/octet-stream', 'text/plain; charset=latin1']) {
      const response = await post(junk, { 'content-type': contentType });
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.json()).sort()).toEqual(['confidence', 'modelVersion', 'predictionId', 'probabilities', 'result']);
    }
    // JSON that is not JSON is the client's mistake, and the answer says how to send it.
    const json = await post(junk, { 'content-type': 'application/json' });
    expect(json.statusCode).toBe(400);
    expect(json.json().message).toMatch(/^malformed JSON body .*: send \{"text": "<document>"\} or the document as text\/plain$/);
  });
});

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
    ['an empty raw body', '', 'text/plain', 400, /empty document/],
    ['a whitespace-only body', '  \n\t ', 'text/plain', 400, /empty document/],
    ['an empty JSON body', '', 'application/json', 400, /empty JSON body/],
    ['malformed JSON', '{"text": ', 'application/json', 400, /malformed JSON/],
    ['JSON without text', '{"other": 1}', 'application/json', 400, /must NOT have additional properties|needs "text"/],
    ['JSON with a non-string text', '{"text": 5}', 'application/json', 400, /text/],
    ['an empty text', '{"text": ""}', 'application/json', 400, /empty document/],
    ['an empty batch', '{"texts": []}', 'application/json', 400, /"texts" is empty/],
    ['a batch with an empty text', '{"texts": ["ok", " "]}', 'application/json', 400, /texts\[1\] is empty/],
    ['text and texts together', '{"text": "a", "texts": ["b"]}', 'application/json', 400, /either "text" or "texts"/],
    ['a batch over the limit', JSON.stringify({ texts: ['a', 'b', 'c', 'd'] }), 'application/json', 413, /batch of 4 texts is over the limit of 3/],
    ['a body over the limit', 'x'.repeat(4096), 'text/plain', 413, /larger than the limit of 2048 bytes.*bodyLimitBytes/],
    ['an unsupported content type', 'abc', 'image/png', 415, /unsupported content type "image\/png"/],
  ])('rejects %s with a JSON error', async (_name, payload, contentType, status, message) => {
    const response = await post(payload, { 'content-type': contentType });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(body).toMatchObject({ statusCode: status });
    expect(body.message).toMatch(message);
  });

  it('answers 404 as JSON for unknown routes and methods', async () => {
    for (const [method, url] of [['GET', '/nope'], ['GET', '/predict'], ['DELETE', '/metrics']] as const) {
      const response = await t.app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(response.json().message).toMatch(/no route .* see|described at \/docs/);
    }
  });

  it('survives binary junk and odd encodings without a 500', async () => {
    const junk = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 97) % 256));
    for (const contentType of ['application/octet-stream', 'text/plain; charset=latin1', 'application/json']) {
      const response = await post(junk, { 'content-type': contentType });
      expect(response.statusCode).toBeLessThan(500);
    }
  });
});

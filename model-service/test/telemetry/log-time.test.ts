import pino from 'pino';
import { cachedIsoTime } from '../../src/logger';

describe('cachedIsoTime', () => {
  it('writes what pino.stdTimeFunctions.isoTime writes, formatting once per millisecond', () => {
    let now = Date.UTC(2026, 10, 22, 11, 46, 50, 701);
    const time = cachedIsoTime(() => now);
    const first = time();
    expect(first).toBe(',"time":"2026-11-22T11:46:50.701Z"');
    expect(time()).toBe(first);
    now += 1;
    expect(time()).toBe(',"time":"2026-11-22T11:46:50.702Z"');
    // Same shape as pino's own formatter.
    expect(JSON.parse(`{${pino.stdTimeFunctions.isoTime().slice(1)}}`).time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.parse(`{${cachedIsoTime()().slice(1)}}`).time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

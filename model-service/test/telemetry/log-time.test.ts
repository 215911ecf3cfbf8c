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
  });

  it('with the real clock, writes exactly what pino\'s isoTime writes at the same instant', () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 2, 3, 4, 5, 6) });
    try {
      const time = cachedIsoTime();
      expect(time()).toBe(pino.stdTimeFunctions.isoTime());
      jest.setSystemTime(Date.UTC(2031, 11, 31, 23, 59, 59, 999));
      expect(time()).toBe(pino.stdTimeFunctions.isoTime());
    } finally {
      jest.useRealTimers();
    }
  });
});

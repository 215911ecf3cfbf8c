import { randomBytes } from 'node:crypto';
import { EvictionReason, PredictionStore } from '../../src/monitoring/prediction-store';

/** A prediction id of the shape /predict answers: `<32 hex>-<16 hex>`, plus `-<i>` in a batch. */
function predictionId(): string {
  const hex = randomBytes(24).toString('hex');
  return `${hex.slice(0, 32)}-${hex.slice(32)}`;
}

function store(maxEntries: number, ttlMs: number) {
  let now = 1_764_460_800_000;
  const evicted: EvictionReason[] = [];
  const s = new PredictionStore({ maxEntries, ttlMs, now: () => now, onEvict: (r) => evicted.push(r) });
  return { s, evicted, advance: (ms: number) => (now += ms) };
}

describe('PredictionStore', () => {
  it('matches a prediction once: then duplicate, with its class and traced flag', () => {
    const { s } = store(10, 1000);
    const [a, b] = [predictionId(), predictionId()];
    s.remember(a, 3, true);
    s.remember(b, 255, false);
    expect(s.match(a)).toEqual({ kind: 'matched', classIndex: 3, traced: true });
    expect(s.match(a)).toEqual({ kind: 'duplicate', classIndex: 3 });
    expect(s.match(b)).toEqual({ kind: 'matched', classIndex: 255, traced: false });
    expect(s.match(predictionId())).toEqual({ kind: 'unknown' });
  });

  it('tells a batch\'s documents apart, and a different trace with the same span id', () => {
    const { s } = store(10, 1000);
    const id = predictionId();
    s.remember(`${id}-0`, 1, true);
    s.remember(`${id}-1`, 2, true);
    expect(s.match(id)).toEqual({ kind: 'unknown' });
    expect(s.match(`${id}-1`)).toMatchObject({ kind: 'matched', classIndex: 2 });
    expect(s.match(`${id}-0`)).toMatchObject({ kind: 'matched', classIndex: 1 });
    const otherTrace = `${'0'.repeat(24)}${id.slice(24, 32) === '00000000' ? '11111111' : '00000000'}${id.slice(32)}-0`;
    expect(s.match(otherTrace)).toEqual({ kind: 'unknown' });
  });

  it('ignores ids of another shape, and answers them unknown', () => {
    const { s } = store(10, 1000);
    for (const bad of ['', 'x', 'A'.repeat(49), `${'g'.repeat(32)}-${'0'.repeat(16)}`, `${predictionId()}-`, `${predictionId()}-x`, `${predictionId()}-${'9'.repeat(12)}`]) {
      s.remember(bad, 1, false);
      expect(s.match(bad)).toEqual({ kind: 'unknown' });
    }
    expect(s.size).toBe(0);
  });

  it('forgets predictions older than the TTL, counting only those that never got feedback', () => {
    const { s, evicted, advance } = store(10, 1000);
    const [old, labelled, young] = [predictionId(), predictionId(), predictionId()];
    s.remember(old, 0, false);
    s.remember(labelled, 1, false);
    expect(s.match(labelled).kind).toBe('matched');
    advance(600);
    s.remember(young, 2, false);
    advance(400); // 'old' and 'labelled' are now exactly 1000 ms old
    expect(s.match(old)).toEqual({ kind: 'unknown' });
    expect(s.match(labelled)).toEqual({ kind: 'unknown' });
    expect(evicted).toEqual(['ttl']);
    expect(s.size).toBe(1);
    expect(s.match(young).kind).toBe('matched');
    advance(600);
    s.expire();
    expect(s.size).toBe(0);
    expect(evicted).toEqual(['ttl']); // 'young' had its feedback
  });

  it('keeps at most maxEntries, dropping the oldest and counting it', () => {
    const { s, evicted } = store(3, 60_000);
    const ids = Array.from({ length: 5 }, predictionId);
    for (const id of ids) s.remember(id, 0, false);
    expect(s.size).toBe(3);
    expect(evicted).toEqual(['capacity', 'capacity']);
    expect(s.match(ids[0]).kind).toBe('unknown');
    expect(s.match(ids[1]).kind).toBe('unknown');
    expect(s.match(ids[4]).kind).toBe('matched');
  });

  it('finds every live entry after a million inserts through a small table (probe runs shift back correctly)', () => {
    const { s } = store(64, 1e12);
    const live: string[] = [];
    for (let i = 0; i < 1_000_000 / 64; i++) {
      for (let k = 0; k < 64; k++) {
        const id = predictionId();
        s.remember(id, k % 4, false);
        live.push(id);
        if (live.length > 64) live.shift();
      }
      if (i % 1000 === 0) for (const id of live) expect(s.match(id).kind).not.toBe('unknown');
    }
    expect(s.size).toBe(64);
  });

  it('replaces a repeated id instead of growing, and keeps nothing with maxEntries 0', () => {
    const { s } = store(3, 60_000);
    const id = predictionId();
    s.remember(id, 1, false);
    s.remember(id, 2, false);
    expect(s.size).toBe(1);
    expect(s.match(id)).toEqual({ kind: 'matched', classIndex: 2, traced: false });
    const none = store(0, 60_000);
    none.s.remember(id, 1, false);
    expect(none.s.match(id)).toEqual({ kind: 'unknown' });
  });

  it('is allocated once: 100,000 predictions take a fixed ~5 MB', () => {
    expect(new PredictionStore({ maxEntries: 100_000, ttlMs: 1 }).bytes).toBe(100_000 * 26 + 262_144 * 4);
  });

  it('refuses bad bounds and class indices it cannot hold', () => {
    expect(() => new PredictionStore({ maxEntries: -1, ttlMs: 1 })).toThrow('maxEntries must be a non-negative integer');
    expect(() => new PredictionStore({ maxEntries: 1, ttlMs: 0 })).toThrow('ttlMs must be positive');
    expect(() => store(3, 1000).s.remember(predictionId(), 256, false)).toThrow('class index 256 out of range');
  });
});

import { EvictionReason, PredictionStore } from '../../src/monitoring/prediction-store';

function store(maxEntries: number, ttlMs: number) {
  let now = 1_764_460_800_000; // a 2025 timestamp in ms: the packed value must keep its bits
  const evicted: EvictionReason[] = [];
  const s = new PredictionStore({ maxEntries, ttlMs, now: () => now, onEvict: (r) => evicted.push(r) });
  return { s, evicted, advance: (ms: number) => (now += ms) };
}

describe('PredictionStore', () => {
  it('matches a prediction once: then duplicate, with its class and traced flag', () => {
    const { s } = store(10, 1000);
    s.remember('a', 3, true);
    s.remember('b', 255, false);
    expect(s.match('a')).toEqual({ kind: 'matched', classIndex: 3, traced: true });
    expect(s.match('a')).toEqual({ kind: 'duplicate', classIndex: 3 });
    expect(s.match('b')).toEqual({ kind: 'matched', classIndex: 255, traced: false });
    expect(s.match('zzz')).toEqual({ kind: 'unknown' });
  });

  it('forgets predictions older than the TTL, counting only those that never got feedback', () => {
    const { s, evicted, advance } = store(10, 1000);
    s.remember('old', 0, false);
    s.remember('labelled', 1, false);
    expect(s.match('labelled').kind).toBe('matched');
    advance(600);
    s.remember('young', 2, false);
    advance(400); // 'old' and 'labelled' are now exactly 1000 ms old
    expect(s.match('old')).toEqual({ kind: 'unknown' });
    expect(s.match('labelled')).toEqual({ kind: 'unknown' });
    expect(evicted).toEqual(['ttl']);
    expect(s.size).toBe(1);
    expect(s.match('young').kind).toBe('matched');
    advance(600);
    s.expire();
    expect(s.size).toBe(0);
    expect(evicted).toEqual(['ttl']); // 'young' had its feedback
  });

  it('keeps at most maxEntries, dropping the oldest and counting it', () => {
    const { s, evicted } = store(3, 60_000);
    for (const id of ['1', '2', '3', '4', '5']) s.remember(id, 0, false);
    expect(s.size).toBe(3);
    expect(evicted).toEqual(['capacity', 'capacity']);
    expect(s.match('1').kind).toBe('unknown');
    expect(s.match('2').kind).toBe('unknown');
    expect(s.match('5').kind).toBe('matched');
  });

  it('replaces a repeated id instead of growing, and keeps nothing with maxEntries 0', () => {
    const { s } = store(3, 60_000);
    s.remember('x', 1, false);
    s.remember('x', 2, false);
    expect(s.size).toBe(1);
    expect(s.match('x')).toEqual({ kind: 'matched', classIndex: 2, traced: false });
    const none = store(0, 60_000);
    none.s.remember('x', 1, false);
    expect(none.s.match('x')).toEqual({ kind: 'unknown' });
  });

  it('refuses bad bounds and class indices it cannot pack', () => {
    expect(() => new PredictionStore({ maxEntries: -1, ttlMs: 1 })).toThrow('maxEntries must be a non-negative integer');
    expect(() => new PredictionStore({ maxEntries: 1, ttlMs: 0 })).toThrow('ttlMs must be positive');
    expect(() => store(3, 1000).s.remember('x', 256, false)).toThrow('class index 256 out of range');
  });
});

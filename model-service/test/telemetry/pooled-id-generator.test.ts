import crypto from 'node:crypto';
import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { PooledIdGenerator } from '../../src/tracing/pooled-id-generator';

describe('PooledIdGenerator', () => {
  it('hands out valid, distinct trace and span ids across many pool refills', () => {
    const generator = new PooledIdGenerator(64); // a small pool: refills every few ids
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const traceId = generator.generateTraceId();
      const spanId = generator.generateSpanId();
      expect(isValidTraceId(traceId)).toBe(true);
      expect(isValidSpanId(spanId)).toBe(true);
      seen.add(traceId).add(spanId);
    }
    expect(seen.size).toBe(10_000);
  });

  it('never returns an all-zero id', () => {
    const generator = new PooledIdGenerator(16);
    // Force a pool of zeros: the generator must skip the invalid ids and refill.
    const zeros = jest.spyOn(crypto, 'randomFillSync');
    zeros.mockImplementationOnce(<T extends NodeJS.ArrayBufferView>(buffer: T) => {
      new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).fill(0);
      return buffer;
    });
    try {
      expect(isValidSpanId(generator.generateSpanId())).toBe(true);
    } finally {
      zeros.mockRestore();
    }
  });
});

import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

const TRACE_ID_CHARS = 32;
const SPAN_ID_CHARS = 16;

/**
 * Trace and span ids cut from a pool of random hex, refilled from the OS's
 * CSPRNG (`crypto.randomFillSync`) a few kilobytes at a time.
 *
 * Why not the SDK's RandomIdGenerator: it converts every id to hex with a
 * separate `Buffer.toString('hex')` call, which with its Math.random calls came
 * to ~1.6 % of the loaded service's CPU in a profile (a trace id and five span
 * ids per request). Here one conversion serves ~170 ids and an id is a slice of
 * the pooled string: 250-280 → 55-75 ns per trace id + span id in a
 * micro-benchmark. A slice keeps its pool string (8 KiB) alive while the id is
 * alive, which for a span means until its batch is exported.
 */
export class PooledIdGenerator implements IdGenerator {
  private readonly random: Buffer;
  private pool = '';
  private next = 0;

  constructor(poolBytes = 4096) {
    this.random = Buffer.allocUnsafe(poolBytes);
  }

  generateTraceId(): string {
    return this.take(TRACE_ID_CHARS);
  }

  generateSpanId(): string {
    return this.take(SPAN_ID_CHARS);
  }

  private take(chars: number): string {
    for (;;) {
      if (this.next + chars > this.pool.length) {
        randomFillSync(this.random);
        this.pool = this.random.toString('hex');
        this.next = 0;
      }
      const id = this.pool.slice(this.next, this.next + chars);
      this.next += chars;
      // W3C trace context forbids an all-zero id (a 2^-64 chance at most): take the next one.
      if (!/^0+$/.test(id)) return id;
    }
  }
}

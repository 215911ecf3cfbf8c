import type { FastifyInstance } from 'fastify';

type SendContinuation = (err: null, payload: unknown) => void;

/**
 * Sends the responses finished during one event-loop turn together, at the end
 * of that turn (a `setImmediate`), instead of each as soon as it is ready.
 *
 * Why: every response written to a client that is asleep in `epoll_wait`
 * makes the kernel wake it, and a wake-up on another CPU is an inter-processor
 * interrupt, which on a virtual machine is a trap to the hypervisor, all on
 * the writing (server's) core. Measured under `npm run bench:http` (c): one
 * such interrupt per request when responses went out one by one, ~0.1 per
 * request when a turn's responses went out back to back (the client is still
 * awake from the first when the others arrive). The same happens to any
 * client on the same node (ingress, sidecars, Prometheus): loopback and veth
 * deliver in the sender's context.
 *
 * The cost is latency: a response waits for the rest of its turn, which is
 * the other requests read in the same turn and already being answered. A
 * large batch request in the same turn holds the others back for its
 * duration. Node's http `end()` always uncorks its socket, so the deferral is
 * done one level up, in Fastify's last `onSend` step, through its public hook
 * API; `coalesceResponses: false` turns it off.
 */
export function registerResponseCoalescing(app: FastifyInstance): void {
  let continuations: SendContinuation[] = [];
  let payloads: unknown[] = [];

  const sendAll = (): void => {
    const sends = continuations;
    const bodies = payloads;
    continuations = [];
    payloads = [];
    for (let i = 0; i < sends.length; i++) {
      try {
        sends[i](null, bodies[i]);
      } catch (err) {
        // Fastify reports send errors through its own handlers; this only
        // guards the rest of the turn's responses against a throw here.
        app.log.error({ err }, 'sending a coalesced response failed');
      }
    }
  };

  app.addHook('onSend', (_request, _reply, payload, done) => {
    if (continuations.length === 0) setImmediate(sendAll);
    continuations.push(done as SendContinuation);
    payloads.push(payload);
  });
}

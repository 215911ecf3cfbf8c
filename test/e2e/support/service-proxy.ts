/**
 * A Kubernetes Service in front of several processes, where no kube-proxy runs: a TCP listener on
 * loopback that hands each new connection to one of the processes that are ready (their readiness
 * URL answers 2xx), in turn, as a Service's endpoints are its ready pods. A connection stays with
 * its process until either side closes it (a killed process drops it, and the client's next
 * connection goes to another), which is what a ClusterIP Service does to a long-lived gRPC
 * connection. Hand-written: it is a test stand-in of a few lines, not a production proxy.
 */
import * as net from 'node:net';
import { LOOPBACK } from './loopback-configs';

export interface ServiceEndpoint {
  /** The process' port on loopback. */
  readonly port: number;
  /** Answers 2xx while the process is ready. */
  readonly readyUrl: string;
}

export interface ServiceProxy {
  readonly port: number;
  /** The endpoints that were ready at the last check (by port). */
  readyPorts(): number[];
  close(): Promise<void>;
}

/** How often readiness is checked, like a kubelet's readiness probe period (shorter, for a test). */
const READINESS_PERIOD_MS = 500;

export async function startServiceProxy(port: number, endpoints: readonly ServiceEndpoint[]): Promise<ServiceProxy> {
  const ready = new Set<number>();
  let next = 0;
  let closed = false;
  const probe = async () => {
    await Promise.all(endpoints.map(async (e) => {
      const ok = await fetch(e.readyUrl, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
      if (ok) ready.add(e.port);
      else ready.delete(e.port);
    }));
  };
  const timer = setInterval(() => void probe(), READINESS_PERIOD_MS);
  timer.unref();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    const candidates = endpoints.filter((e) => ready.has(e.port));
    if (candidates.length === 0) {
      client.destroy();
      return;
    }
    const target = candidates[next++ % candidates.length];
    const upstream = net.connect(target.port, LOOPBACK);
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', drop);
    upstream.once('error', drop);
    client.once('close', drop);
    upstream.once('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  return {
    port,
    readyPorts: () => [...ready],
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Listening ports for the local stack's processes. Taken below the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 by default): a port found free there and
 * released (the usual "listen on 0, close" trick) can be handed to any outgoing connection, such
 * as Loki's or Tempo's own, before the backend that should listen on it starts, which made
 * Promtail fail with "address already in use" now and then. All ports are held until the last is
 * found, so none repeats.
 */
import { readFileSync } from 'node:fs';
import { Server, createServer } from 'node:net';

function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/**
 * Every port this process has handed out: the runs of one test file start their stacks at the same
 * time, and a port one run found free and released must not be found free again by another.
 */
const handedOut = new Set<number>();

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** `count` distinct ports free on 127.0.0.1, from [10000, start of the ephemeral range), none of `exclude`. */
export async function loopbackPorts(count: number, exclude: readonly number[] = []): Promise<number[]> {
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralStart());
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt > count * 50) throw new Error(`no ${count} free loopback ports between ${low} and ${high}`);
      const port = low + Math.floor(Math.random() * (high - low));
      if (ports.includes(port) || exclude.includes(port) || handedOut.has(port)) continue;
      const server = await listen(port);
      if (server) {
        held.push(server);
        ports.push(port);
      }
    }
    for (const p of ports) handedOut.add(p);
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/**
 * `count` ports free on 127.0.0.1 whose `port + offset` is free too, below the ephemeral range
 * for both: SeaweedFS listens for gRPC on each of its HTTP ports + 10000, and its clients (`weed
 * shell`, the S3 gateway) find that port by the same rule.
 */
export async function loopbackPortPairs(count: number, offset: number): Promise<number[]> {
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralStart()) - offset;
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt > count * 50) throw new Error(`no ${count} free loopback port pairs (port, port + ${offset}) from ${low}`);
      const port = low + Math.floor(Math.random() * (high - low));
      if (ports.some((p) => Math.abs(p - port) <= 1 || p + offset === port || port + offset === p)) continue;
      if (handedOut.has(port) || handedOut.has(port + offset)) continue;
      const first = await listen(port);
      const second = first ? await listen(port + offset) : undefined;
      if (first && second) {
        held.push(first, second);
        ports.push(port);
      } else if (first) {
        held.push(first);
      }
    }
    for (const p of ports) handedOut.add(p).add(p + offset);
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

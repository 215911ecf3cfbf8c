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

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** `count` distinct ports free on 127.0.0.1, from [10000, start of the ephemeral range). */
export async function loopbackPorts(count: number): Promise<number[]> {
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralStart());
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt > count * 50) throw new Error(`no ${count} free loopback ports between ${low} and ${high}`);
      const port = low + Math.floor(Math.random() * (high - low));
      if (ports.includes(port)) continue;
      const server = await listen(port);
      if (server) {
        held.push(server);
        ports.push(port);
      }
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

import { promises as dns } from 'node:dns';
import { networkInterfaces } from 'node:os';
import { FEEDBACK_FORWARDED_HEADER, ROUTES } from '../contract';

/** What a peer answered for one forwarded feedback item. */
export interface PeerAnswer {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

export interface FeedbackPeersOptions {
  /** DNS name of the headless Service listing the pods. */
  readonly dnsName: string;
  readonly port: number;
  /** Per-peer request timeout. @default 1000 */
  readonly timeoutMs?: number;
  /**
   * Name resolution (tests pass their own).
   * @default getaddrinfo (dns.lookup, every IPv4 address): it honours the pod's DNS search domains, so
   * `<service>-peers.<namespace>.svc` resolves without knowing the cluster domain; a headless Service
   * answers with the address of every ready pod
   */
  readonly resolve?: (name: string) => Promise<string[]>;
  /** This pod's addresses, skipped. @default the addresses of the network interfaces */
  readonly selfAddresses?: ReadonlySet<string>;
}

/** Asks the other pods about one feedback item; resolves with the first answer that is not 404, if any. */
export type FeedbackForwarder = (item: { predictionId: string; label: string }) => Promise<PeerAnswer | undefined>;

function ownAddresses(): Set<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)));
}

/**
 * Predictions are remembered by the pod that made them, but a Service sends a feedback request to
 * any pod: a pod that does not know an id asks its peers (the addresses of a headless Service),
 * marking the request so that a peer answers from its own store and never forwards it on.
 */
export function feedbackForwarder(options: FeedbackPeersOptions): FeedbackForwarder {
  const resolve = options.resolve
    ?? (async (name: string) => (await dns.lookup(name, { all: true, family: 4 })).map((a) => a.address));
  const self = options.selfAddresses ?? ownAddresses();
  const timeoutMs = options.timeoutMs ?? 1000;
  return async (item) => {
    let peers: string[];
    try {
      peers = (await resolve(options.dnsName)).filter((address) => !self.has(address));
    } catch {
      return undefined; // no peers resolvable: answer from this pod alone
    }
    const answers = await Promise.all(peers.map(async (address): Promise<PeerAnswer | undefined> => {
      try {
        const response = await fetch(`http://${address}:${options.port}${ROUTES.feedback}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [FEEDBACK_FORWARDED_HEADER]: '1' },
          body: JSON.stringify(item),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { statusCode: response.status, body: (await response.json()) as Record<string, unknown> };
      } catch {
        return undefined; // a peer that is down or slow cannot have it
      }
    }));
    return answers.find((a) => a !== undefined && a.statusCode !== 404);
  };
}

/**
 * Whom to give up when a table of unfinished handshakes is full and a new one arrives (the DTLS
 * server, WebSocketServer, WebSocketMultiplayerPeer). Refusing the newcomer lets whoever filled
 * the table keep it: clients that connect and then stall hold every place until their handshake
 * times out, and renew them as fast as they time out. Instead one waiting entry goes: the oldest
 * of the address holding the most. A machine opening many handshakes loses its own first; an
 * entry of another address keeps its place however slow its client is, so long as the flooding
 * address holds more. Only entries still in their handshake are passed in: a completed
 * connection is never given up.
 *
 * Counting by address works here because each of these tables admits an address only after it
 * proved it receives there (a DTLS cookie, a TCP handshake). ENet's half-open CONNECTs come from
 * addresses anyone can forge, so its flood policy weighs evictions per address/port instead
 * (enet/admission.ts).
 */

/**
 * The entry to evict among `entries`: among the entries of the addresses (per `addressOf`) that
 * hold the most, the one with the smallest `since` (the oldest, or the one that heard from its
 * client least recently). With one entry per address, that is the oldest of all. Undefined when
 * there are none.
 */
export function evictionCandidate<T>(entries: Iterable<T>, addressOf: (entry: T) => string, since: (entry: T) => number): T | undefined {
  const list = [...entries];
  const counts = new Map<string, number>();
  let most = 0;
  for (const e of list) {
    const address = addressOf(e);
    const n = (counts.get(address) ?? 0) + 1;
    counts.set(address, n);
    if (n > most) most = n;
  }
  let victim: T | undefined;
  let oldest = Infinity;
  for (const e of list) {
    const t = since(e);
    if (t < oldest && counts.get(addressOf(e)) === most) {
      victim = e;
      oldest = t;
    }
  }
  return victim;
}

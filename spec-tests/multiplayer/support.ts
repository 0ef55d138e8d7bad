/** Helpers for the multiplayer tests: driving peers on the memory network, recording their events. */
import type { MemoryNetwork } from "../../src/transport/memory.ts";
import { MultiplayerPeerEvent, type MultiplayerPeer } from "../../src/multiplayer/index.ts";

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Poll every peer, then let `stepMs` of virtual time pass, until `done()` holds; throws after `maxMs` virtual ms. */
export async function drive(net: MemoryNetwork, peers: MultiplayerPeer[], done: () => boolean, what: string, maxMs = 10000, stepMs = 2): Promise<void> {
  const end = net.clock.now() + maxMs;
  for (;;) {
    for (const p of peers) p.poll();
    if (done()) return;
    if (net.clock.now() >= end) throw new Error(`timed out after ${maxMs} virtual ms waiting for ${what}`);
    await net.runFor(stepMs);
  }
}

/** Poll every peer for `ms` of virtual time. */
export async function settle(net: MemoryNetwork, peers: MultiplayerPeer[], ms: number, stepMs = 2): Promise<void> {
  const end = net.clock.now() + ms;
  while (net.clock.now() < end) {
    for (const p of peers) p.poll();
    await net.runFor(stepMs);
  }
  for (const p of peers) p.poll();
}

/** Records peer_connected / peer_disconnected events as "+id" / "-id". */
export function recordEvents(peer: MultiplayerPeer): string[] {
  const log: string[] = [];
  peer.addEventListener("peer_connected", (e) => log.push(`+${(e as MultiplayerPeerEvent).id}`));
  peer.addEventListener("peer_disconnected", (e) => log.push(`-${(e as MultiplayerPeerEvent).id}`));
  return log;
}

export interface Received {
  from: number;
  channel: number;
  mode: number;
  text: string;
}

/** Pop every queued packet with its metadata. */
export function drain(peer: MultiplayerPeer, into: Received[] = []): Received[] {
  while (peer.getAvailablePacketCount() > 0) {
    const from = peer.getPacketPeer();
    const channel = peer.getPacketChannel();
    const mode = peer.getPacketMode();
    into.push({ from, channel, mode, text: dec(peer.getPacket()) });
  }
  return into;
}

/** Texts of the packets, sorted (for order-independent comparisons across senders). */
export const texts = (r: Received[]): string[] => r.map((x) => `${x.from}:${x.text}`).sort();

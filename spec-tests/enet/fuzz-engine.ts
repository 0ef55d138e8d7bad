/**
 * The ENet hostile-input scenario shared by the suite's seeded slice (hostile.test.ts) and the
 * long run (`npm run fuzz`, fuzz-run.ts): a server with a live honest session and a real
 * attacking client whose datagrams are mutated on the wire, plus injected random, truncated and
 * mutated datagrams from several addresses. Returns what happened; callers assert.
 */
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { MAX_QUEUED_INCOMING_COMMANDS } from "../../src/enet/constants.ts";
import type { DropCounters, HostCore } from "../../src/enet/host-core.ts";
import { ProtocolCommand, writeU16BE, writeU32BE } from "../../src/enet/wire.ts";
import { createCompressor } from "../../src/compress/compressors.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { SimNetwork } from "./sim.ts";
import { checkMessage, makeMessage } from "./workload.ts";

/** Rewrite one command field of a datagram to an out-of-range value. */
export function corruptField(d: Uint8Array, rng: SeededRandom): void {
  const off = d[0]! & 0x80 ? 4 : 2;
  if (d.length < off + 4) return;
  const cmd = d[off]! & 0x0f;
  const at = off + 4 + rng.nextInt(Math.max(1, Math.min(20, d.length - off - 8)));
  if (cmd === ProtocolCommand.SEND_FRAGMENT || cmd === ProtocolCommand.SEND_UNRELIABLE_FRAGMENT) {
    const which = rng.nextInt(5);
    const v = [0xffffffff, 1 << 21, 0, 33 * 1024 * 1024, rng.nextU32()][which]!;
    if (off + 24 <= d.length) writeU32BE(d, off + 8 + 4 * rng.nextInt(4), v);
  } else if (at + 2 <= d.length) {
    writeU16BE(d, at, rng.nextInt(2) ? 0xffff : rng.nextInt(0x10000));
  }
}


export interface HostileOptions {
  seed: number;
  /** Hostile datagrams to inject (the attacker's own mutated traffic comes on top). */
  datagrams: number;
  /** Every host's per-datagram compression (default none). */
  compression?: CompressionMode;
  /** Every host's CRC32 checksums (default off). */
  checksum?: boolean;
}

export interface HostileResult {
  injected: number;
  /** Honest messages sent, and their indexes as received (must be 0..sent-1 in order). */
  sent: number;
  received: number[];
  corrupt: number;
  honestDisconnected: boolean;
  /**
   * After the hostile traffic, a quiet moment: the honest session must still be connected with every
   * reliable command it sent acknowledged. A session the server stopped acknowledging (one dropped
   * datagram shape, retransmitted in vain) would otherwise end in a timeout that looks like the
   * honest disconnect at the end, with every message it managed to send intact.
   */
  honestSettled: boolean;
  maxSeenWaiting: number;
  maxPending: number;
  maxWaiting: number;
  drops: DropCounters;
  server: HostCore;
}

export function runHostile(options: HostileOptions): HostileResult {
  const { seed } = options;
  const hostOptions = { checksum: options.checksum ?? false };
  const compressor = (): ReturnType<typeof createCompressor> => createCompressor(options.compression ?? CompressionMode.NONE);
  const rng = new SeededRandom(seed);
  const net = new SimNetwork({ latency: 5, seed: seed + 1 });
  // Every other seed delivers datagrams as the host's to keep, so large packets are views of hostile datagrams.
  net.ownedDelivery = (seed & 1) === 1;
  const maxWaiting = 4 * 1024 * 1024;
  const server = net.addHost({ ...hostOptions, peerCount: 8, channelLimit: 4, maximumWaitingData: maxWaiting, maximumPacketSize: 2 * 1024 * 1024 });
  const honest = net.addHost({ ...hostOptions, peerCount: 1 });
  const attacker = net.addHost({ ...hostOptions, peerCount: 4 });
  for (const h of [server, honest, attacker]) h.core.compressor = compressor();
  const hp = honest.core.connect(server.address, server.port, 4, 0)!;
  const captured: Uint8Array[] = [];
  let injected = 0;
  // The attacker is a real ENet client whose outgoing datagrams are mutated on the wire,
  // so corrupt commands reach the deep parsing paths with valid peer IDs and sessions.
  net.tap = (d, from) => {
    if (from !== attacker) return;
    if (captured.length < 2000) captured.push(d.slice());
    else captured[rng.nextInt(captured.length)] = d.slice();
    const kind = rng.nextInt(4);
    if (kind === 0) d[rng.nextInt(d.length)] ^= 1 << rng.nextInt(8);
    else if (kind === 1) corruptField(d, rng);
  };
  const received: number[] = [];
  let corrupt = 0;
  let honestDisconnected = false;
  let sent = 0;
  let maxSeenWaiting = 0;
  let maxPending = 0;
  let attackerPeer = attacker.core.connect(server.address, server.port, 4, 0);
  const step = (): void => {
    for (let e = server.core.pollEvent(); e; e = server.core.pollEvent()) {
      if (e.type === EventType.RECEIVE && e.peer.address === honest.address) {
        const ok = checkMessage(e.packet!);
        if (ok === null) corrupt++;
        else received.push(ok[1]);
      }
      if (e.type === EventType.DISCONNECT && e.peer.address === honest.address) honestDisconnected = true;
    }
    for (let e = honest.core.pollEvent(); e; e = honest.core.pollEvent()) if (e.type === EventType.DISCONNECT) honestDisconnected = true;
    for (let e = attacker.core.pollEvent(); e; e = attacker.core.pollEvent()) {
      if (e.type === EventType.DISCONNECT) attackerPeer = null;
    }
    if (attackerPeer === null || attackerPeer.state === PeerState.STATE_DISCONNECTED) attackerPeer = attacker.core.connect(server.address, server.port, 1 + rng.nextInt(4), 0);
    if (attackerPeer !== null && attackerPeer.state === PeerState.STATE_CONNECTED) {
      const flags = [PacketFlags.RELIABLE, 0, PacketFlags.UNSEQUENCED, PacketFlags.UNRELIABLE_FRAGMENT][rng.nextInt(4)]!;
      const len = rng.nextInt(3) === 0 ? 2000 + rng.nextInt(6000) : rng.nextInt(300);
      attacker.core.send(attackerPeer, rng.nextInt(attackerPeer.channelCount), new Uint8Array(len), flags);
    }
    let held = 0;
    for (const p of server.core.peers) {
      if (p.queuedIncomingCommands < 0 || p.queuedIncomingCommands > MAX_QUEUED_INCOMING_COMMANDS) throw new Error(`queued incoming commands out of bounds: ${p.queuedIncomingCommands}`);
      maxSeenWaiting = Math.max(maxSeenWaiting, p.totalWaitingData);
      held += p.totalWaitingData;
      for (const c of p.channels) maxPending = Math.max(maxPending, c.incomingUnreliable.length);
    }
    if (held !== server.core.waitingData) throw new Error(`host waiting data ${server.core.waitingData} is not its peers' sum ${held}`);
  };

  while (injected < options.datagrams) {
    // Honest traffic: a reliable message on a random channel every step.
    if (hp.state === PeerState.STATE_CONNECTED) {
      honest.core.send(hp, sent % 4, makeMessage(sent % 4, sent * 3), PacketFlags.RELIABLE);
      sent++;
    }
    // Inject a burst of hostile datagrams from several source addresses.
    for (let k = 0; k < 200; k++, injected++) {
      const r = rng.nextInt(10);
      let d: Uint8Array;
      if (r < 3 || captured.length === 0) {
        d = new Uint8Array(rng.nextInt(1500));
        for (let i = 0; i < d.length; i++) d[i] = rng.nextInt(256);
        if (d.length >= 2 && rng.nextInt(2)) {
          d[0] = d[0]! & 0xf0; // small peer IDs hit real slots
          d[1] = rng.nextInt(8);
        }
      } else {
        d = captured[rng.nextInt(captured.length)]!.slice();
        if (r < 6) d = d.subarray(0, rng.nextInt(d.length + 1));
        else if (r < 8) corruptField(d, rng);
        else d[rng.nextInt(Math.max(1, d.length))] ^= 0xff;
      }
      const fromAttacker = rng.nextInt(3) === 0;
      net.inject(server, d, fromAttacker ? attacker.address : "192.0.2." + rng.nextInt(4), fromAttacker ? attacker.port : 4000 + rng.nextInt(3));
    }
    net.runUntil(net.now + 20, step);
  }
  net.runUntil(net.now + 3_000, step);
  const honestSlot = honest.core.slotOf(hp);
  const honestSettled = !honestDisconnected && honestSlot.state === PeerState.STATE_CONNECTED && honestSlot.sentReliableCount === 0 && !honestSlot.hasQueuedUnblocked;
  honest.core.disconnectLater(hp, 0);
  net.runUntil(net.now + 10_000, step);

  return { injected, sent, received, corrupt, honestDisconnected, honestSettled, maxSeenWaiting, maxPending, maxWaiting, drops: { ...server.core.drops }, server: server.core };
}

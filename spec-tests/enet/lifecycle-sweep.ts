/**
 * A sweep over random API sequences: each seed draws a link and three hosts, then runs a few
 * hundred random steps — connect, send (every delivery mode, fragments included), disconnect,
 * disconnect later, disconnect now, reset, ping, throttle, timeouts, ping intervals, bandwidth
 * limits, and time passing — and checks after every step what must hold whatever the order:
 *
 * - a packet is delivered only inside the session it was sent in (its connectID), on its channel,
 *   intact; reliable packets of a channel arrive once and in order, sequenced unreliable ones in
 *   increasing order, unsequenced ones at most once. One exception is ENet's own: a receiver knows
 *   a session by its slot, the sender's address and port and a 2-bit session ID, so a sender that
 *   was never told its session ended (a reset, a lost disconnect_now, a timeout on one side) can
 *   reach a session that took the same slot later, from the same endpoint, with the same session
 *   ID (or any such session, when this host gave the old one up while connecting, before it heard
 *   the IDs the remote chose). C ENet does the same. Such packets are counted (`ambiguous`), not checked, and neither is the
 *   order of the newer session's own packets after them on that host (the older session's
 *   reliable commands take its sequence numbers); a packet reaching an older session, or one
 *   known by other fields, is a problem;
 * - a slot's CONNECT and DISCONNECT events alternate, and packets arrive only between them;
 * - what a host holds adds up: its waiting data is the sum of its peers', a peer's queued
 *   outgoing bytes stay within maximumOutgoingData (or one packet) and are 0 once nothing is
 *   queued or in flight, the host's queued outgoing bytes are the sum of its peers', and a
 *   disconnected slot holds nothing;
 * - no exception is caught inside a host (internalErrors stays 0).
 *
 * At the end every peer disconnects and the link settles: every slot must be free and empty.
 * link-sweep.ts varies the link under one steady workload; this varies what the application does.
 */
import { SeededRandom } from "../../src/util/prng.ts";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";
import { SendResult } from "../../src/enet/host-core.ts";
import { ENET_PROTOCOL_MAXIMUM_PEER_ID } from "../../src/enet/wire.ts";
import { SimNetwork, type SimHost } from "./sim.ts";

/** Payload header: sender host, delivery kind, channel, connectID, sequence number. */
const HEADER = 11;
const enum Kind {
  RELIABLE = 0,
  UNRELIABLE = 1,
  UNSEQUENCED = 2,
}
const FLAGS_OF_KIND = [PacketFlags.RELIABLE, 0, PacketFlags.UNSEQUENCED] as const;

export interface LifecycleOutcome {
  seed: number;
  steps: number;
  problems: string[];
  /** What happened, for the run's summary line. */
  counts: { connects: number; disconnects: number; sent: number; refused: number; refusedByShare: number; received: number; ambiguous: number; simulatedMs: number };
}

function fill(out: Uint8Array, host: number, kind: Kind, channel: number, connectID: number, seq: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = host;
  out[1] = kind;
  out[2] = channel;
  view.setUint32(3, connectID);
  view.setUint32(7, seq);
  for (let i = HEADER; i < out.length; i++) out[i] = (seq * 31 + i) & 0xff;
}

export function runLifecycle(seed: number, steps = 400): LifecycleOutcome {
  const rng = new SeededRandom(seed);
  const net = new SimNetwork({
    loss: rng.nextInt(31) / 100,
    duplicate: rng.nextInt(11) / 100,
    latency: 1 + rng.nextInt(50),
    jitter: rng.nextInt(50),
    bytesPerMs: rng.chance(0.2) ? 100 + rng.nextInt(1000) : 0,
    ownedDelivery: rng.chance(0.5),
    seed,
  });
  const hosts: SimHost[] = [];
  for (let h = 0; h < 3; h++) {
    hosts.push(
      net.addHost({
        peerCount: 2 + rng.nextInt(3),
        channelLimit: 1 + rng.nextInt(4),
        maximumOutgoingData: [16 * 1024, 256 * 1024, undefined][rng.nextInt(3)],
        maximumWaitingData: rng.chance(0.3) ? 32 * 1024 : undefined,
        // From the seed, not the generator, so seeds not divisible by 3 run as before this option.
        maximumHostOutgoingData: seed % 3 === 0 ? 48 * 1024 : undefined,
      }),
    );
  }
  const problems: string[] = [];
  const counts = { connects: 0, disconnects: 0, sent: 0, refused: 0, refusedByShare: 0, received: 0, ambiguous: 0, simulatedMs: 0 };
  const problem = (what: string): void => {
    if (problems.length < 20) problems.push(`t=${net.now}: ${what}`);
  };
  /** Next sequence number to send, and last one received, by `${host}:${connectID}:${channel}:${kind}`. */
  const nextSeq = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const unsequencedSeen = new Set<string>();
  /** By `${host}:${slot}`: whether the slot's events say it is connected. */
  const eventConnected = new Map<string, boolean>();
  const hostIndex = new Map(hosts.map((h, i) => [h, i]));
  /**
   * By `${host}:${connectID}`: each way that host has known the session (slot, incoming session
   * ID, endpoint; a handshake reset half-open may come back in another slot), with the order in
   * which it was first seen so.
   */
  const sightings = new Map<string, Map<string, number>>();
  let sightingCount = 0;
  /** By `${host}:${connectID}`: sessions the host disconnected or reset while still connecting. */
  const abandoned = new Set<string>();
  const sight = (hi: number, connectID: number, id: string): void => {
    const key = `${hi}:${connectID}`;
    let seen = sightings.get(key);
    if (seen === undefined) sightings.set(key, (seen = new Map()));
    if (!seen.has(id)) seen.set(id, sightingCount++);
  };
  /** A session as a receiver knows it: its slot, the session ID in the sender's headers, the sender. */
  const identity = (slot: number, sessionID: number, from: SimHost | PeerCore): string => `${slot}:${sessionID}:${from.address}:${from.port}`;
  const identityOf = (peer: PeerCore): string => identity(peer.incomingPeerID, peer.incomingSessionID, peer);
  /** By `${host}:${connectID}`: sessions an older one's packets reached (see the header). */
  const reachedByOlder = new Set<string>();

  const slots = (h: SimHost): PeerCore[] => h.core.peers;
  const pick = <T>(list: readonly T[]): T | undefined => (list.length === 0 ? undefined : list[rng.nextInt(list.length)]);

  const drain = (): void => {
    for (const h of hosts) {
      const hi = hostIndex.get(h)!;
      // Sessions are known from their handshake on (a client's once VERIFY_CONNECT gave its session
      // IDs), also those reset before they connected.
      for (const p of slots(h)) {
        if (p.state === PeerState.STATE_DISCONNECTED || p.state === PeerState.STATE_CONNECTING || p.connectID === 0) continue;
        sight(hi, p.connectID, identityOf(p));
        // And as the remote will know it, since it may drop the session before it hears of it
        // (a connect abandoned before VERIFY_CONNECT came) while this side goes on sending.
        const remote = net.hostAt(p.address, p.port);
        if (remote !== undefined && p.outgoingPeerID < ENET_PROTOCOL_MAXIMUM_PEER_ID) sight(hostIndex.get(remote)!, p.connectID, identity(p.outgoingPeerID, p.outgoingSessionID, h));
      }
      for (let e = h.core.pollEvent(); e !== null; e = h.core.pollEvent()) {
        const peer = e.peer as PeerCore;
        const key = `${hi}:${peer.incomingPeerID}`;
        // A DISCONNECT names the session that ended, whose slot may be reset (a new generation) by then.
        if (e.type !== EventType.DISCONNECT && e.generation !== peer.generation) {
          problem(`host ${hi} slot ${peer.incomingPeerID}: ${EventType[e.type]} of generation ${e.generation} after the slot moved to ${peer.generation}`);
        }
        if (e.type === EventType.CONNECT) {
          if (eventConnected.get(key) === true) problem(`host ${hi} slot ${peer.incomingPeerID}: CONNECT twice without a DISCONNECT`);
          eventConnected.set(key, true);
          counts.connects++;
        } else if (e.type === EventType.DISCONNECT) {
          eventConnected.set(key, false);
          counts.disconnects++;
        } else if (e.type === EventType.RECEIVE) {
          counts.received++;
          if (eventConnected.get(key) !== true) problem(`host ${hi} slot ${peer.incomingPeerID}: a packet outside a connection`);
          checkPacket(hi, peer, e.channelID, e.packet!);
        }
      }
    }
  };

  const checkPacket = (hi: number, peer: PeerCore, channelID: number, p: Uint8Array): void => {
    if (p.length < HEADER) return problem(`host ${hi}: a ${p.length}-byte packet`);
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const [from, kind, channel] = [p[0]!, p[1]! as Kind, p[2]!];
    const connectID = view.getUint32(3);
    const seq = view.getUint32(7);
    for (let i = HEADER; i < p.length; i++) {
      if (p[i] !== ((seq * 31 + i) & 0xff)) return problem(`host ${hi}: packet ${from}/${seq} corrupt at byte ${i}`);
    }
    if (connectID !== peer.connectID) {
      const id = identityOf(peer);
      const senderSeen = sightings.get(`${hi}:${connectID}`)?.get(id);
      const receiverSeen = sightings.get(`${hi}:${peer.connectID}`)?.get(id);
      // A session this host gave up while connecting never told it the IDs the remote chose: the
      // remote's datagrams for it may meet any later session here, whichever was seen first.
      const givenUp = abandoned.has(`${hi}:${connectID}`);
      if (senderSeen !== undefined && receiverSeen !== undefined && (senderSeen < receiverSeen || givenUp)) {
        counts.ambiguous++;
        reachedByOlder.add(`${hi}:${peer.connectID}`);
        return;
      }
      return problem(`host ${hi} slot ${peer.incomingPeerID}: a packet of session ${connectID} delivered in session ${peer.connectID}`);
    }
    if (channel !== channelID) return problem(`host ${hi}: a packet of channel ${channel} delivered on ${channelID}`);
    if (reachedByOlder.has(`${hi}:${connectID}`)) return;
    const stream = `${from}:${connectID}:${channel}:${kind}`;
    const last = lastSeq.get(stream) ?? -1;
    if (kind === Kind.RELIABLE && seq !== last + 1) problem(`host ${hi}: reliable ${stream} #${seq} after #${last}`);
    if (kind === Kind.UNRELIABLE && seq <= last) problem(`host ${hi}: sequenced ${stream} #${seq} after #${last}`);
    if (kind === Kind.UNSEQUENCED) {
      const id = `${stream}:${seq}`;
      if (unsequencedSeen.has(id)) problem(`host ${hi}: unsequenced ${id} twice`);
      unsequencedSeen.add(id);
    } else {
      lastSeq.set(stream, Math.max(last, seq));
    }
  };

  const checkHosts = (): void => {
    for (const h of hosts) {
      const hi = hostIndex.get(h)!;
      const core = h.core;
      if (core.drops.internalErrors > 0) problem(`host ${hi}: ${core.drops.internalErrors} internal errors: ${String(core.lastInternalError)}`);
      let waiting = 0;
      let outgoing = 0;
      for (const p of slots(h)) {
        waiting += p.totalWaitingData;
        outgoing += p.queuedOutgoingData;
        if (p.totalWaitingData < 0) problem(`host ${hi} slot ${p.incomingPeerID}: waiting data ${p.totalWaitingData}`);
        const queued = p.queuedOutgoingData;
        if (queued < 0) problem(`host ${hi} slot ${p.incomingPeerID}: queued outgoing ${queued}`);
        if (queued > Math.max(core.maximumOutgoingData, 8000)) problem(`host ${hi} slot ${p.incomingPeerID}: ${queued} outgoing bytes queued (bound ${core.maximumOutgoingData})`);
        if (p.state === PeerState.STATE_DISCONNECTED && (queued !== 0 || p.totalWaitingData !== 0)) {
          problem(`host ${hi} slot ${p.incomingPeerID}: disconnected but holds ${queued} outgoing, ${p.totalWaitingData} waiting`);
        }
        if (queued !== 0 && !p.hasOutgoingCommands()) problem(`host ${hi} slot ${p.incomingPeerID}: ${queued} outgoing bytes counted with nothing queued or in flight`);
      }
      if (waiting !== core.waitingData) problem(`host ${hi}: waiting data ${core.waitingData}, its peers hold ${waiting}`);
      if (outgoing !== core.queuedOutgoingData) problem(`host ${hi}: queued outgoing ${core.queuedOutgoingData}, its peers hold ${outgoing}`);
    }
  };

  for (let step = 0; step < steps; step++) {
    const h = pick(hosts)!;
    const hi = hostIndex.get(h)!;
    const live = slots(h).filter((p) => p.state !== PeerState.STATE_DISCONNECTED);
    const connected = slots(h).filter((p) => p.state === PeerState.STATE_CONNECTED);
    const r = rng.nextInt(100);
    if (r < 8) {
      const other = pick(hosts.filter((o) => o !== h))!;
      h.core.connect(other.address, other.port, 1 + rng.nextInt(4), rng.nextInt(1000));
    } else if (r < 55) {
      const peer = pick(connected);
      if (peer !== undefined) {
        for (let n = 1 + rng.nextInt(rng.chance(0.2) ? 40 : 4); n > 0; n--) {
          const kind = rng.nextInt(3) as Kind;
          const channel = rng.nextInt(peer.channelCount);
          const size = HEADER + (rng.chance(0.1) ? rng.nextInt(6000) : rng.nextInt(300));
          const stream = `${hi}:${peer.connectID}:${channel}:${kind}`;
          const seq = nextSeq.get(stream) ?? 0;
          const packet = new Uint8Array(size);
          fill(packet, hi, kind, channel, peer.connectID, seq);
          const flags = FLAGS_OF_KIND[kind] | (kind === Kind.UNRELIABLE && rng.chance(0.3) ? PacketFlags.UNRELIABLE_FRAGMENT : 0);
          const result = h.core.sendCopy(peer, channel, packet, flags);
          if (result === SendResult.OK) {
            nextSeq.set(stream, seq + 1);
            counts.sent++;
          } else if (result === SendResult.OUTGOING_LIMIT) {
            counts.refused++;
          } else {
            problem(`host ${hi}: send on a connected peer returned ${SendResult[result]}`);
          }
        }
      }
    } else if (r < 60) {
      const peer = pick(live);
      if (peer !== undefined) {
        const how = rng.nextInt(4);
        if (peer.state === PeerState.STATE_CONNECTING) abandoned.add(`${hi}:${peer.connectID}`);
        if (how === 0) h.core.disconnect(peer, rng.nextInt(100));
        else if (how === 1) h.core.disconnectLater(peer, rng.nextInt(100));
        else {
          // No event follows a local disconnect_now or reset: the slot is closed from here.
          if (how === 2) h.core.disconnectNow(peer, rng.nextInt(100));
          else h.core.resetPeer(peer);
          eventConnected.set(`${hi}:${peer.incomingPeerID}`, false);
        }
      }
    } else if (r < 66) {
      const peer = pick(connected);
      if (peer !== undefined) {
        const what = rng.nextInt(4);
        if (what === 0) h.core.ping(peer);
        else if (what === 1) h.core.throttleConfigure(peer, 100 + rng.nextInt(5000), rng.nextInt(33), rng.nextInt(33));
        else if (what === 2) h.core.setTimeout(peer, 32, 5000 + rng.nextInt(5000), 30000);
        else h.core.setPingInterval(peer, 100 + rng.nextInt(2000));
      }
    } else if (r < 68) {
      h.core.bandwidthLimit(rng.chance(0.5) ? 0 : 20_000 + rng.nextInt(1_000_000), rng.chance(0.5) ? 0 : 20_000 + rng.nextInt(1_000_000));
    } else {
      net.runUntil(net.now + 1 + rng.nextInt(rng.chance(0.1) ? 3000 : 100), drain);
    }
    drain();
    checkHosts();
  }

  // Everyone leaves; then the link settles and every slot must be free and empty.
  for (const h of hosts) for (const p of slots(h)) if (p.state !== PeerState.STATE_DISCONNECTED) h.core.disconnect(p, 0);
  net.runUntil(net.now + 120_000, drain);
  drain();
  checkHosts();
  for (const h of hosts) {
    const hi = hostIndex.get(h)!;
    for (const p of slots(h)) if (p.state !== PeerState.STATE_DISCONNECTED) problem(`host ${hi} slot ${p.incomingPeerID}: ${PeerState[p.state]} 120 s after everyone disconnected`);
    if (h.core.waitingData !== 0) problem(`host ${hi}: holds ${h.core.waitingData} waiting bytes at the end`);
  }
  counts.simulatedMs = net.now;
  for (const h of hosts) counts.refusedByShare += h.core.drops.outgoingShare;
  return { seed, steps, problems, counts };
}

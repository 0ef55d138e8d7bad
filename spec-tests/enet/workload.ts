/** Test workload: numbered, self-checking messages over 4 channels in every delivery mode. */
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";
import { PeerState } from "../../src/enet/enums.ts";
import { SimNetwork, type LinkOptions, type SimHost } from "./sim.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { createCompressor } from "../../src/compress/compressors.ts";

export const MODES = [PacketFlags.RELIABLE, 0, PacketFlags.UNSEQUENCED] as const;

/** What a run sends: message `index`'s length and delivery mode (0 reliable, 1 unreliable, 2 unsequenced). */
export interface WorkloadProfile {
  sizeOf(index: number): number;
  modeOf(index: number): 0 | 1 | 2;
}

/** Small messages (6..205 B), the three modes in turn. */
export const MIXED_MODES: WorkloadProfile = { sizeOf: (i) => 6 + ((i * 37) % 200), modeOf: (i) => (i % 3) as 0 | 1 | 2 };

export function makeMessage(channel: number, index: number, profile: WorkloadProfile = MIXED_MODES): Uint8Array {
  const len = profile.sizeOf(index);
  const m = new Uint8Array(len);
  m[0] = channel;
  m[1] = profile.modeOf(index);
  m[2] = (index >>> 16) & 0xff;
  m[3] = (index >>> 8) & 0xff;
  m[4] = index & 0xff;
  for (let j = 5; j < len; j++) m[j] = (index + j * 7 + channel) & 0xff;
  return m;
}

/** Returns [channel, index] or null when the message is corrupt. */
export function checkMessage(m: Uint8Array, profile: WorkloadProfile = MIXED_MODES): [number, number] | null {
  if (m.length < 6) return null;
  const channel = m[0]!;
  const index = (m[2]! << 16) | (m[3]! << 8) | m[4]!;
  if (m.length !== profile.sizeOf(index) || m[1] !== profile.modeOf(index)) return null;
  for (let j = 5; j < m.length; j++) if (m[j] !== ((index + j * 7 + channel) & 0xff)) return null;
  return [channel, index];
}

export interface WorkloadResult {
  reliable: number[][];
  unreliable: number[][];
  unsequenced: number[][];
  corrupt: number;
  wrongChannel: number;
  endTime: number;
  clientPeer: PeerCore;
  net: SimNetwork;
  disconnected: boolean;
}

/** Settings both hosts share: the per-datagram compression and CRC32 checksums (none by default). */
export interface WorkloadHosts {
  compression?: CompressionMode;
  checksum?: boolean;
}

export function runWorkload(link: LinkOptions, perChannel: number, deadlineMs: number, generousTimeouts: boolean, profile: WorkloadProfile = MIXED_MODES, hosts: WorkloadHosts = {}): WorkloadResult {
  const net = new SimNetwork(link);
  const checksum = hosts.checksum ?? false;
  const server = net.addHost({ peerCount: 4, channelLimit: 4, checksum });
  const client = net.addHost({ peerCount: 1, checksum });
  if (hosts.compression !== undefined) for (const h of [server, client]) h.core.compressor = createCompressor(hosts.compression);
  const peer = client.core.slotOf(client.core.connect(server.address, server.port, 4, 0)!);
  const relaxed = new WeakSet<PeerCore>();
  const relax = (h: SimHost): void => {
    if (!generousTimeouts) return;
    for (const p of h.core.peers) {
      if (p.state !== PeerState.STATE_DISCONNECTED && !relaxed.has(p)) {
        relaxed.add(p);
        h.core.setTimeout(p, 1 << 30, 86_400_000, 86_400_000);
      }
    }
  };
  relax(client);
  net.afterDeliver = relax;
  const res: WorkloadResult = {
    reliable: [[], [], [], []],
    unreliable: [[], [], [], []],
    unsequenced: [[], [], [], []],
    corrupt: 0,
    wrongChannel: 0,
    endTime: 0,
    clientPeer: peer,
    net,
    disconnected: false,
  };
  let expectedReliable = 0;
  for (let i = 0; i < perChannel; i++) if (profile.modeOf(i) === 0) expectedReliable++;
  let connected = false;
  let nextIndex = 0;
  let lastTick = -1;
  // Every message sent, and every reliable one in: a mix without reliable messages (or whose last
  // ones are unreliable) is otherwise done before it sends them.
  const done = (): boolean => (nextIndex >= perChannel && res.reliable.every((r) => r.length >= expectedReliable)) || res.disconnected;
  let t = 0;
  while (!done() && t < deadlineMs) {
    t = Math.min(deadlineMs, t + (nextIndex < perChannel ? 10 : 1000));
    net.runUntil(t, () => {
      for (let e = client.core.pollEvent(); e; e = client.core.pollEvent()) {
        if (e.type === EventType.CONNECT) connected = true;
        if (e.type === EventType.DISCONNECT) res.disconnected = true;
      }
      for (let e = server.core.pollEvent(); e; e = server.core.pollEvent()) {
        if (e.type === EventType.DISCONNECT) res.disconnected = true;
        if (e.type !== EventType.RECEIVE) continue;
        const ok = checkMessage(e.packet!, profile);
        if (ok === null) {
          res.corrupt++;
          continue;
        }
        const [ch, index] = ok;
        if (ch !== e.channelID) res.wrongChannel++;
        const mode = profile.modeOf(index);
        (mode === 0 ? res.reliable : mode === 1 ? res.unreliable : res.unsequenced)[ch]!.push(index);
      }
      const tick = Math.floor(net.now / 10);
      if (connected && tick !== lastTick && nextIndex < perChannel && peer.outgoingReliable.length - peer.outgoingReliableHead < 2000) {
        lastTick = tick;
        for (let k = 0; k < 20 && nextIndex < perChannel; k++, nextIndex++) {
          for (let ch = 0; ch < 4; ch++) client.core.send(peer, ch, makeMessage(ch, nextIndex, profile), MODES[profile.modeOf(nextIndex)]);
        }
      }
    });
  }
  res.endTime = net.now;
  return res;
}

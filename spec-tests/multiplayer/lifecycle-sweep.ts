/**
 * A randomized sweep of the multiplayer peers (ENetMultiplayerPeer and WebSocketMultiplayerPeer,
 * on Godot 4's protocol or Godot 3's) as a game drives them: one server and up to four client slots on a
 * MemoryNetwork link drawn from the seed (loss, duplication, reordering and jitter for ENet; the
 * streams under WebSocket are reliable), and random steps: clients starting, closing, being kicked
 * (disconnectPeer, forced or not), the server refusing new connections for a while, and packets
 * in every transfer mode and channel, of 1 B to 4 KiB, to one peer, to everyone, or to everyone
 * but one. Every peer is polled and its packets read after every step. Checked throughout:
 * - peer_connected and peer_disconnected alternate for each remote ID, a client only ever hears
 *   of the server (1), and a closed peer raises nothing more;
 * - a packet is read only from a peer announced before it, by a peer it was sent to, with the
 *   channel and mode it was sent with (WebSocket: channel 0, reliable, as Godot 4 reports);
 * - reliable packets arrive once and in order with nothing missing from their stream, ordered
 *   unreliable ones in increasing order, unreliable ones at most once;
 * - a send returns OK, except one to a single peer whose link is already going (closing, or its
 *   disconnect read by a flush) before poll() reports it gone: that returns the failure, as
 *   docs/godot-api.md says (Godot returns OK and loses the packet);
 * - a connected client reports CONNECTION_CONNECTED.
 * At the end every reliable stream between peers still connected has delivered everything, and
 * once every client has closed the server has announced each departure.
 *
 * Godot 3 (`{ protocol: "godot3" }`) relays inside the MultiplayerPeer: clients also hear of each
 * other (the server's ADD/REMOVE messages) and send to one another, to everyone, or to everyone but
 * one, through the server. There the sweep also checks that a client hears only of clients the
 * server announced, that a relayed packet reaches only the clients its target allows, and, once
 * settled, that every client knows exactly the server's other clients. A client's broadcast may
 * also reach a client that joined before the server relayed it but after the sender last heard
 * (it is accepted, in order); over ENet a relayed packet may overtake the ADD of its sender, which
 * travels on another channel, as in Godot 3.
 * A large unreliable ENet packet is read as reliable there: Godot 3 sends it without ENet's
 * UNRELIABLE_FRAGMENT flag, and ENet then sends it as reliable fragments.
 * lifecycle-sweep.test.ts runs a seeded slice; `npm run sweep:multiplayer` runs more.
 */
import {
  ConnectionStatus,
  ENetMultiplayerPeer,
  MultiplayerPeerEvent,
  TransferMode,
  WebSocketMultiplayerPeer,
  type MultiplayerPeer,
  type MultiplayerProtocol,
} from "../../src/multiplayer/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { drawLink, failedOnGoingLink, seededPeers, type PeerKind } from "./seeded-peers.ts";
import { GodotError } from "../../src/errors.ts";
import { ENET_HOST_DEFAULT_MTU } from "../../src/enet/constants.ts";
import { COMMAND_SIZES, HEADER_SIZE_FOR_MTU, ProtocolCommand } from "../../src/enet/wire.ts";
import { GODOT3_ENET_HEADER_SIZE, GODOT3_SYSCH_RELIABLE, GODOT3_SYSCH_UNRELIABLE } from "../../src/multiplayer/godot3-enet-framing.ts";


const SERVER_ADDRESS = "10.9.0.1";
const PORT = 7777;
const CLIENT_SLOTS = 4;
/** Application channels used (ENet: 0 is the protocol's default, 1-3 channels of their own). */
const CHANNELS = 4;
/**
 * Godot 3 ENet channels in all (its channel_count): transferChannel 0 takes the mode's system
 * channel (1 reliable, 2 unreliable), 1..5 that ENet channel itself.
 */
const GODOT3_CHANNELS = 6;
const MODES = [TransferMode.UNRELIABLE, TransferMode.UNRELIABLE_ORDERED, TransferMode.RELIABLE] as const;
/**
 * ENet packets larger than this are fragmented. An unreliable one then travels as unreliable
 * fragments, which ENet sequences like UNRELIABLE_ORDERED packets of the channel, and Godot 4 reads
 * it back as UNRELIABLE_ORDERED (its receiver's flags lack UNSEQUENCED).
 */
const ENET_FRAGMENT_ABOVE = ENET_HOST_DEFAULT_MTU - HEADER_SIZE_FOR_MTU - COMMAND_SIZES[ProtocolCommand.SEND_FRAGMENT]!;
/** Bytes at the start of every packet: sender, serial, mode, channel (8 + 8 + 1 + 1 hex digits). */
const HEADER = 18;

/** The transport, and "-godot3" for Godot 3's protocol. */
export type MultiplayerSweepKind = PeerKind | "enet-godot3" | "websocket-godot3";
export const MULTIPLAYER_SWEEP_KINDS: readonly MultiplayerSweepKind[] = ["enet", "websocket", "enet-godot3", "websocket-godot3"];

export interface MultiplayerSweepOutcome {
  seed: number;
  problems: string[];
  counts: { connects: number; kicks: number; closes: number; sent: number; received: number; refusedConnects: number };
}


interface Actor {
  name: string;
  peer: MultiplayerPeer;
  /** Remote IDs announced and not yet gone. */
  connected: Set<number>;
  /** Remote IDs ever announced. */
  announced: Set<number>;
  closed: boolean;
  /** Its unique ID once known (a client's is 0 until it is connected). */
  id: number;
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

export async function runMultiplayerLifecycle(sweepKind: MultiplayerSweepKind, seed: number, steps: number): Promise<MultiplayerSweepOutcome> {
  const kind: PeerKind = sweepKind.startsWith("enet") ? "enet" : "websocket";
  const protocol: MultiplayerProtocol = sweepKind.endsWith("-godot3") ? "godot3" : "godot4";
  const godot3 = protocol === "godot3";
  const rng = new SeededRandom(seed);
  const idRng = new SeededRandom(seed ^ 0x5eed);
  const net = new MemoryNetwork({ seed, defaultLink: drawLink(kind, rng) });
  const problems: string[] = [];
  const counts = { connects: 0, kicks: 0, closes: 0, sent: 0, received: 0, refusedConnects: 0 };
  const problem = (what: string): void => {
    if (problems.length < 20) problems.push(`t=${net.clock.now()} ${what}`);
  };
  const newPeer = seededPeers(kind, net, idRng, protocol);

  // What was sent on each stream (sender>receiver|channel|mode as the receiver reports it), and
  // how far each receiver has read it.
  const sentOn = new Map<string, number[]>();
  const readUpTo = new Map<string, number>();
  const unreliableSeen = new Set<string>();
  // Godot 3: the serial of the last packet read on each stream, and each client broadcast's
  // exclusion (0: none) by serial, for the receivers the sender had not heard of yet.
  const lastSerialRead = new Map<string, number>();
  const clientBroadcasts = new Map<number, number>();
  // Godot 3: clients the server kicked. Kicked gracefully (disconnect_later), a client stays
  // connected until the server's queue to it has drained, which through heavy loss can take longer
  // than the final wait, and meanwhile ENet discards what it sends (as C ENet does).
  const kickedIds = new Set<number>();
  const wireChannel = (channel: number, mode: TransferMode): number => {
    if (kind === "websocket") return 0;
    if (!godot3 || channel > 0) return channel;
    return mode === TransferMode.RELIABLE ? GODOT3_SYSCH_RELIABLE : GODOT3_SYSCH_UNRELIABLE;
  };
  const wireMode = (mode: TransferMode, size: number): TransferMode => {
    if (kind === "websocket" || mode === TransferMode.RELIABLE) return TransferMode.RELIABLE;
    if (godot3) return size + GODOT3_ENET_HEADER_SIZE > ENET_FRAGMENT_ABOVE ? TransferMode.RELIABLE : mode;
    return mode === TransferMode.UNRELIABLE && size > ENET_FRAGMENT_ABOVE ? TransferMode.UNRELIABLE_ORDERED : mode;
  };
  let serial = 0;

  const watch = (actor: Actor): void => {
    actor.peer.addEventListener("peer_connected", (e) => {
      const id = (e as MultiplayerPeerEvent).id;
      if (actor.closed) problem(`${actor.name}: peer_connected ${id} after close()`);
      if (actor.connected.has(id)) problem(`${actor.name}: peer_connected ${id} twice`);
      if (actor !== server && id !== 1 && (!godot3 || !server.announced.has(id) || id === actor.peer.getUniqueId())) {
        problem(`${actor.name}: a client heard of peer ${id}`);
      }
      if (actor === server && id === 1) problem("server: peer_connected 1");
      actor.connected.add(id);
      actor.announced.add(id);
      if (actor.id === 0) actor.id = actor.peer.getUniqueId();
    });
    actor.peer.addEventListener("peer_disconnected", (e) => {
      const id = (e as MultiplayerPeerEvent).id;
      if (actor.closed) problem(`${actor.name}: peer_disconnected ${id} after close()`);
      if (!actor.connected.delete(id)) problem(`${actor.name}: peer_disconnected ${id} without peer_connected`);
    });
  };

  const serverPeer = newPeer(SERVER_ADDRESS);
  if (kind === "enet") await (serverPeer as ENetMultiplayerPeer).createServer(PORT, CLIENT_SLOTS + 2, godot3 ? GODOT3_CHANNELS : 0);
  else await (serverPeer as WebSocketMultiplayerPeer).createServer(PORT);
  const server: Actor = { name: "server", peer: serverPeer, connected: new Set(), announced: new Set(), closed: false, id: 1 };
  watch(server);
  const slots: (Actor | null)[] = new Array<Actor | null>(CLIENT_SLOTS).fill(null);
  let clientGeneration = 0;

  const startClient = async (slot: number): Promise<void> => {
    const address = `10.9.${1 + slot}.${1 + (clientGeneration++ % 250)}`;
    const peer = newPeer(address);
    if (kind === "enet") await (peer as ENetMultiplayerPeer).createClient(SERVER_ADDRESS, PORT, godot3 ? GODOT3_CHANNELS : 0);
    else await (peer as WebSocketMultiplayerPeer).createClient(`ws://${SERVER_ADDRESS}:${PORT}/`);
    const actor: Actor = { name: `client ${clientGeneration} (slot ${slot})`, peer, connected: new Set(), announced: new Set(), closed: false, id: 0 };
    watch(actor);
    slots[slot] = actor;
    counts.connects++;
  };

  const actors = (): Actor[] => [server, ...slots.filter((a): a is Actor => a !== null)];

  const readPackets = (actor: Actor): void => {
    const peer = actor.peer;
    while (peer.getAvailablePacketCount() > 0) {
      const from = peer.getPacketPeer();
      const channel = peer.getPacketChannel();
      const mode = peer.getPacketMode();
      const bytes = peer.getPacket();
      counts.received++;
      const text = new TextDecoder().decode(bytes.subarray(0, HEADER));
      const sender = parseInt(text.slice(0, 8), 16);
      const number = parseInt(text.slice(8, 16), 16);
      const sentMode = Number(text[16]) as TransferMode;
      const sentChannel = Number(text[17]);
      if (bytes.length < HEADER || sender !== from) {
        problem(`${actor.name}: packet "${text}" (${bytes.length} B) reported from ${from}`);
        continue;
      }
      for (let i = HEADER; i < bytes.length; i++) {
        if (bytes[i] !== ((number + i) & 0xff)) {
          problem(`${actor.name}: packet ${number} from ${from}: byte ${i} damaged`);
          break;
        }
      }
      // (Godot 3 over ENet: a relayed packet may overtake its sender's ADD, sent on another channel.)
      const mayPrecedeAdd = godot3 && kind === "enet" && actor !== server && from !== 1;
      if (!actor.announced.has(from) && !mayPrecedeAdd) problem(`${actor.name}: packet ${number} from ${from}, never announced`);
      if (channel !== wireChannel(sentChannel, sentMode) || mode !== wireMode(sentMode, bytes.length)) {
        problem(`${actor.name}: packet ${number} from ${from} sent on channel ${sentChannel} mode ${sentMode}, read as channel ${channel} mode ${mode}`);
      }
      const key = `${from}>${actor.id}|${channel}|${mode}`;
      const sent = sentOn.get(key) ?? [];
      const at = sent.indexOf(number);
      if (godot3 && mode !== TransferMode.UNRELIABLE) {
        const lastSerial = lastSerialRead.get(key) ?? -1;
        if (number <= lastSerial) problem(`${actor.name}: packet ${number} from ${from} after ${lastSerial} (stream ${key})`);
        lastSerialRead.set(key, number);
      }
      if (at < 0) {
        // Godot 3: a client's broadcast reaches whoever the server has when it relays, which may
        // include a client its sender had not heard of yet.
        const exclude = clientBroadcasts.get(number);
        const reachedNewcomer = godot3 && actor !== server && from !== 1 && exclude !== undefined && exclude !== actor.id;
        if (!reachedNewcomer) problem(`${actor.name}: packet ${number} from ${from} was not sent to it (stream ${key})`);
        else if (mode === TransferMode.UNRELIABLE) noteUnreliable(actor, key, number, from);
        continue;
      }
      const last = readUpTo.get(key) ?? -1;
      if (mode === TransferMode.RELIABLE) {
        if (at !== last + 1) problem(`${actor.name}: reliable packet ${number} from ${from} (#${at} of its stream) after #${last}`);
      } else if (mode === TransferMode.UNRELIABLE_ORDERED) {
        if (at <= last) problem(`${actor.name}: ordered packet #${at} from ${from} after #${last}`);
      } else {
        noteUnreliable(actor, key, number, from);
      }
      if (mode !== TransferMode.UNRELIABLE) readUpTo.set(key, at);
    }
  };
  const noteUnreliable = (actor: Actor, key: string, number: number, from: number): void => {
    const seen = `${key}#${number}`;
    if (unreliableSeen.has(seen)) problem(`${actor.name}: unreliable packet ${number} from ${from} twice`);
    unreliableSeen.add(seen);
  };

  const send = (actor: Actor): void => {
    const peer = actor.peer;
    let target: number;
    let to: number[];
    if (actor === server) {
      const ids = [...server.connected];
      if (ids.length === 0) return;
      const one = ids[rng.nextInt(ids.length)]!;
      const pickTarget = rng.nextInt(3);
      target = pickTarget === 0 ? one : pickTarget === 1 ? 0 : -one;
      to = pickTarget === 0 ? [one] : pickTarget === 1 ? ids : ids.filter((id) => id !== one);
    } else if (!godot3) {
      if (!actor.connected.has(1)) return;
      target = rng.chance(0.5) ? 1 : 0;
      to = [1];
    } else {
      // Godot 3: the server, another client, everyone, or everyone but one (the server included).
      if (!actor.connected.has(1)) return;
      const known = [...actor.connected];
      const one = known[rng.nextInt(known.length)]!;
      const pickTarget = rng.nextInt(3);
      target = pickTarget === 0 ? one : pickTarget === 1 ? 0 : -one;
      // The server keeps a broadcast unless it is the one left out; Godot 3.2.3 also keeps -1's,
      // which we do not (godot3-relay.ts).
      to = pickTarget === 0 ? [one] : pickTarget === 1 ? known : known.filter((id) => id !== one);
    }
    const mode = MODES[rng.nextInt(3)]!;
    const channel = rng.nextInt(godot3 && kind === "enet" ? GODOT3_CHANNELS : CHANNELS);
    const number = serial++;
    const size = HEADER + (rng.chance(0.1) ? rng.nextInt(4096) : rng.nextInt(200));
    const bytes = new Uint8Array(size);
    bytes.set(new TextEncoder().encode(`${hex8(actor.id)}${hex8(number)}${mode}${channel}`));
    for (let i = HEADER; i < size; i++) bytes[i] = (number + i) & 0xff;
    peer.setTargetPeer(target);
    peer.transferMode = mode;
    peer.transferChannel = channel;
    const result = peer.putPacket(bytes);
    // A one-peer send on a link that is going (closing, or its disconnect already read by a flush)
    // before poll() reports the peer gone reports the failure (docs/godot-api.md: nothing fails
    // silently; Godot returns OK and loses the packet). Nothing was sent.
    if ((actor !== server || target > 0) && failedOnGoingLink(kind, peer, actor === server ? target : 1, result)) return;
    if (godot3 && actor !== server && target <= 0) clientBroadcasts.set(number, -target);
    if (result !== GodotError.OK) {
      problem(`${actor.name}: putPacket to ${target} (${mode}, channel ${channel}, ${size} B) returned ${result}`);
      return;
    }
    counts.sent++;
    for (const r of to) {
      const key = `${actor.id}>${r}|${wireChannel(channel, mode)}|${wireMode(mode, size)}`;
      let list = sentOn.get(key);
      if (list === undefined) sentOn.set(key, (list = []));
      list.push(number);
    }
  };

  const pollAll = async (ms: number): Promise<void> => {
    const end = net.clock.now() + ms;
    do {
      for (const a of actors()) {
        a.peer.poll();
        readPackets(a);
        if (a !== server && !a.closed && a.connected.has(1) && a.peer.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTED) {
          problem(`${a.name}: announced the server but reports status ${a.peer.getConnectionStatus()}`);
        }
      }
      await net.runFor(Math.min(5, Math.max(0, end - net.clock.now())) || 1);
    } while (net.clock.now() < end);
  };

  const closeClient = (slot: number): void => {
    const a = slots[slot]!;
    a.peer.close();
    a.closed = true;
    slots[slot] = null;
    counts.closes++;
  };

  try {
    let refusingUntil = -1;
    for (let step = 0; step < steps; step++) {
      const roll = rng.nextInt(100);
      const slot = rng.nextInt(CLIENT_SLOTS);
      const occupant = slots[slot] ?? null;
      if (roll < 12) {
        if (occupant === null) await startClient(slot);
      } else if (roll < 16) {
        if (occupant !== null) closeClient(slot);
      } else if (roll < 19) {
        // Kick a client the server knows; the client slot is freed once the client hears of it.
        const ids = [...server.connected];
        if (ids.length > 0) {
          const id = ids[rng.nextInt(ids.length)]!;
          const force = rng.chance(0.5);
          server.peer.disconnectPeer(id, force);
          kickedIds.add(id);
          // Forced, the peer is forgotten at once without peer_disconnected (as Godot 4), and none
          // may follow. Godot 3's forced kick (disconnect_now) reports it at once instead.
          if (force && !godot3) server.connected.delete(id);
          counts.kicks++;
        }
      } else if (roll < 20) {
        server.peer.refuseNewConnections = true;
        refusingUntil = step + 5 + rng.nextInt(20);
      } else if (roll < 85) {
        const senders = actors().filter((a) => !a.closed);
        for (let n = 1 + rng.nextInt(4); n > 0; n--) send(senders[rng.nextInt(senders.length)]!);
      }
      if (step === refusingUntil) server.peer.refuseNewConnections = false;
      await pollAll(rng.chance(0.1) ? 50 + rng.nextInt(500) : rng.nextInt(15));
      // A client that lost its server (kicked or refused) is done: its slot takes a new one.
      for (let s = 0; s < CLIENT_SLOTS; s++) {
        const a = slots[s];
        if (a !== null && a !== undefined && a.peer.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
          if (!a.announced.has(1)) counts.refusedConnects++;
          if (a.connected.size > 0) problem(`${a.name}: disconnected while the server is still announced`);
          a.closed = true;
          slots[s] = null;
        }
      }
    }
    server.peer.refuseNewConnections = false;

    await pollAll(kind === "enet" ? 20_000 : 3_000);
    // Godot 3: every client the server has knows exactly the server's other clients. (A client
    // the server has already timed out may not have timed out the server yet; a leave the server
    // saw late in the wait may still be on its way to the others, so they get a while to agree.)
    if (godot3) {
      const disagreements = (): string[] => {
        const out: string[] = [];
        for (const a of actors()) {
          if (a === server || !a.connected.has(1) || !server.connected.has(a.id)) continue;
          const expected = [1, ...[...server.connected].filter((id) => id !== a.id)].sort((x, y) => x - y);
          const known = [...a.connected].sort((x, y) => x - y);
          if (known.join() !== expected.join()) out.push(`${a.name}: knows ${known.map(hex8).join(", ")}, the server has ${expected.map(hex8).join(", ")}`);
        }
        return out;
      };
      for (let wait = 0; wait < 40 && disagreements().length > 0; wait++) await pollAll(500);
      for (const d of disagreements()) problem(d);
    }
    // Every reliable stream between two peers that are still connected has delivered everything.
    for (const [key, sent] of sentOn) {
      const [from, rest] = key.split(">");
      const [to, , mode] = rest!.split("|");
      if (Number(mode) !== TransferMode.RELIABLE) continue;
      const receiver = actors().find((a) => a.id === Number(to));
      const sender = actors().find((a) => a.id === Number(from));
      if (receiver === undefined || sender === undefined || receiver.closed || sender.closed) continue;
      if (!receiver.connected.has(sender.id) || !sender.connected.has(receiver.id)) continue;
      if (godot3 && (kickedIds.has(sender.id) || kickedIds.has(receiver.id))) continue;
      const got = (readUpTo.get(key) ?? -1) + 1;
      if (got !== sent.length) problem(`stream ${key}: ${got} of ${sent.length} reliable packets arrived`);
    }
    // Every client goes: the server announces every departure.
    for (let s = 0; s < CLIENT_SLOTS; s++) if (slots[s] !== null) closeClient(s);
    await pollAll(kind === "enet" ? 40_000 : 5_000);
    if (server.connected.size > 0) problem(`server: still announces ${[...server.connected].map(hex8).join(", ")} after every client closed`);
    server.peer.close();
    server.closed = true;
  } catch (e) {
    problem(`threw: ${(e as Error).stack ?? String(e)}`);
  } finally {
    for (const a of actors()) if (!a.closed) a.peer.close();
    net.close();
  }
  return { seed, problems, counts };
}

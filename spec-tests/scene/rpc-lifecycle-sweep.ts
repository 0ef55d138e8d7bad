/**
 * A randomized sweep of SceneMultiplayer RPCs (Godot 4 protocol) between our own server and
 * clients, over WebSocketMultiplayerPeer or ENetMultiplayerPeer on a seeded MemoryNetwork link
 * (ENet: loss, duplication, reordering and jitter): clients joining, leaving and being kicked while
 * every peer calls methods on the others in each transfer mode and channel, with call_local, to one
 * peer (a client's to another client through the server's relay), to everyone, or to everyone but
 * one. Checked throughout:
 * - peer_connected / peer_disconnected alternate per ID on every peer, and getPeers() is what the
 *   events said (clients learn of each other through the relay's ADD/DEL messages);
 * - a call runs only on a peer it was addressed to, with getRemoteSenderId() the caller's ID (our
 *   own for a call_local run), and only on the caller itself when it was call_local;
 * - reliable calls run once and in order from each caller, ordered unreliable ones in increasing
 *   order, unreliable ones at most once;
 * - rpcId returns OK, except to one peer over a link that is already going (the transport's
 *   failure; Godot returns OK).
 * At the end, with membership steady, every peer calls every other peer it knows directly and
 * everyone by broadcast: each of those calls must run exactly once on every live peer it was
 * addressed to whose link, like the caller's, is still up at the end (a client gone without a word
 * stays known until ENet times it out, and at 25 % loss ENet times a link out now and then).
 * The "-godot3" kinds run Godot 3.2's MultiplayerAPI (`protocol: "godot3"`) the same way: methods
 * `remote` and `remotesync` called with rpcId (reliable) and rpcUnreliableId, and a `remote`
 * property set with rsetId (its setget setter checked as a call), relayed between
 * clients by the Godot 3 MultiplayerPeer; a client's broadcast may also reach a client that joined
 * after the caller last heard (the server relays to whoever it has), which is accepted.
 * The "-auth" kinds run Godot 4's authentication too: the server greets each connecting client
 * (sendAuth), a client answers with the secret, and each side completes when satisfied (the server
 * now or a few steps later); one client in five is an impostor with the wrong secret. Checked: no
 * peer hears of an impostor, impostors are dropped once the server's auth timeout has passed, and
 * honest clients take part as before.
 * rpc-lifecycle-sweep.test.ts runs a seeded slice; `npm run sweep:scene-rpc` runs more.
 */
import { GodotError } from "../../src/errors.ts";
import { ConnectionStatus, ENetMultiplayerPeer, WebSocketMultiplayerPeer, type MultiplayerPeer, type MultiplayerProtocol } from "../../src/multiplayer/index.ts";
import { Godot3RPCMode, SceneMultiplayer, type SceneMultiplayerEvent } from "../../src/scene/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { drawLink, failedOnGoingLink, seededPeers, type PeerKind } from "../multiplayer/seeded-peers.ts";
import { unexpectedSceneDrops } from "./support.ts";


const SERVER_ADDRESS = "10.7.0.1";
const PORT = 7000;
const CLIENT_SLOTS = 4;
/** The methods every peer declares on "Chat": name, transfer mode, channel, call_local. */
const METHODS = [
  { name: "r", transferMode: "reliable", channel: 0, callLocal: false },
  { name: "rc", transferMode: "reliable", channel: 2, callLocal: false },
  { name: "l", transferMode: "reliable", channel: 0, callLocal: true },
  { name: "o", transferMode: "unreliable_ordered", channel: 1, callLocal: false },
  { name: "u", transferMode: "unreliable", channel: 0, callLocal: false },
] as const;
/** The methods, and "s": Godot 3's rset of the property "sv" (its setget runs as a call would). */
type MethodName = (typeof METHODS)[number]["name"] | "s";
/**
 * Godot 3: a method's keyword decides who may call it and call_local (remotesync); reliability is
 * the call's (rpc_id or rpc_unreliable_id, "u" here). Godot 3.2 has no RPC channels.
 */
const GODOT3_METHODS: readonly { name: MethodName; rpcMode: "remote" | "remotesync"; callLocal: boolean }[] = [
  { name: "r", rpcMode: "remote", callLocal: false },
  { name: "rc", rpcMode: "remote", callLocal: false },
  { name: "l", rpcMode: "remotesync", callLocal: true },
  { name: "u", rpcMode: "remote", callLocal: false },
  { name: "s", rpcMode: "remote", callLocal: false },
];

/** The transport, and "-godot3" for Godot 3's protocol or "-auth" for Godot 4's with authentication. */
export type SceneSweepKind = PeerKind | "enet-godot3" | "websocket-godot3" | "enet-auth" | "websocket-auth";
export const SCENE_SWEEP_KINDS: readonly SceneSweepKind[] = ["enet", "websocket", "enet-godot3", "websocket-godot3", "enet-auth", "websocket-auth"];

/** The auth kinds' exchange: the server greets with WELCOME, a client answers SECRET (an impostor something else). */
const WELCOME = "welcome";
const SECRET = "open sesame";
/** Seconds the server gives a client to authenticate; honest clients give the server longer, impostors forever. */
const SERVER_AUTH_TIMEOUT = 2;
const CLIENT_AUTH_TIMEOUT = 8;

export interface RpcSweepOutcome {
  seed: number;
  problems: string[];
  counts: { clients: number; leaves: number; kicks: number; calls: number; runs: number; finalCalls: number; impostors: number; refused: number; authenticated: number };
}

interface Member {
  name: string;
  mp: SceneMultiplayer;
  id: number;
  /** Peers announced by peer_connected and not yet gone. */
  peers: Set<number>;
  closed: boolean;
  /** A client whose server is gone (server_disconnected): Godot 3 then reports no peer_disconnected. */
  lostServer: boolean;
  /** Auth kinds: a client with the wrong secret, when it started, and whether it was found overstaying. */
  impostor?: { since: number; overstayed: boolean };
}

export async function runRpcLifecycle(sweepKind: SceneSweepKind, seed: number, steps: number): Promise<RpcSweepOutcome> {
  const kind: PeerKind = sweepKind.startsWith("enet") ? "enet" : "websocket";
  const protocol: MultiplayerProtocol = sweepKind.endsWith("-godot3") ? "godot3" : "godot4";
  const godot3 = protocol === "godot3";
  const auth = sweepKind.endsWith("-auth");
  const methods = godot3 ? GODOT3_METHODS : METHODS;
  const rng = new SeededRandom(seed);
  const idRng = new SeededRandom(seed ^ 0x5eed);
  const net = new MemoryNetwork({ seed, defaultLink: drawLink(kind, rng) });
  const problems: string[] = [];
  const counts = { clients: 0, leaves: 0, kicks: 0, calls: 0, runs: 0, finalCalls: 0, impostors: 0, refused: 0, authenticated: 0 };
  const problem = (what: string): void => {
    if (problems.length < 20) problems.push(`t=${net.clock.now()} ${what}`);
  };

  const newPeer = seededPeers(kind, net, idRng, protocol);
  // Godot 3: each client broadcast's exclusion (0: none) by sequence number, for the clients the
  // server relays it to that its caller had not heard of yet.
  const clientBroadcasts = new Map<number, number>();

  // Runs seen: "receiver<sender:method" -> the sequence numbers, in the order they ran.
  const runs = new Map<string, number[]>();
  // Final phase: "receiver<sender:seq" -> how many times it ran.
  const finalRuns = new Map<string, number>();
  let finalPhase = false;
  let serial = 0;

  const join = (member: Member): void => {
    const mp = member.mp;
    const chat = mp.node("/root/Chat");
    for (const m of methods) {
      if (m.name === "s") chat.rsetConfig("sv", Godot3RPCMode.RPC_MODE_REMOTE);
      else if ("rpcMode" in m) chat.rpcConfig(m.name, { rpcMode: m.rpcMode });
      else chat.rpcConfig(m.name, { rpcMode: "any_peer", transferMode: m.transferMode, channel: m.channel, callLocal: m.callLocal });
      const ran = (sender: unknown, target: unknown, seq: unknown): void => {
        counts.runs++;
        const me = mp.getUniqueId();
        const from = mp.getRemoteSenderId();
        const s = Number(sender);
        const t = Number(target);
        const n = Number(seq);
        if (from !== s) problem(`${member.name}: ${m.name} #${n} from ${s} ran with remote sender ${from}`);
        const local = s === me;
        if (local && !m.callLocal) problem(`${member.name}: its own ${m.name} #${n} ran locally`);
        const addressed = t === me || t === 0 || (t < 0 && -t !== me);
        if (!addressed) problem(`${member.name}: ${m.name} #${n} from ${s} for ${t} ran here`);
        if (godot3 && t <= 0 && s !== me && s !== 1 && me !== 1 && !clientBroadcasts.has(n)) problem(`${member.name}: ${m.name} #${n} from ${s} ran here, not a client broadcast`);
        if (finalPhase && n >= finalFrom) {
          const key = `${me}<${s}:${n}`;
          finalRuns.set(key, (finalRuns.get(key) ?? 0) + 1);
        }
        const key = `${me}<${s}:${m.name}`;
        let list = runs.get(key);
        if (list === undefined) runs.set(key, (list = []));
        const last = list.length > 0 ? list[list.length - 1]! : -1;
        if (m.name === "u") {
          if (list.includes(n)) problem(`${member.name}: unreliable #${n} from ${s} ran twice`);
        } else if (n <= last) {
          problem(`${member.name}: ${m.name} #${n} from ${s} ran after #${last}`);
        }
        list.push(n);
      };
      if (m.name === "s") chat.setget("sv", (value) => ran(...(value as [number, number, number])));
      else chat.on(m.name, ran);
    }
    mp.addEventListener("peer_connected", (e) => {
      const id = (e as SceneMultiplayerEvent).id;
      if (member.closed) problem(`${member.name}: peer_connected ${id} after it closed`);
      if (member.peers.has(id)) problem(`${member.name}: peer_connected ${id} twice`);
      if (impostorIds.has(id)) problem(`${member.name}: peer_connected ${id}, an impostor`);
      member.peers.add(id);
    });
    mp.addEventListener("server_disconnected", () => {
      member.lostServer = true;
    });
    mp.addEventListener("peer_disconnected", (e) => {
      const id = (e as SceneMultiplayerEvent).id;
      if (!member.peers.delete(id)) problem(`${member.name}: peer_disconnected ${id} without peer_connected`);
    });
  };
  let finalFrom = Number.POSITIVE_INFINITY;
  const everyone: Member[] = [];
  const impostorIds = new Set<number>();
  // How long after it starts an impostor may still be connected: the server's timeout, and the time
  // its disconnect takes to reach the client (ENet at 25 % loss: up to its own 30 s timeout).
  const impostorBoundMs = (SERVER_AUTH_TIMEOUT + (kind === "enet" ? 32 : 2)) * 1000;
  // Auth kinds: the server's completions it put off, to run after a later step.
  let deferredCompletions: number[] = [];
  const utf8 = new TextEncoder();
  const text = (b: Uint8Array): string => new TextDecoder().decode(b);

  const serverPeer = newPeer(SERVER_ADDRESS);
  // (Godot 3: the channel count is ENet's in all, its three system channels included.)
  if (kind === "enet") await (serverPeer as ENetMultiplayerPeer).createServer(PORT, CLIENT_SLOTS + 2, godot3 ? 3 : 4);
  else await (serverPeer as WebSocketMultiplayerPeer).createServer(PORT);
  const server: Member = { name: "server", mp: new SceneMultiplayer({ clock: net.clock, protocol }), id: 1, peers: new Set(), closed: false, lostServer: false };
  join(server);
  everyone.push(server);
  if (auth) {
    server.mp.authTimeout = SERVER_AUTH_TIMEOUT;
    server.mp.addEventListener("peer_authenticating", (e) => {
      server.mp.sendAuth((e as SceneMultiplayerEvent).id, utf8.encode(WELCOME));
    });
    server.mp.authCallback = (id, data) => {
      if (text(data) !== SECRET) return; // an impostor: left to the timeout
      if (rng.chance(0.5)) server.mp.completeAuth(id);
      else deferredCompletions.push(id);
    };
  }
  server.mp.multiplayerPeer = serverPeer;
  const slots: (Member | null)[] = new Array<Member | null>(CLIENT_SLOTS).fill(null);
  let clientCount = 0;

  const startClient = async (slot: number): Promise<void> => {
    const address = `10.7.${1 + Math.floor(clientCount / 250)}.${1 + (clientCount % 250)}`;
    const peer = newPeer(address);
    if (kind === "enet") await (peer as ENetMultiplayerPeer).createClient(SERVER_ADDRESS, PORT, godot3 ? 3 : 4);
    else await (peer as WebSocketMultiplayerPeer).createClient(`ws://${SERVER_ADDRESS}:${PORT}/`);
    const member: Member = { name: `client ${clientCount} (slot ${slot})`, mp: new SceneMultiplayer({ clock: net.clock, protocol }), id: 0, peers: new Set(), closed: false, lostServer: false };
    join(member);
    everyone.push(member);
    if (auth) {
      const mp = member.mp;
      if (rng.chance(0.2)) {
        member.impostor = { since: net.clock.now(), overstayed: false };
        counts.impostors++;
      }
      // An impostor waits forever (0): only the server's timeout can end it.
      mp.authTimeout = member.impostor ? 0 : CLIENT_AUTH_TIMEOUT;
      mp.addEventListener("peer_authenticating", (e) => {
        const id = (e as SceneMultiplayerEvent).id;
        // The impostor's ID is known once the transport has it (a WebSocket client learns it from the server).
        if (member.impostor) impostorIds.add(mp.getUniqueId());
        mp.sendAuth(id, utf8.encode(member.impostor ? "let me in" : SECRET));
      });
      mp.authCallback = (id, data) => {
        if (id === 1 && text(data) === WELCOME) mp.completeAuth(1);
      };
      mp.addEventListener("peer_connected", (e) => {
        if ((e as SceneMultiplayerEvent).id === 1) counts.authenticated++;
      });
    }
    member.mp.multiplayerPeer = peer;
    slots[slot] = member;
    clientCount++;
    counts.clients++;
  };
  const members = (): Member[] => [server, ...slots.filter((m): m is Member => m !== null)];
  const connected = (m: Member): boolean => m === server || (m.mp.multiplayerPeer?.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && m.peers.has(1));

  const call = (m: Member, target: number, method: MethodName): void => {
    const me = m.mp.getUniqueId();
    const n = serial++;
    const chat = m.mp.node("/root/Chat");
    const result =
      method === "s" ? chat.rsetId(target, "sv", [me, target, n]) : godot3 && method === "u" ? chat.rpcUnreliableId(target, method, me, target, n) : chat.rpcId(target, method, me, target, n);
    if (godot3 && m !== server && target <= 0) clientBroadcasts.set(n, -target);
    // To one peer over a link that is already going, the transport's failure comes back (a
    // client's calls all go over its link to the server).
    if (result !== GodotError.OK && ((target <= 0 && m === server) || !failedOnGoingLink(kind, m.mp.multiplayerPeer, m === server ? target : 1, result))) {
      problem(`${m.name}: rpcId(${target}, ${method}) returned ${result}`);
    } else if (result === GodotError.OK) {
      counts.calls++;
    }
  };

  const pickCall = (m: Member): void => {
    const known = [...m.peers];
    if (known.length === 0) return;
    const one = known[rng.nextInt(known.length)]!;
    const roll = rng.nextInt(4);
    const target = roll === 0 ? 0 : roll === 1 ? -one : one;
    call(m, target, methods[rng.nextInt(methods.length)]!.name);
  };

  const pollAll = async (ms: number): Promise<void> => {
    const end = net.clock.now() + ms;
    do {
      for (const m of members()) {
        if (m.closed) continue;
        m.mp.poll();
        if (m.id === 0 && m.peers.has(1)) m.id = m.mp.getUniqueId();
        // A client that lost its server forgets its peers without events (Godot's clear(); Godot 3
        // reports no peer_disconnected at all then, docs/scene-multiplayer.md).
        if (m !== server && (!m.peers.has(1) || m.lostServer)) continue;
        const listed = new Set(m.mp.getPeers());
        if (listed.size !== m.peers.size || [...listed].some((id) => !m.peers.has(id))) {
          problem(`${m.name}: getPeers() ${[...listed].join(",")}, its events ${[...m.peers].join(",")}`);
        }
      }
      await net.runFor(Math.min(5, Math.max(1, end - net.clock.now())));
    } while (net.clock.now() < end);
  };

  const leave = (slot: number): void => {
    const m = slots[slot]!;
    m.mp.multiplayerPeer?.close();
    m.closed = true;
    slots[slot] = null;
    counts.leaves++;
  };

  try {
    for (let step = 0; step < steps; step++) {
      const roll = rng.nextInt(100);
      const slot = rng.nextInt(CLIENT_SLOTS);
      if (roll < 10) {
        if (slots[slot] === null) await startClient(slot);
      } else if (roll < 13) {
        if (slots[slot] !== null) leave(slot);
      } else if (roll < 15) {
        const ids = server.mp.getPeers();
        if (ids.length > 0) {
          const id = ids[rng.nextInt(ids.length)]!;
          server.mp.disconnectPeer(id);
          // Godot: no peer_disconnected for a peer the application disconnected itself.
          server.peers.delete(id);
          counts.kicks++;
        }
      } else if (roll < 85) {
        const callers = members().filter(connected);
        for (let k = 1 + rng.nextInt(4); k > 0; k--) pickCall(callers[rng.nextInt(callers.length)]!);
      }
      await pollAll(rng.chance(0.1) ? 50 + rng.nextInt(400) : rng.nextInt(15));
      if (deferredCompletions.length > 0) {
        const due = deferredCompletions;
        deferredCompletions = [];
        for (const id of due) server.mp.completeAuth(id);
      }
      for (let s = 0; s < CLIENT_SLOTS; s++) {
        const m = slots[s];
        if (m && m.mp.multiplayerPeer?.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
          if (m.impostor) counts.refused++;
          m.closed = true;
          slots[s] = null;
        } else if (m?.impostor && !m.impostor.overstayed && net.clock.now() - m.impostor.since > impostorBoundMs) {
          problem(`${m.name}: an impostor still connected ${net.clock.now() - m.impostor.since} ms after it started`);
          m.impostor.overstayed = true;
        }
      }
    }

    // Steady membership: every connected peer calls each peer it knows, and everyone.
    await pollAll(kind === "enet" ? 3000 : 500);
    finalPhase = true;
    finalFrom = serial;
    const expected = new Map<string, number>();
    const live = members().filter(connected);
    // A client gone without a word (its ENet disconnect lost) stays known until ENet times it out:
    // calls to it go nowhere, in Godot too. Only live members are expected to run anything.
    const liveIds = new Set(live.map((m) => m.mp.getUniqueId()));
    for (const m of live) {
      const me = m.mp.getUniqueId();
      for (const target of [...m.peers, 0]) {
        const n = serial;
        call(m, target, godot3 && rng.chance(0.3) ? "s" : rng.chance(0.5) ? "r" : "rc");
        counts.finalCalls++;
        const receivers = target === 0 ? [...m.peers] : [target];
        for (const r of receivers) if (liveIds.has(r)) expected.set(`${r}<${me}:${n}`, 1);
      }
    }
    // Until every call has run, or a minute: at 25 % loss a reliable packet can wait through several
    // retransmissions, backed off to seconds apart.
    const allRan = (): boolean => [...expected.keys()].every((key) => finalRuns.has(key));
    for (let waited = 0; waited < 60_000 && !allRan(); waited += 500) await pollAll(500);
    await pollAll(kind === "enet" ? 2_000 : 500);
    // At 25 % loss ENet times a link out now and then (six losses of one command in a row, as in
    // C ENet): judge only calls between peers whose links to the server were still up at the end.
    const stillUp = new Set(members().filter((m) => connected(m) && (m === server || server.peers.has(m.mp.getUniqueId()))).map((m) => m.mp.getUniqueId()));
    for (const [key, times] of expected) {
      const [to, from] = key.split(/[<:]/).map(Number);
      if (!stillUp.has(to!) || !stillUp.has(from!)) continue;
      const got = finalRuns.get(key) ?? 0;
      if (got !== times) problem(`final call ${key} ran ${got} times`);
    }
    for (const [key, got] of finalRuns) if (!expected.has(key) && liveIds.has(Number(key.split("<")[0]))) problem(`final call ${key} ran ${got} times, not addressed there`);
    // Every impostor is dropped in the end.
    const impostorsLeft = (): Member[] => members().filter((m) => m.impostor && !m.impostor.overstayed && m.mp.multiplayerPeer?.getConnectionStatus() !== ConnectionStatus.CONNECTION_DISCONNECTED);
    for (let waited = 0; waited < impostorBoundMs && impostorsLeft().length > 0; waited += 500) await pollAll(500);
    for (const m of impostorsLeft()) problem(`${m.name}: an impostor still connected at the end, ${net.clock.now() - m.impostor!.since} ms after it started`);
    // Between our own peers nothing is malformed or refused. (Churn's own: a call by cache id from a
    // peer that has left finds no node, its path messages are not kept, and a relay to a peer that
    // has left goes nowhere, badRelay.)
    for (const m of everyone) {
      const wrong = unexpectedSceneDrops(m.mp);
      if (wrong.length > 0) problem(`${m.name} dropped: ${wrong.join(", ")}`);
    }
  } catch (e) {
    problem(`threw: ${(e as Error).stack ?? String(e)}`);
  } finally {
    for (const m of members()) m.mp.multiplayerPeer?.close();
    net.close();
  }
  return { seed, problems, counts };
}

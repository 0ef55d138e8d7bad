/**
 * A randomized sweep of SceneMultiplayer replication (Godot 4: spawn, despawn, sync, delta,
 * visibility) between our own server and clients, over WebSocketMultiplayerPeer or
 * ENetMultiplayerPeer on a seeded MemoryNetwork link (ENet: loss, duplication, reordering and
 * jitter): clients joining, leaving and being kicked while the server spawns nodes through a
 * MultiplayerSpawner (new names and names spawned before), despawns or frees them, changes their
 * replicated properties (p0 always, p1 on change and not in the spawn, p2 only in the spawn) and
 * hides or shows them to one client or to every client through a visibility filter. About one node
 * in three is owned by a client (its authority and its synchronizer's, set by the spawn function on
 * every peer from the spawn data, as a Godot game gives a player its avatar): that client changes its
 * p0 and p1, which reach the server and, through the server's relay, the other clients; the server
 * despawns a client's nodes when it leaves or is kicked (Godot's spawn visibility ignores the
 * server's filters for a node whose synchronizer it does not own, so those nodes are not hidden).
 * Checked throughout: on every client a node's spawn and despawn alternate, and a spawn's data is
 * a serial the server spawned that name with. Once the server stops and the links have settled,
 * every client the server still has holds exactly the live nodes visible to it, each from its
 * latest spawn, with p0, p1 and p2 as their authority has them (the server too, for client-owned
 * nodes); and no peer has counted a malformed, refused or unhandled message.
 * replication-lifecycle-sweep.test.ts runs a seeded slice; `npm run sweep:scene-replication` runs more.
 */
import { ConnectionStatus, ENetMultiplayerPeer, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { ReplicationMode, SceneMultiplayer, type ReplicatedPropertyInput, type SceneMultiplayerEvent, type SceneNode } from "../../src/scene/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { drawLink, seededPeers, type PeerKind } from "../multiplayer/seeded-peers.ts";
import { unexpectedSceneDrops } from "./support.ts";

const SERVER_ADDRESS = "10.8.0.1";
const PORT = 7100;
const CLIENT_SLOTS = 4;
const SPAWNER = "Level/Spawner";
const PARENT = "Level/Players";
/** The synchronizer every spawned node has, on the server and as each client's onSpawn declares it. */
const PROPERTIES: ReplicatedPropertyInput[] = [
  { path: ".:p0" },
  { path: ".:p1", spawn: false, replicationMode: ReplicationMode.ON_CHANGE },
  { path: ".:p2", replicationMode: ReplicationMode.NEVER },
];
/** Most nodes live at once. */
const MAX_LIVE = 12;

export interface ReplicationSweepOutcome {
  seed: number;
  problems: string[];
  counts: {
    clients: number;
    leaves: number;
    kicks: number;
    spawns: number;
    respawns: number;
    owned: number;
    despawns: number;
    changes: number;
    ownerChanges: number;
    hides: number;
    shows: number;
    checked: number;
  };
}

/** A node the server has spawned and not despawned. */
interface Entity {
  name: string;
  serial: number;
  /** Its authority: 1 (the server) or the client that owns it. */
  owner: number;
  node: SceneNode;
  /**
   * The authority's values. A client-owned node starts with none: its spawn carries no state (the
   * server's spawn holds only the synchronizers it is the authority of, as Godot's), its owner
   * sends what it has (null until it sets them), and p2, sent only with a spawn, is never sent.
   */
  p0: number | undefined;
  p1: string | undefined;
  p2: number | undefined;
  hiddenFromAll: boolean;
  hiddenFrom: Set<number>;
}

interface Client {
  name: string;
  mp: SceneMultiplayer;
  /** Node path -> the data of the spawn it holds. */
  spawned: Map<string, unknown>;
  closed: boolean;
}

export async function runReplicationLifecycle(kind: PeerKind, seed: number, steps: number): Promise<ReplicationSweepOutcome> {
  const rng = new SeededRandom(seed);
  const idRng = new SeededRandom(seed ^ 0x5eed);
  const net = new MemoryNetwork({ seed, defaultLink: drawLink(kind, rng) });
  const problems: string[] = [];
  const counts = { clients: 0, leaves: 0, kicks: 0, spawns: 0, respawns: 0, owned: 0, despawns: 0, changes: 0, ownerChanges: 0, hides: 0, shows: 0, checked: 0 };
  const problem = (what: string): void => {
    if (problems.length < 20) problems.push(`t=${net.clock.now()} ${what}`);
  };
  const newPeer = seededPeers(kind, net, idRng);

  const serverPeer = newPeer(SERVER_ADDRESS);
  if (kind === "enet") await (serverPeer as ENetMultiplayerPeer).createServer(PORT, CLIENT_SLOTS + 2, 0);
  else await (serverPeer as WebSocketMultiplayerPeer).createServer(PORT);
  const server = new SceneMultiplayer({ clock: net.clock });
  server.multiplayerPeer = serverPeer;
  const spawner = server.spawner(SPAWNER, { spawnPath: "../Players" });

  const live = new Map<string, Entity>();
  /** Every name spawned so far, with the serials it was spawned with. */
  const serialsOf = new Map<string, Set<number>>();
  let serial = 0;
  const everyone: Client[] = [];
  const slots: (Client | null)[] = new Array<Client | null>(CLIENT_SLOTS).fill(null);
  let clientCount = 0;

  const visibleTo = (e: Entity, peer: number): boolean => !e.hiddenFromAll && !e.hiddenFrom.has(peer);
  // Godot asks a filter about peer 0 first when it re-runs the filters for everyone, and a yes
  // there means every peer: the filter says yes to 0 only while nobody is left out.
  const filterOf =
    (e: Entity) =>
    (peer: number): boolean =>
      peer === 0 ? !e.hiddenFromAll && e.hiddenFrom.size === 0 : visibleTo(e, peer);

  const startClient = async (slot: number): Promise<void> => {
    const address = `10.8.${1 + Math.floor(clientCount / 250)}.${1 + (clientCount % 250)}`;
    const peer = newPeer(address);
    if (kind === "enet") await (peer as ENetMultiplayerPeer).createClient(SERVER_ADDRESS, PORT, 0);
    else await (peer as WebSocketMultiplayerPeer).createClient(`ws://${SERVER_ADDRESS}:${PORT}/`);
    const mp = new SceneMultiplayer({ clock: net.clock });
    const client: Client = { name: `client ${clientCount} (slot ${slot})`, mp, spawned: new Map(), closed: false };
    mp.spawner(SPAWNER, {
      spawnPath: "../Players",
      onSpawn: (node, _scene, data) => {
        if (client.spawned.has(node.path)) problem(`${client.name}: ${node.path} spawned twice`);
        const name = node.path.slice(PARENT.length + 1);
        const [spawnSerial, owner] = Array.isArray(data) ? (data as number[]) : [];
        if (!serialsOf.get(name)?.has(Number(spawnSerial))) problem(`${client.name}: ${node.path} spawned with data ${JSON.stringify(data)}, not a serial of that name`);
        client.spawned.set(node.path, spawnSerial);
        // As a Godot spawn function: the owner named in the data is the authority of the node and
        // of its synchronizer, set before the synchronizer is declared.
        node.multiplayerAuthority = owner ?? 1;
        mp.node(`${node.path}/Sync`).multiplayerAuthority = owner ?? 1;
        mp.synchronizer(`${node.path}/Sync`, node.path, { properties: PROPERTIES });
      },
      onDespawn: (node) => {
        if (!client.spawned.delete(node.path)) problem(`${client.name}: ${node.path} despawned without a spawn`);
      },
    });
    mp.multiplayerPeer = peer;
    everyone.push(client);
    slots[slot] = client;
    clientCount++;
    counts.clients++;
  };
  const clients = (): Client[] => slots.filter((c): c is Client => c !== null);

  const spawn = (): void => {
    if (live.size >= MAX_LIVE) return;
    // Now and then a name spawned before (and despawned since) comes back with a new serial.
    const gone = [...serialsOf.keys()].filter((n) => !live.has(n));
    const respawn = gone.length > 0 && rng.chance(0.3);
    const name = respawn ? gone[rng.nextInt(gone.length)]! : `N${serial}`;
    const peers = server.getPeers();
    const owner = peers.length > 0 && rng.chance(0.35) ? peers[rng.nextInt(peers.length)]! : 1;
    const e: Entity = {
      name,
      serial: serial++,
      owner,
      node: null as unknown as SceneNode,
      p0: owner === 1 ? rng.nextInt(1000) : undefined,
      p1: owner === 1 ? `v${rng.nextInt(1000)}` : undefined,
      p2: owner === 1 ? rng.nextInt(1000) : undefined,
      hiddenFromAll: owner === 1 && rng.chance(0.15),
      hiddenFrom: new Set(),
    };
    let set = serialsOf.get(name);
    if (set === undefined) serialsOf.set(name, (set = new Set()));
    set.add(e.serial);
    const path = `${PARENT}/${name}`;
    server.node(path).multiplayerAuthority = owner;
    server.node(`${path}/Sync`).multiplayerAuthority = owner;
    e.node = server.spawn(spawner, name, {
      data: [e.serial, owner],
      synchronizers: [{ path: `${path}/Sync`, options: { properties: PROPERTIES, visibilityFilters: [filterOf(e)] } }],
      setup: (n) => {
        if (owner === 1) n.set("p0", e.p0).set("p1", e.p1).set("p2", e.p2);
      },
    });
    live.set(name, e);
    counts.spawns++;
    if (respawn) counts.respawns++;
    if (owner !== 1) counts.owned++;
  };

  const despawn = (e: Entity): void => {
    if (rng.chance(0.5)) server.despawn(e.node);
    else server.freeNode(e.node);
    live.delete(e.name);
    counts.despawns++;
  };
  // A game despawns what a player owned when the player goes (Godot reports no peer_disconnected
  // for a peer the server disconnected itself: the kick does it there).
  const despawnOwnedBy = (id: number): void => {
    for (const e of [...live.values()]) if (e.owner === id) despawn(e);
  };
  server.addEventListener("peer_disconnected", (ev) => despawnOwnedBy((ev as SceneMultiplayerEvent).id));
  const clientWithId = (id: number): Client | undefined => clients().find((c) => c.mp.getUniqueId() === id && c.mp.getPeers().includes(1));

  const pickLive = (): Entity | undefined => {
    const all = [...live.values()];
    return all.length === 0 ? undefined : all[rng.nextInt(all.length)];
  };

  const pollAll = async (ms: number): Promise<void> => {
    const end = net.clock.now() + ms;
    do {
      server.poll();
      for (const c of clients()) c.mp.poll();
      await net.runFor(Math.min(5, Math.max(1, end - net.clock.now())));
    } while (net.clock.now() < end);
  };

  try {
    for (let step = 0; step < steps; step++) {
      const roll = rng.nextInt(100);
      const slot = rng.nextInt(CLIENT_SLOTS);
      if (roll < 10) {
        if (slots[slot] === null) await startClient(slot);
      } else if (roll < 13) {
        const c = slots[slot];
        if (c) {
          c.mp.multiplayerPeer?.close();
          c.closed = true;
          slots[slot] = null;
          counts.leaves++;
        }
      } else if (roll < 15) {
        const ids = server.getPeers();
        if (ids.length > 0) {
          const id = ids[rng.nextInt(ids.length)]!;
          server.disconnectPeer(id);
          despawnOwnedBy(id);
          counts.kicks++;
        }
      } else if (roll < 35) {
        spawn();
      } else if (roll < 45) {
        const e = pickLive();
        if (e) despawn(e);
      } else if (roll < 80) {
        const e = pickLive();
        // The authority changes its copy: the server, or the owning client once it has the node.
        const owner = e && e.owner !== 1 ? clientWithId(e.owner) : undefined;
        const copy = e === undefined ? undefined : e.owner === 1 ? e.node : owner?.spawned.get(`${PARENT}/${e.name}`) === e.serial ? owner.mp.node(`${PARENT}/${e.name}`) : undefined;
        if (e && copy) {
          // p2 is sent only with a spawn: it keeps its spawn value, as a Godot game would not
          // expect a NEVER property to follow.
          if (rng.chance(0.7)) copy.set("p0", (e.p0 = rng.nextInt(1000)));
          if (rng.chance(0.5)) copy.set("p1", (e.p1 = `v${rng.nextInt(1000)}`));
          counts.changes++;
          if (e.owner !== 1) counts.ownerChanges++;
        }
      } else if (roll < 92) {
        const e = pickLive();
        const ids = server.getPeers();
        if (e && e.owner === 1) {
          const hide = rng.chance(0.5);
          if (rng.chance(0.3) || ids.length === 0) e.hiddenFromAll = hide;
          else if (hide) e.hiddenFrom.add(ids[rng.nextInt(ids.length)]!);
          else e.hiddenFrom.delete(ids[rng.nextInt(ids.length)]!);
          if (hide) counts.hides++;
          else counts.shows++;
        }
      }
      await pollAll(rng.chance(0.1) ? 50 + rng.nextInt(400) : rng.nextInt(15));
      for (let s = 0; s < CLIENT_SLOTS; s++) {
        const c = slots[s];
        if (c && c.mp.multiplayerPeer?.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
          c.closed = true;
          slots[s] = null;
        }
      }
    }

    // Settled: each client the server still has holds exactly what it can see, as the server has it.
    await pollAll(kind === "enet" ? 20_000 : 2_000);
    const serverHas = new Set(server.getPeers());
    for (const c of clients()) {
      const id = c.mp.getUniqueId();
      if (c.mp.multiplayerPeer?.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTED || !serverHas.has(id)) continue;
      const expected = [...live.values()].filter((e) => visibleTo(e, id));
      const want = expected.map((e) => `${PARENT}/${e.name}`).sort();
      const have = [...c.spawned.keys()].sort();
      if (want.join() !== have.join()) {
        problem(`${c.name}: holds ${have.map((p) => p.slice(PARENT.length + 1)).join(",")}, sees ${want.map((p) => p.slice(PARENT.length + 1)).join(",")}`);
        continue;
      }
      for (const e of expected) {
        // A node whose owner has gone without the server noticing yet keeps whatever reached each peer.
        if (e.owner !== 1 && clientWithId(e.owner) === undefined) continue;
        const path = `${PARENT}/${e.name}`;
        const node = c.mp.node(path);
        const got = { data: c.spawned.get(path), p0: node.get("p0") ?? null, p1: node.get("p1") ?? null, p2: node.get("p2") ?? null };
        const want = { data: e.serial, p0: e.p0 ?? null, p1: e.p1 ?? null, p2: e.p2 ?? null };
        if (JSON.stringify(got) !== JSON.stringify(want)) problem(`${c.name}: ${e.name} is ${JSON.stringify(got)}, the server's ${JSON.stringify(want)}`);
        counts.checked++;
      }
    }
    for (const e of live.values()) {
      if (e.owner === 1 || clientWithId(e.owner) === undefined || !serverHas.has(e.owner)) continue;
      // (Its p2 is the server's own: never sent either way, and a stand-in spawned again under the
      // same name keeps what an earlier spawn of it set.)
      const got = { p0: e.node.get("p0") ?? null, p1: e.node.get("p1") ?? null };
      const want = { p0: e.p0 ?? null, p1: e.p1 ?? null };
      if (JSON.stringify(got) !== JSON.stringify(want)) problem(`server: ${e.name} (owned by ${e.owner}) is ${JSON.stringify(got)}, its owner's ${JSON.stringify(want)}`);
      counts.checked++;
    }
    for (const m of [server, ...everyone.map((c) => c.mp)]) {
      const wrong = unexpectedSceneDrops(m);
      if (wrong.length > 0) problem(`${m === server ? "server" : everyone.find((c) => c.mp === m)!.name} dropped: ${wrong.join(", ")}`);
    }
  } catch (e) {
    problem(`threw: ${(e as Error).stack ?? String(e)}`);
  } finally {
    for (const c of clients()) c.mp.multiplayerPeer?.close();
    server.multiplayerPeer?.close();
    net.close();
  }
  return { seed, problems, counts };
}

/**
 * SceneMultiplayer with `protocol: "godot3"` against Godot 3.2.3's MultiplayerAPI (godot3-server
 * running godot3/mp_api.gd with a /root/Game node, game.gd): remote calls with arguments of many
 * types echoed back, rset, raw packets, the remote/master/puppet rules, calls between clients
 * through the server's relay — with Godot as the server (TS clients) and TS as the server
 * (Godot clients), over ENet and over WebSocket.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ENetMultiplayerPeer, WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { Godot3RPCMode, SceneMultiplayer, SceneMultiplayerEvent, type SceneNode } from "../../src/scene/index.ts";
import { Color, Vector2 } from "../../src/variant/index.ts";
import { JsonLineProcess, repoRoot, type PeerEvent } from "../enet-interop/harness.ts";
import { freeUdpPort, godotAvailable } from "../enet-interop/godot.ts";
import { freeTcpPort } from "../multiplayer/godot3-live.ts";

const available = godotAvailable();
const skip = available === true ? false : available.skip;
const projectDir = join(repoRoot, "spec-tests", "scene", "godot3");
const started: JsonLineProcess[] = [];
const ours: MultiplayerPeer[] = [];

async function startGodot(args: Record<string, string | number>): Promise<JsonLineProcess> {
  const argv = ["--path", projectDir, "-s", "mp_api.gd", "--", ...Object.entries(args).map(([k, v]) => `${k}=${v}`)];
  const proc = new JsonLineProcess("godot3-server", argv, { cwd: projectDir });
  started.push(proc);
  const ready = await proc.waitFor((e) => e.ev === "ready", 15000);
  if (ready.err !== 0) throw new Error(`Godot failed to start: ${JSON.stringify(ready)}`);
  return proc;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(mps: SceneMultiplayer[], done: () => boolean, what: string, procs: JsonLineProcess[], ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    for (const mp of mps) mp.poll();
    if (done()) return;
    if (Date.now() > end) {
      const tail = procs.map((p, i) => `godot #${i}: ${p.events.slice(-10).map((e) => JSON.stringify(e)).join("\n")}\n${p.stderr.join("").slice(-600)}`).join("\n");
      throw new Error(`timed out waiting for ${what}\n${tail}`);
    }
    await sleep(2);
  }
}

const PING_ARGS = [7, -100000, 1.25, "héllo", new Vector2(1, 2), new Color(0.5, 0.25, 1, 1), [1, "x"], { k: 3 }, new Uint8Array([4, 5]), null];

interface Recorder {
  mp: SceneMultiplayer;
  game: SceneNode;
  calls: { method: string; from: number; args: unknown[] }[];
  raws: { from: number; bytes: number[] }[];
}

/** A SceneMultiplayer (godot3) with game.gd's configuration on /root/Game; ping echoes pong. */
function recorder(): Recorder {
  const mp = new SceneMultiplayer({ protocol: "godot3" });
  const game = mp.node("/root/Game");
  const r: Recorder = { mp, game, calls: [], raws: [] };
  game
    .rpcConfig("ping", { rpcMode: "remote" })
    .rpcConfig("pong", { rpcMode: "remote" })
    .rpcConfig("welcome", { rpcMode: "puppet" })
    .rpcConfig("hello", { rpcMode: "remote" })
    .rpcConfig("admin_only", { rpcMode: "master" })
    .rsetConfig("score", Godot3RPCMode.RPC_MODE_REMOTE)
    .rsetConfig("motd", Godot3RPCMode.RPC_MODE_PUPPET);
  for (const m of ["ping", "pong", "welcome", "hello", "admin_only"]) {
    game.on(m, (...args) => {
      r.calls.push({ method: m, from: mp.getRemoteSenderId(), args });
      if (m === "ping") game.rpcId(mp.getRemoteSenderId(), "pong", ...args);
    });
  }
  mp.addEventListener("peer_packet", (e) => r.raws.push({ from: (e as SceneMultiplayerEvent).id, bytes: [...(e as SceneMultiplayerEvent).packet!] }));
  return r;
}

async function client(transport: "enet" | "ws", port: number): Promise<MultiplayerPeer> {
  if (transport === "enet") {
    const p = new ENetMultiplayerPeer();
    ours.push(p);
    await p.createClient("127.0.0.1", port, 0, 0, 0, 0, { protocol: "godot3" });
    return p;
  }
  const p = new WebSocketMultiplayerPeer();
  ours.push(p);
  await p.createClient(`ws://127.0.0.1:${port}/`, undefined, { protocol: "godot3" });
  return p;
}

const ev = (proc: JsonLineProcess, pred: (e: PeerEvent) => boolean): PeerEvent | undefined => proc.events.find(pred);

describe("live: SceneMultiplayer protocol godot3 <-> Godot 3.2.3 MultiplayerAPI", { skip }, () => {
  after(() => {
    for (const p of started) p.kill();
    for (const p of ours) p.close();
  });

  for (const transport of ["enet", "ws"] as const) {
    test(`${transport}: Godot server, two TS clients — rpc/pong round trip, rset both ways, raw both ways, puppet/master rules, client-to-client through Godot's relay`, async () => {
      const port = transport === "enet" ? await freeUdpPort() : await freeTcpPort();
      const godot = await startGodot({ transport, role: "server", port });
      const a = recorder();
      const b = recorder();
      a.mp.multiplayerPeer = await client(transport, port);
      b.mp.multiplayerPeer = await client(transport, port);
      const procs = [godot];
      await until([a.mp, b.mp], () => a.mp.getPeers().length === 2 && b.mp.getPeers().length === 2, "both clients see the server and each other", procs);
      const idA = a.mp.getUniqueId();
      const idB = b.mp.getUniqueId();
      // Sent by the Godot server on connection: puppet call, puppet rset, raw.
      await until([a.mp, b.mp], () => a.calls.some((c) => c.method === "welcome") && a.game.get("motd") !== undefined && a.raws.length === 1, "welcome, motd and raw from Godot", procs);
      assert.deepEqual(a.calls.find((c) => c.method === "welcome"), { method: "welcome", from: 1, args: [idA, new Vector2(1.5, -2)] });
      assert.equal(a.game.get("motd"), `hi ${idA}`);
      assert.deepEqual(a.raws[0], { from: 1, bytes: [1, 2, 3, idA & 255] });
      // TS -> Godot: ping (echoed back as pong), rset, raw.
      a.game.rpcId(1, "ping", ...PING_ARGS);
      a.game.rsetId(1, "score", 42);
      a.mp.sendBytes(new Uint8Array([9, 8, 7]), 1);
      await until([a.mp, b.mp], () => a.calls.some((c) => c.method === "pong"), "pong", procs);
      assert.deepEqual(a.calls.find((c) => c.method === "pong")!.args, PING_ARGS.map((v) => (v === 1.25 ? 1.25 : v)));
      await godot.waitFor((e) => e.ev === "rset" && e.prop === "score", 5000);
      assert.deepEqual(ev(godot, (e) => e.ev === "rset" && e.prop === "score"), { ev: "rset", prop: "score", value: "42", from: idA });
      await godot.waitFor((e) => e.ev === "raw", 5000);
      assert.deepEqual(ev(godot, (e) => e.ev === "raw"), { ev: "raw", from: idA, hex: "090807" });
      assert.equal(ev(godot, (e) => e.ev === "ping")?.from, idA);
      // Client to client through Godot's relay: a remote call arrives, a master-only call is refused.
      a.game.rpcId(idB, "hello", idA);
      a.game.rpcId(idB, "admin_only");
      await until([a.mp, b.mp], () => b.calls.some((c) => c.method === "hello") && b.mp.getDropCounters().forbidden === 1, "hello relayed to B, admin_only refused", procs);
      assert.deepEqual(b.calls.find((c) => c.method === "hello"), { method: "hello", from: idA, args: [idA] });
      assert.ok(!b.calls.some((c) => c.method === "admin_only"));
      // A remote rset on a puppet property from a client is refused too.
      a.game.rsetId(idB, "motd", "spoof");
      await until([a.mp, b.mp], () => b.mp.getDropCounters().forbidden === 2, "rset motd refused", procs);
      assert.equal(b.game.get("motd"), `hi ${idB}`);
      a.mp.sendBytes(new TextEncoder().encode("bye"), 1);
      await until([a.mp, b.mp], () => godot.hasExited, "Godot quits", procs);
    });

    test(`${transport}: TS server, two Godot clients — their pings answered, rset and raw received, a broadcast to a confirmed and a new client, they greet each other through our relay`, async () => {
      const s = recorder();
      const serverPeer = transport === "enet" ? new ENetMultiplayerPeer() : new WebSocketMultiplayerPeer();
      ours.push(serverPeer);
      let port: number;
      if (serverPeer instanceof ENetMultiplayerPeer) {
        port = await freeUdpPort();
        await serverPeer.createServer(port, 8, 0, 0, 0, { protocol: "godot3" });
      } else {
        await (serverPeer as WebSocketMultiplayerPeer).createServer(0, "127.0.0.1", undefined, { protocol: "godot3" });
        port = (serverPeer as WebSocketMultiplayerPeer).getLocalPort();
      }
      s.mp.multiplayerPeer = serverPeer;
      // Each newcomer is welcomed by a broadcast: the clients already there, which confirmed
      // /root/Game's path, get it by cache id, the newcomer with the path (one call, both forms).
      s.mp.addEventListener("peer_connected", (e) => {
        const id = (e as SceneMultiplayerEvent).id;
        s.game.rpc("welcome", id, new Vector2(1.5, -2));
        s.game.rsetId(id, "motd", `hi ${id}`);
      });
      const g1 = await startGodot({ transport, role: "client", port });
      // The second client joins once the first has confirmed the path: it sends CONFIRM_PATH as it
      // reads the welcome's SIMPLIFY_PATH, and we poll 300 ms more so it is in.
      await until([s.mp], () => g1.events.some((e) => e.ev === "welcome"), "the first Godot client welcomed", [g1]);
      const confirmedBy = Date.now() + 300;
      await until([s.mp], () => Date.now() > confirmedBy, "the first client's path confirmation", [g1]);
      const g2 = await startGodot({ transport, role: "client", port });
      const procs = [g1, g2];
      await until([s.mp], () => s.calls.filter((c) => c.method === "ping").length === 2 && s.raws.length === 2, "two pings and two raws", procs);
      const ids = s.mp.getPeers().sort();
      assert.equal(ids.length, 2);
      for (const c of s.calls.filter((x) => x.method === "ping")) assert.deepEqual(c.args, PING_ARGS);
      assert.deepEqual(s.raws.map((r) => r.bytes), [[9, 8, 7], [9, 8, 7]]);
      assert.equal(s.game.get("score"), 42);
      const seen = (g: JsonLineProcess, what: string): boolean => g.events.some((e) => e.ev === what);
      await until([s.mp], () => procs.every((g) => ["pong", "welcome", "rset", "hello"].every((w) => seen(g, w))), "pong, welcome, motd and hello on both Godot clients", procs);
      const id1 = (ev(g1, (e) => e.ev === "connected")!.id as number);
      const id2 = (ev(g2, (e) => e.ev === "connected")!.id as number);
      assert.deepEqual([id1, id2].sort(), ids);
      assert.deepEqual(ev(g1, (e) => e.ev === "welcome"), { ev: "welcome", from: 1, id: id1, v: "Vector2( 1.5, -2 )" });
      // The broadcast that welcomed the second client reached the first by cache id.
      await until([s.mp], () => g1.events.some((e) => e.ev === "welcome" && e.id === id2), "the first client sees the second welcomed", procs);
      assert.deepEqual(g1.events.filter((e) => e.ev === "welcome").map((e) => e.id), [id1, id2]);
      assert.deepEqual(g2.events.filter((e) => e.ev === "welcome").map((e) => e.id), [id2]);
      assert.deepEqual(ev(g1, (e) => e.ev === "rset"), { ev: "rset", prop: "motd", value: `"hi ${id1}"`, from: 1 });
      assert.deepEqual(ev(g1, (e) => e.ev === "hello"), { ev: "hello", from: id2, claimed: id2 });
      assert.deepEqual(ev(g2, (e) => e.ev === "hello"), { ev: "hello", from: id1, claimed: id1 });
      assert.equal(ev(g1, (e) => e.ev === "admin_only"), undefined, "a master-only call from another client is refused by Godot");
      assert.equal(ev(g1, (e) => e.ev === "pong")!.args, '[ 7, -100000, 1.25, "héllo", Vector2( 1, 2 ), Color( 0.5, 0.25, 1, 1 ), [ 1, "x" ], {\n"k": 3\n}, PoolByteArray( 4, 5 ), null ]');
      s.mp.sendBytes(new TextEncoder().encode("bye"), 0);
      await until([s.mp], () => g1.hasExited && g2.hasExited, "Godot clients quit", procs);
    });
  }
});

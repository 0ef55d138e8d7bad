/**
 * SceneMultiplayer (`protocol: "godot3"`) as a client, against a Godot 3.2.3 MultiplayerAPI client
 * (godot3-server): both run the same probe (spec-tests/scene/godot3/api_probe.gd, and its port
 * below) against the same TS server, over ENet and over WebSocket, and print the signals in order
 * with what get_network_connected_peers, get_network_unique_id, the peer's status and
 * get_rpc_sender_id answer at each: connecting, connected (the server's pong), a second client
 * joining (a call to it through the relay, its raw answer), it leaving, and the server closing.
 * The lines must be the same, but for the differences docs/scene-multiplayer.md lists (at and
 * after the server's loss).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ENetMultiplayerPeer, WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { SceneMultiplayer, SceneMultiplayerEvent } from "../../src/scene/index.ts";
import { JsonLineProcess, repoRoot } from "../enet-interop/harness.ts";
import { freeUdpPort, godotAvailable } from "../enet-interop/godot.ts";
import { freeTcpPort } from "../multiplayer/godot3-live.ts";

const available = godotAvailable();
const skip = available === true ? false : available.skip;
const projectDir = join(repoRoot, "spec-tests", "scene", "godot3");
const started: JsonLineProcess[] = [];
const ours: MultiplayerPeer[] = [];
const timers: ReturnType<typeof setInterval>[] = [];
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Transport = "enet" | "ws";

async function peerFor(transport: Transport, role: "server" | "client", port: number): Promise<MultiplayerPeer> {
  if (transport === "enet") {
    const p = new ENetMultiplayerPeer();
    ours.push(p);
    if (role === "server") await p.createServer(port, 8, 0, 0, 0, { protocol: "godot3" });
    else await p.createClient("127.0.0.1", port, 0, 0, 0, 0, { protocol: "godot3" });
    return p;
  }
  const p = new WebSocketMultiplayerPeer();
  ours.push(p);
  if (role === "server") await p.createServer(port, "127.0.0.1", undefined, { protocol: "godot3" });
  else await p.createClient(`ws://127.0.0.1:${port}/`, undefined, { protocol: "godot3" });
  return p;
}

/**
 * The TS server: /root/Probe answers ping with pong; a raw "join" makes a second TS client
 * ("other") join, which answers hello with a raw "hi"; "kick" makes the other leave, "close"
 * closes the server.
 */
async function serve(transport: Transport): Promise<number> {
  const port = transport === "enet" ? await freeUdpPort() : await freeTcpPort();
  const serverPeer = await peerFor(transport, "server", port);
  const server = new SceneMultiplayer({ protocol: "godot3" });
  const probe = server.node("/root/Probe").rpcConfig("ping", { rpcMode: "remote" }).rpcConfig("pong", { rpcMode: "remote" });
  let other: { mp: SceneMultiplayer; peer: MultiplayerPeer } | null = null;
  probe.on("ping", () => probe.rpcId(server.getRemoteSenderId(), "pong"));
  const join = (): void =>
    void (async () => {
      const peer = await peerFor(transport, "client", port);
      const mp = new SceneMultiplayer({ protocol: "godot3" });
      const node = mp.node("/root/Probe").rpcConfig("hello", { rpcMode: "remote" });
      node.on("hello", () => mp.sendBytes(text("hi"), mp.getRemoteSenderId()));
      mp.multiplayerPeer = peer;
      other = { mp, peer };
    })();
  server.addEventListener("peer_packet", (e) => {
    const said = new TextDecoder().decode((e as SceneMultiplayerEvent).packet!);
    if (said === "join") join();
    if (said === "kick") other?.peer.close();
    if (said === "close") serverPeer.close();
  });
  server.multiplayerPeer = serverPeer;
  timers.push(
    setInterval(() => {
      server.poll();
      other?.mp.poll();
    }, 2),
  );
  return port;
}

/** api_probe.gd, written against our SceneMultiplayer. */
async function ourProbe(transport: Transport, port: number): Promise<string[]> {
  const lines: string[] = [];
  const mp = new SceneMultiplayer({ protocol: "godot3" });
  const probe = mp.node("/root/Probe").rpcConfig("pong", { rpcMode: "remote" }).rpcConfig("hello", { rpcMode: "remote" });
  let other = -1;
  let endedAt = -1;
  const sym = (id: number): string => (id === 0 || id === 1 ? String(id) : id === mp.getUniqueId() ? "self" : id === other ? "other" : "?");
  const say = (what: string): void => {
    const status = mp.multiplayerPeer?.getConnectionStatus() ?? -1;
    lines.push(`${what} | peers=${mp.getPeers().map(sym).join(",")} uid=${sym(mp.getUniqueId())} status=${status} sender=${sym(mp.getRemoteSenderId())}`);
  };
  probe.on("pong", () => {
    say("pong");
    mp.sendBytes(text("join"), 1);
  });
  probe.on("hello", () => {});
  const peer = await peerFor(transport, "client", port);
  mp.multiplayerPeer = peer;
  mp.addEventListener("peer_connected", (e) => {
    const id = (e as SceneMultiplayerEvent).id;
    if (id !== 1 && other === -1) other = id;
    say(`network_peer_connected ${sym(id)}`);
    if (id === other) probe.rpcId(other, "hello");
  });
  mp.addEventListener("peer_disconnected", (e) => {
    const id = (e as SceneMultiplayerEvent).id;
    say(`network_peer_disconnected ${sym(id)}`);
    if (id === other) mp.sendBytes(text("close"), 1);
  });
  mp.addEventListener("connected_to_server", () => {
    say("connected_to_server");
    probe.rpcId(1, "ping");
  });
  for (const signal of ["connection_failed", "server_disconnected"]) {
    mp.addEventListener(signal, () => {
      say(signal);
      endedAt = Date.now();
    });
  }
  mp.addEventListener("peer_packet", (e) => {
    const { id, packet } = e as SceneMultiplayerEvent;
    const said = new TextDecoder().decode(packet!);
    say(`network_peer_packet ${said} from ${sym(id)}`);
    if (said === "hi") mp.sendBytes(text("kick"), 1);
  });
  say("setup err=0");
  const end = Date.now() + 15000;
  while (Date.now() < end) {
    mp.poll();
    if (endedAt >= 0 && Date.now() - endedAt > 300) {
      say("after");
      return lines;
    }
    await sleep(2);
  }
  throw new Error(`our probe timed out:\n${lines.join("\n")}`);
}

async function godotProbe(transport: Transport, port: number): Promise<string[]> {
  const proc = new JsonLineProcess("godot3-server", ["--path", projectDir, "-s", "api_probe.gd", "--", `transport=${transport}`, `port=${port}`], { cwd: projectDir });
  started.push(proc);
  const last = await proc.waitFor((e) => e.ev === "done" || e.ev === "timeout", 20000);
  const lines = proc.events.filter((e) => typeof e.line === "string").map((e) => e.line as string);
  if (last.ev !== "done") throw new Error(`the Godot probe timed out:\n${lines.join("\n")}\n${proc.stderr.join("").slice(-800)}`);
  return lines;
}

describe("live: SceneMultiplayer protocol godot3 as a client, line for line against Godot 3.2.3's MultiplayerAPI", { skip }, () => {
  after(() => {
    for (const t of timers) clearInterval(t);
    for (const p of started) p.kill();
    for (const p of ours) p.close();
  });

  for (const transport of ["enet", "ws"] as const) {
    test(`${transport}: signals and what the API answers, from connecting to the server closing`, async () => {
      const godot = await godotProbe(transport, await serve(transport));
      const mine = await ourProbe(transport, await serve(transport));
      // Up to the server's loss, line for line.
      const lost = godot.findIndex((l) => /^(server_disconnected|connection_failed) /.test(l));
      assert.ok(lost > 0, godot.join("\n"));
      assert.deepEqual(mine.slice(0, lost), godot.slice(0, lost));
      // The server's loss: no network_peer_disconnected, the signal's handler still sees the peers.
      // Godot 3.2.3 gives its WebSocket client connection_failed there (WebSocketClient::_on_disconnect),
      // its ENet client's handler still sees its ID and CONNECTED (the peer closes after the signal),
      // and both keep listing the peers afterwards (nothing clears them): ours does not follow these
      // (docs/scene-multiplayer.md), so the lines are Godot's with those parts swapped.
      assert.deepEqual(godot.slice(lost), [
        transport === "enet" ? "server_disconnected | peers=1 uid=self status=2 sender=0" : "connection_failed | peers=1 uid=self status=0 sender=0",
        transport === "enet" ? "after | peers=1 uid=0 status=0 sender=0" : "after | peers=1 uid=self status=0 sender=0",
      ]);
      assert.deepEqual(mine.slice(lost), ["server_disconnected | peers=1 uid=0 status=0 sender=0", "after | peers= uid=0 status=0 sender=0"]);
    });
  }
});

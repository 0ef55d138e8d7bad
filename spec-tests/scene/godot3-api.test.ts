/**
 * SceneMultiplayer (`protocol: "godot3"`) against Godot 3.2.3's MultiplayerAPI (godot3-server).
 * As a client: a Godot client and ours run the same probe (spec-tests/scene/godot3/api_probe.gd, and its port
 * below) against the same TS server, over ENet and over WebSocket, and print the signals in order
 * with what get_network_connected_peers, get_network_unique_id, the peer's status and
 * get_rpc_sender_id answer at each: connecting, connected (the server's pong), a second client
 * joining (a call to it through the relay, its raw answer), it leaving, and the server closing.
 * As a server: a Godot server (godot3/api_server_probe.gd) and ours (its port below) serve the same
 * three TS clients, which join, are disconnected (later, and now on ENet) and close the server.
 * The lines must be the same, but for the differences docs/scene-multiplayer.md lists (at and
 * after the loss or close).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConnectionStatus, ENetMultiplayerPeer, WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
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

/** Three TS clients join one by one, then ask the server to disconnect c1 ("kick"), c2 ("kicknow" on ENet) and to close ("close"). */
async function drive(transport: Transport, port: number, poll: () => void, done: () => boolean): Promise<void> {
  const clients: SceneMultiplayer[] = [];
  const pollAll = (): void => {
    poll();
    for (const c of clients) c.poll();
  };
  const until = async (what: string, cond: () => boolean): Promise<void> => {
    const end = Date.now() + 10000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      pollAll();
      await sleep(2);
    }
  };
  for (let i = 0; i < 3; i++) {
    const mp = new SceneMultiplayer({ protocol: "godot3" });
    mp.multiplayerPeer = await peerFor(transport, "client", port);
    clients.push(mp);
    await until(`client ${i + 1} hears of the others`, () => mp.getPeers().length === i + 1);
  }
  const [c1, c2, c3] = clients as [SceneMultiplayer, SceneMultiplayer, SceneMultiplayer];
  const gone = (mp: SceneMultiplayer) => () => mp.multiplayerPeer!.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED;
  c1.sendBytes(text("kick"), 1);
  await until("c1 disconnected", gone(c1));
  await until("c2 and c3 told", () => c2.getPeers().length === 2 && c3.getPeers().length === 2);
  c2.sendBytes(text(transport === "enet" ? "kicknow" : "kick"), 1);
  await until("c2 disconnected", gone(c2));
  await until("c3 told", () => c3.getPeers().length === 1);
  c3.sendBytes(text("close"), 1);
  await until("the server's probe", done);
}

/** api_server_probe.gd, written against our SceneMultiplayer. */
async function ourServerProbe(transport: Transport): Promise<string[]> {
  const port = transport === "enet" ? await freeUdpPort() : await freeTcpPort();
  const peer = await peerFor(transport, "server", port);
  const mp = new SceneMultiplayer({ protocol: "godot3" });
  mp.multiplayerPeer = peer;
  const lines: string[] = [];
  const names = new Map<number, string>();
  const sym = (id: number): string => {
    if (id === 0 || id === 1) return String(id);
    if (!names.has(id)) names.set(id, `c${names.size + 1}`);
    return names.get(id)!;
  };
  const say = (what: string): void => {
    const ids = mp.getPeers();
    const ascending = ids.every((id, i) => i === 0 || ids[i - 1]! < id);
    const peers = ids.map(sym).sort();
    lines.push(`${what} | peers=${peers.join(",")} ascending=${ascending} uid=${sym(mp.getUniqueId())} status=${peer.getConnectionStatus()} server=${mp.isServer()} sender=${sym(mp.getRemoteSenderId())}`);
  };
  mp.addEventListener("peer_connected", (e) => say(`network_peer_connected ${sym((e as SceneMultiplayerEvent).id)}`));
  mp.addEventListener("peer_disconnected", (e) => say(`network_peer_disconnected ${sym((e as SceneMultiplayerEvent).id)}`));
  for (const signal of ["connected_to_server", "connection_failed", "server_disconnected"]) mp.addEventListener(signal, () => say(signal));
  let closedAt = -1;
  mp.addEventListener("peer_packet", (e) => {
    const { id, packet } = e as SceneMultiplayerEvent;
    const said = new TextDecoder().decode(packet!);
    say(`network_peer_packet ${said} from ${sym(id)}`);
    if (said === "kick") {
      peer.disconnectPeer(id);
      say("after disconnect_peer");
    } else if (said === "kicknow") {
      peer.disconnectPeer(id, true);
      say("after disconnect_peer now");
    } else if (said === "close") {
      peer.close();
      say("after close");
      closedAt = Date.now();
    }
  });
  say("setup err=0");
  await drive(transport, port, () => mp.poll(), () => closedAt >= 0 && Date.now() - closedAt > 300);
  say("after");
  return lines;
}

async function godotServerProbe(transport: Transport): Promise<string[]> {
  const port = transport === "enet" ? await freeUdpPort() : await freeTcpPort();
  const proc = new JsonLineProcess("godot3-server", ["--path", projectDir, "-s", "api_server_probe.gd", "--", `transport=${transport}`, `port=${port}`], { cwd: projectDir });
  started.push(proc);
  await proc.waitFor((e) => e.ev === "ready", 15000);
  await drive(transport, port, () => {}, () => proc.hasExited || proc.events.some((e) => e.ev === "done" || e.ev === "timeout"));
  const lines = proc.events.filter((e) => typeof e.line === "string").map((e) => e.line as string);
  if (!proc.events.some((e) => e.ev === "done")) throw new Error(`the Godot server probe did not finish:\n${lines.join("\n")}\n${proc.stderr.join("").slice(-800)}`);
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

  for (const transport of ["enet", "ws"] as const) {
    test(`${transport}: a server's signals and answers as clients join, are disconnected (later${transport === "enet" ? " and now" : ""}) and it closes`, async () => {
      const godot = await godotServerProbe(transport);
      const mine = await ourServerProbe(transport);
      // Line for line up to the close; then Godot 3.2.3 keeps listing its peers, and its WebSocket
      // server keeps answering ID 1 and is_network_server() (docs/scene-multiplayer.md).
      const n = godot.length;
      assert.ok(n > 2 && godot[n - 2]!.startsWith("after close |"), godot.join("\n"));
      assert.deepEqual(mine.slice(0, n - 2), godot.slice(0, n - 2));
      const was = transport === "enet" ? "uid=0 status=0 server=false" : "uid=1 status=0 server=true";
      assert.deepEqual(godot.slice(n - 2), [`after close | peers=c3 ascending=true ${was} sender=c3`, `after | peers=c3 ascending=true ${was} sender=0`]);
      assert.deepEqual(mine.slice(n - 2), ["after close | peers=c3 ascending=true uid=0 status=0 server=false sender=c3", "after | peers= ascending=true uid=0 status=0 server=false sender=0"]);
    });
  }
});

// Live interop against real C ENet 1.3.17 (the enet_peer.c harness, built at test time):
// our client -> C server and C client -> our server, every delivery mode, 0 B to 1 MiB,
// 4 channels with per-channel order, connect/disconnect data both ways, CRC32 checksum,
// MTU 1400 vs 1392, timeouts when either side vanishes, and the range coder on both sides.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode, ENetConnection, EventType, PacketFlags, type ENetPacketPeer } from "../../src/index.ts";
import { assertWireRules } from "./capture-checks.ts";
import { buildEnetPeer, fnv1a, pattern, startCPeer, type JsonLineProcess, type PeerEvent } from "./harness.ts";
import { freeUdpPort } from "./godot.ts";
import { ConnectionPump, type OurEvent } from "./pump.ts";
import { UdpCaptureRelay } from "../tools/udp-relay.ts";
import { boundedLossFilter } from "./bounded-loss.ts";
import { dissectDatagram } from "../../src/enet/dissect.ts";
import { ProtocolCommand } from "../../src/enet/wire.ts";
import { cleanupsAfterSuite } from "../support/cleanups.ts";

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));

const built = buildEnetPeer();
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`live-c: skipped: ${skip}`);
const bin = () => (built as { path: string }).path;

const CHANNELS = 4;
const SOCKBUF = 4 << 20;

/** One planned send: what goes on which channel with which flags. */
interface Planned {
  channel: number;
  flags: number;
  data: Uint8Array;
  /** The flags the receiver reports (oversized unreliable packets become reliable fragments). */
  receivedFlags: number;
  /** The same payload in the harness's send grammar. */
  spec: string;
}

function plan(channel: number, flags: number, len: number, seed: number, receivedFlags = flags): Planned {
  return { channel, flags, data: pattern(len, seed), receivedFlags, spec: len === 0 ? "empty" : `pat:${len}:${seed}` };
}

/** Small packets in every delivery mode on every channel, including 0 bytes (unless the range coder is on). */
function smallPlan(allowEmpty: boolean): Planned[] {
  const out: Planned[] = [];
  const reliableLens = [allowEmpty ? 0 : 3, 1, 2, 7, 100, 500, 1000, 1300, 1400, 2000];
  for (let ch = 0; ch < CHANNELS; ch++) {
    reliableLens.forEach((len, i) => out.push(plan(ch, PacketFlags.RELIABLE, len, ch * 32 + i)));
    for (let i = 0; i < 3; i++) out.push(plan(ch, 0, 40 + i, ch * 32 + 16 + i));
    for (let i = 0; i < 3; i++) out.push(plan(ch, PacketFlags.UNSEQUENCED, 60 + i, ch * 32 + 24 + i));
  }
  return out;
}

/**
 * Fragmented packets, in three rounds: first the 64 KiB UNRELIABLE_FRAGMENT on its own; then
 * unreliable beyond the MTU (becomes reliable fragments) and a 64 KiB reliable; then 1 MiB
 * reliable on its own, so the unreliable fragments never compete with a bulk transfer for the
 * packet throttle. Every one of the unreliable packet's 47 datagrams must arrive (one lost loses
 * the packet), and on Deno and Bun, whose UDP receive buffer stays at the OS default (about 90
 * such datagrams on Linux), they fit only without the reliable fragments' window beside them:
 * sent together, a Deno host reading late under load lost the echo (66 of 67 echoes).
 */
function bigPlans(): Planned[][] {
  return [
    [plan(0, PacketFlags.UNRELIABLE_FRAGMENT, 64 * 1024, 104)],
    [plan(3, 0, 5000, 103, PacketFlags.RELIABLE), plan(1, PacketFlags.RELIABLE, 65536, 101)],
    [plan(2, PacketFlags.RELIABLE, 1 << 20, 102)],
  ];
}

/**
 * ENet's packet throttle drops unreliable packets when the RTT rises; deceleration 0 keeps the
 * throttle at its maximum so every unreliable packet on loopback is sent. THROTTLE_CONFIGURE
 * carries the setting to the other side too.
 */
const NO_THROTTLE_DECELERATION = [5000, 2, 0] as const;

/** Group by channel and received flags, keeping order: ENet orders per channel and per delivery mode. */
function streams<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(it);
  }
  return m;
}

function expectedStreams(p: Planned[]): Map<string, string[]> {
  const m = streams(p, (x) => `ch${x.channel}/flags${x.receivedFlags}`);
  return new Map([...m].map(([k, v]) => [k, v.map((x) => `${x.data.length}:${fnv1a(x.data)}`)]));
}

/** Compare what the C peer reported (receive events) with the plan, per channel and mode, in order. */
function assertCReceived(events: PeerEvent[], p: Planned[], what: string): void {
  const got = streams(
    events.filter((e) => e.ev === "receive"),
    (e) => `ch${e.ch}/flags${e.flags}`,
  );
  const want = expectedStreams(p);
  for (const [k, list] of want) {
    const g = (got.get(k) ?? []).map((e) => `${e.len}:${e.fnv}`);
    if (k.endsWith("/flags2")) assert.deepEqual([...g].sort(), [...list].sort(), `${what} ${k} (unsequenced: any order)`);
    else assert.deepEqual(g, list, `${what} ${k}`);
  }
  assert.equal(events.filter((e) => e.ev === "receive").length, p.length, `${what}: packet count`);
}

function assertOursReceived(events: OurEvent[], p: Planned[], what: string): void {
  const got = streams(
    events.filter((e) => e.type === EventType.RECEIVE),
    (e) => `ch${e.channel}/flags${e.flags}`,
  );
  const want = expectedStreams(p);
  for (const [k, list] of want) {
    const g = (got.get(k) ?? []).map((e) => `${e.packet!.length}:${fnv1a(e.packet!)}`);
    if (k.endsWith("/flags2")) assert.deepEqual([...g].sort(), [...list].sort(), `${what} ${k} (unsequenced: any order)`);
    else assert.deepEqual(g, list, `${what} ${k}`);
  }
  assert.equal(events.filter((e) => e.type === EventType.RECEIVE).length, p.length, `${what}: packet count`);
}

/** The harness command that sends a planned packet to its peer 0. */
const cSend = (p: Planned) => `send 0 ${p.channel} ${p.flags} ${p.spec}`;

const isCompressed = (hex: string) => (parseInt(hex.slice(0, 4), 16) & 0x4000) !== 0;

describe("live: C ENet 1.3.17", { skip }, () => {
  const cleanups = cleanupsAfterSuite();

  function track(proc: JsonLineProcess): JsonLineProcess {
    cleanups.push(() => proc.kill());
    return proc;
  }

  async function ourHost(
    opts: { server?: boolean; port?: number; maxPeers?: number; mtu?: number; checksum?: boolean; compress?: CompressionMode; bandwidth?: [number, number] } = {},
  ) {
    const conn = new ENetConnection();
    const hostOpts = {
      maxPeers: opts.maxPeers ?? (opts.server ? 4 : 1),
      maxChannels: CHANNELS,
      mtu: opts.mtu,
      checksum: opts.checksum,
      inBandwidth: opts.bandwidth?.[0],
      outBandwidth: opts.bandwidth?.[1],
    };
    if (opts.server) await conn.createHostBound("127.0.0.1", opts.port!, hostOpts);
    else await conn.createHost(hostOpts);
    if (opts.compress !== undefined) conn.compress(opts.compress);
    const pump = new ConnectionPump(conn);
    cleanups.push(async () => {
      await pump.stop();
      conn.destroy();
    });
    return { conn, pump };
  }

  /** Echo every packet back on its channel with the flags it arrived with. */
  function echo(pump: ConnectionPump): void {
    pump.onEvent = (e) => {
      if (e.type === EventType.RECEIVE && e.peer) e.peer.send(e.channel, e.packet!, e.flags!);
    };
  }

  async function relayTo(port: number): Promise<{ relay: UdpCaptureRelay; port: number }> {
    const relay = new UdpCaptureRelay({ targetPort: port });
    cleanups.push(() => relay.stop());
    return { relay, port: await relay.start() };
  }

  /** Our client connects to a C echo server at `port` (directly or through a relay) and sends `planned`: C gets every packet and we get every echo, in order. */
  async function echoedByC(cServer: JsonLineProcess, port: number, planned: Planned[], data: number): Promise<void> {
    const a = await ourHost();
    const peer = await a.conn.connectToHost("127.0.0.1", port, { channels: CHANNELS, data });
    await a.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    for (const p of planned) peer.send(p.channel, p.data, p.flags);
    await cServer.waitForCount((e) => e.ev === "receive", planned.length, 10000);
    assertCReceived(cServer.events, planned, "C server received");
    await a.pump.waitForCount((e) => e.type === EventType.RECEIVE, planned.length, 10000, "echoes");
    assertOursReceived(a.pump.events, planned, "our client got the echoes");
  }

  test("our client -> C server: connect data, every mode on 4 channels, 0 B to 1 MiB, echoes in order, disconnect data", async () => {
    const server = await startCPeer(bin(), { server: true, port: 0, echo: true, channels: CHANNELS, sockbuf: SOCKBUF });
    track(server.proc);
    const { conn, pump } = await ourHost();
    const peer = await conn.connectToHost("127.0.0.1", server.port, { channels: CHANNELS, data: 42 });
    await pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    const cConnect = await server.proc.waitFor((e) => e.ev === "connect");
    assert.equal(cConnect.data, 42, "C saw our connect data");
    assert.equal(cConnect.channels, CHANNELS);

    peer.throttleConfigure(...NO_THROTTLE_DECELERATION);
    const small = smallPlan(true);
    for (const p of small) peer.send(p.channel, p.data, p.flags);
    await server.proc.waitForCount((e) => e.ev === "receive", small.length, 5000);
    assertCReceived(server.proc.events, small, "C server received");
    await pump.waitForCount((e) => e.type === EventType.RECEIVE, small.length, 5000, "echoes");
    assertOursReceived(pump.events, small, "our client got the echoes");

    let sent = small.length;
    for (const big of bigPlans()) {
      const before = server.proc.events.length;
      const oursBefore = pump.events.length;
      for (const p of big) peer.send(p.channel, p.data, p.flags);
      sent += big.length;
      await server.proc.waitForCount((e) => e.ev === "receive", sent, 10000);
      assertCReceived(server.proc.events.slice(before), big, "C server received (fragmented)");
      await pump.waitForCount((e) => e.type === EventType.RECEIVE, sent, 10000, "big echoes");
      assertOursReceived(pump.events.slice(oursBefore), big, "our client got the fragmented echoes");
    }

    peer.peerDisconnect(777);
    const cDisc = await server.proc.waitFor((e) => e.ev === "disconnect");
    assert.equal(cDisc.data, 777, "C saw our disconnect data");
    await pump.waitFor((e) => e.type === EventType.DISCONNECT, 10_000, "our DISCONNECT after peerDisconnect");
  });

  test("C client -> our server: connect data, every mode, fragments, our echoes, C's disconnect data", async () => {
    const port = await freeUdpPort();
    const { pump } = await ourHost({ server: true, port });
    echo(pump);
    const small = smallPlan(true);
    const client = await startCPeer(bin(), { connect: `127.0.0.1:${port}`, data: 99, channels: CHANNELS, sockbuf: SOCKBUF });
    track(client.proc);
    const ours = await pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    assert.equal(ours.data, 99, "we saw C's connect data");
    assert.equal(ours.channels, CHANNELS);
    await client.proc.waitFor((e) => e.ev === "connect");

    client.proc.command(`throttle 0 ${NO_THROTTLE_DECELERATION.join(" ")}`, ...small.map((p) => cSend(p)));
    await client.proc.waitForCount((e) => e.ev === "receive", small.length, 5000);
    assertOursReceived(pump.events, small, "our server received");
    assertCReceived(client.proc.events, small, "C client got our echoes");

    let sent = small.length;
    for (const big of bigPlans()) {
      const before = client.proc.events.length;
      const oursBefore = pump.events.length;
      client.proc.command(...big.map((p) => cSend(p)));
      sent += big.length;
      await client.proc.waitForCount((e) => e.ev === "receive", sent, 10000);
      assertOursReceived(pump.events.slice(oursBefore), big, "our server received (fragmented)");
      assertCReceived(client.proc.events.slice(before), big, "C client got our fragmented echoes");
    }

    client.proc.command("disconnect 0 4321");
    const disc = await pump.waitFor((e) => e.type === EventType.DISCONNECT, 10_000, "DISCONNECT");
    assert.equal(disc.data, 4321, "we saw C's disconnect data");
    await client.proc.waitFor((e) => e.ev === "disconnect");
  });

  test("10,000 reliable messages, 2,500 on each of 4 channels, each way: all delivered once, in order per channel", async () => {
    const many: Planned[] = [];
    for (let i = 0; i < 2500; i++) for (let ch = 0; ch < CHANNELS; ch++) many.push(plan(ch, PacketFlags.RELIABLE, 100 + (i % 50), (i * 4 + ch) % 256));

    const server = await startCPeer(bin(), { server: true, port: 0, echo: true, channels: CHANNELS, hexLimit: 0 });
    track(server.proc);
    await echoedByC(server.proc, server.port, many, 12);

    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    echo(b.pump);
    const client = track((await startCPeer(bin(), { connect: `127.0.0.1:${port}`, data: 13, channels: CHANNELS, hexLimit: 0 })).proc);
    await client.waitFor((e) => e.ev === "connect");
    client.command(...many.map(cSend));
    await client.waitForCount((e) => e.ev === "receive", many.length, 10000);
    assertOursReceived(b.pump.events, many, "our server received");
    assertCReceived(client.events, many, "C client got our echoes");
  });

  test("datagrams packed past C ENet's own 32 commands (acknowledgements and small packets up to the MTU): C ENet takes them, both roles", async () => {
    const small: Planned[] = [];
    for (let i = 0; i < 400; i++) small.push(plan(i % 2, PacketFlags.RELIABLE, 1 + (i % 4), i % 256));
    const mostCommands = (relay: UdpCaptureRelay, dir: "c2s" | "s2c", command: ProtocolCommand): number =>
      Math.max(0, ...relay.records.filter((r) => r.dir === dir).map((r) => dissectDatagram(hexBytes(r.hex)).commands.filter((c) => c.command.command === command).length));

    // Our client sends the small packets: data datagrams carry more than 32 of them.
    const server = await startCPeer(bin(), { server: true, port: 0, echo: true, channels: CHANNELS, hexLimit: 0 });
    track(server.proc);
    const viaServer = await relayTo(server.port);
    await echoedByC(server.proc, viaServer.port, small, 5);
    assert.ok(mostCommands(viaServer.relay, "c2s", ProtocolCommand.SEND_RELIABLE) > 32, "our datagrams carried more than 32 small packets");
    assert.ok(mostCommands(viaServer.relay, "s2c", ProtocolCommand.SEND_RELIABLE) <= 32, "C ENet keeps to its 32");

    // A C client sends them to our server, which services only once they have all arrived: its
    // acknowledgements then leave packed to the MTU, more than 32 to a datagram.
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    const viaOurs = await relayTo(port);
    const client = track((await startCPeer(bin(), { connect: `127.0.0.1:${viaOurs.port}`, data: 6, channels: CHANNELS, hexLimit: 0 })).proc);
    await b.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    await client.waitFor((e) => e.ev === "connect");
    await b.pump.stop();
    client.command(...small.map(cSend));
    const deadline = performance.now() + 10_000;
    for (;;) {
      b.conn.takeReceived();
      if (b.conn.core.pendingEventCount >= small.length) break;
      assert.ok(performance.now() < deadline, `only ${b.conn.core.pendingEventCount} of ${small.length} packets arrived`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const received: OurEvent[] = [];
    while (received.length < small.length) {
      assert.ok(performance.now() < deadline, `only ${received.length} of ${small.length} packets read`);
      const ev = await b.conn.service(20);
      if (ev.type !== EventType.RECEIVE || !ev.peer) continue;
      const flags = ev.peer.getPacketFlags();
      const packet = ev.peer.getPacket();
      received.push({ type: ev.type, peer: ev.peer, data: ev.data, channel: ev.channel, flags, packet });
      ev.peer.send(ev.channel, packet, flags);
    }
    assertOursReceived(received, small, "our server received");
    while (client.events.filter((e) => e.ev === "receive").length < small.length) {
      assert.ok(performance.now() < deadline, "C client is missing echoes");
      await b.conn.service(20);
    }
    assertCReceived(client.events, small, "C client got our echoes");
    assert.ok(mostCommands(viaOurs.relay, "s2c", ProtocolCommand.ACKNOWLEDGE) > 32, "our datagrams carried more than 32 acknowledgements");
  });

  test("70,000 unreliable (the 16-bit sequence wraps) and 5,000 unsequenced (the window slides), each way; channel counts clamped", async () => {
    const UNRELIABLE = 70_000;
    const UNSEQUENCED = 5_000;
    const stream = (flags: number, n: number, ch: number) => Array.from({ length: n }, (_, i) => plan(ch, flags, 20 + (i % 7), i % 256));
    const unreliable = stream(0, UNRELIABLE, 3);
    // ENet's wrap rule: once a channel's unreliable sequence number reaches 0xFFFF, the next unreliable
    // packet goes out as a reliable one (bumping the reliable sequence and restarting the unreliable count),
    // so the receiver reports the 65,536th as reliable.
    unreliable[0xffff]!.receivedFlags = PacketFlags.RELIABLE;
    const unsequenced = stream(PacketFlags.UNSEQUENCED, UNSEQUENCED, 1);

    // Ours -> C: our client asks for 255 channels, the C server allows 8.
    const server = await startCPeer(bin(), { server: true, port: 0, channels: 8, hexLimit: 0, sockbuf: SOCKBUF });
    track(server.proc);
    const a = await ourHost();
    const peer = await a.conn.connectToHost("127.0.0.1", server.port, { channels: 0, data: 14 });
    const connected = await a.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    assert.equal(connected.channels, 8, "we accept the server's channel limit");
    peer.throttleConfigure(...NO_THROTTLE_DECELERATION);
    const both = [...unsequenced, ...unreliable];
    // In batches of 2,000, each closed by a reliable tick on channel 0 that C must report before the
    // next batch, so a busy machine never has more in flight than the kernel buffers hold.
    const tick = new TextEncoder().encode("tick");
    let ticks = 0;
    for (let i = 0; i < both.length; i++) {
      peer.send(both[i]!.channel, both[i]!.data, both[i]!.flags);
      if (i % 2000 === 1999 || i === both.length - 1) {
        peer.send(0, tick, PacketFlags.RELIABLE);
        await server.proc.waitForCount((e) => e.ev === "receive" && e.ch === 0, ++ticks, 5000);
      }
    }
    assertCReceived(
      server.proc.events.filter((e) => e.ch !== 0),
      both,
      "C received",
    );

    // C -> ours: the C client asks for 8 channels, our server allows 4. Unreliable data is lost when
    // it arrives faster than a busy test machine reads it, so C sends in batches of 2,000 and waits for
    // our echo of a reliable tick on channel 0 after each: at most ~50 datagrams are ever in flight.
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    b.pump.onEvent = (e) => {
      if (e.type === EventType.RECEIVE && e.channel === 0 && e.peer) e.peer.send(0, e.packet!, PacketFlags.RELIABLE);
    };
    const client = track((await startCPeer(bin(), { connect: `127.0.0.1:${port}`, data: 15, channels: 8, hexLimit: 0 })).proc);
    const cConnect = await client.waitFor((e) => e.ev === "connect");
    assert.equal(cConnect.channels, 4, "C accepts our channel limit");
    const lines = [`throttle 0 ${NO_THROTTLE_DECELERATION.join(" ")}`];
    let cTicks = 0;
    both.forEach((p, i) => {
      lines.push(cSend(p));
      if (i % 2000 === 1999 || i === both.length - 1) lines.push("send 0 0 1 str:tick", `wait receive ${++cTicks} 5000`);
    });
    client.command(...lines);
    await client.waitForCount((e) => e.ev === "receive" && e.ch === 0, cTicks, 15000);
    assertOursReceived(b.pump.events.filter((e) => e.channel !== 0), both, "we received");
  });

  test("through a relay dropping 10 % of datagrams each way (no command lost twice): reliable data arrives once and in order, both roles", async () => {
    // 10 % of datagrams lost each way, but no reliable command or acknowledgement lost twice: plain
    // random loss lets ENet's doubling backoff hold a channel for 10+ s now and then (bounded-loss.ts).
    const lossy = (seed: number) => boundedLossFilter(seed, 10);
    const data: Planned[] = [];
    for (let i = 0; i < 125; i++) for (let ch = 0; ch < CHANNELS; ch++) data.push(plan(ch, PacketFlags.RELIABLE, 50 + ((i * 13) % 400), (i + ch * 64) % 256));
    data.push(plan(1, PacketFlags.RELIABLE, 100_000, 9));

    // Our client -> lossy relay -> C echo server.
    const server = await startCPeer(bin(), { server: true, port: 0, echo: true, channels: CHANNELS, hexLimit: 0, maxRuntimeMs: 60_000 });
    track(server.proc);
    const relay = new UdpCaptureRelay({ targetPort: server.port, filter: lossy(1) });
    cleanups.push(() => relay.stop());
    const relayPort = await relay.start();
    const a = await ourHost();
    const peer = await a.conn.connectToHost("127.0.0.1", relayPort, { channels: CHANNELS, data: 16 });
    await a.pump.waitFor((e) => e.type === EventType.CONNECT, 8000, "CONNECT through loss");
    for (const p of data) peer.send(p.channel, p.data, p.flags);
    await a.pump.waitForCount((e) => e.type === EventType.RECEIVE, data.length, 30_000, "echoes through loss");
    assertCReceived(server.proc.events, data, "C received through loss");
    assertOursReceived(a.pump.events, data, "our client got the echoes through loss");
    assert.ok(relay.records.some((r) => r.dropped), "the relay dropped datagrams");
    assertWireRules(relay, { observerMayMiss: true });

    // C client -> lossy relay -> our echo server.
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    echo(b.pump);
    const relay2 = new UdpCaptureRelay({ targetPort: port, filter: lossy(2) });
    cleanups.push(() => relay2.stop());
    const relayPort2 = await relay2.start();
    const client = track((await startCPeer(bin(), { connect: `127.0.0.1:${relayPort2}`, data: 17, channels: CHANNELS, hexLimit: 0, maxRuntimeMs: 60_000 })).proc);
    await client.waitFor((e) => e.ev === "connect", 8000);
    client.command(...data.map(cSend));
    await client.waitForCount((e) => e.ev === "receive", data.length, 30_000);
    assertOursReceived(b.pump.events, data, "we received through loss");
    assertCReceived(client.events, data, "C got our echoes through loss");
    assertWireRules(relay2, { observerMayMiss: true });
  });

  test("three C clients on our server at once: separate peers, own echoes, broadcast, refusing when full", async () => {
    const port = await freeUdpPort();
    const { conn, pump } = await ourHost({ server: true, port }); // maxPeers 4
    echo(pump);
    const { relay, port: relayPort } = await relayTo(port);
    const clients = await Promise.all(
      [1, 2, 3].map((data) => startCPeer(bin(), { connect: `127.0.0.1:${relayPort}`, data, channels: CHANNELS }).then((c) => track(c.proc))),
    );
    await pump.waitForCount((e) => e.type === EventType.CONNECT, 3, 5000, "three CONNECTs");
    assert.deepEqual(
      pump.events.filter((e) => e.type === EventType.CONNECT).map((e) => e.data).sort(),
      [1, 2, 3],
    );
    const peers = new Set(pump.events.filter((e) => e.type === EventType.CONNECT).map((e) => e.peer));
    assert.equal(peers.size, 3, "three distinct peers");
    for (const c of clients) await c.waitFor((e) => e.ev === "connect");

    // Each client sends its own packets; each gets back only its own.
    const plans = clients.map((_, k) => [plan(0, PacketFlags.RELIABLE, 50 + k, 40 + k), plan(1, 0, 60 + k, 50 + k), plan(2, PacketFlags.RELIABLE, 3000 + k, 60 + k)]);
    clients.forEach((c, k) => c.command(...plans[k]!.map(cSend)));
    for (let k = 0; k < 3; k++) {
      await clients[k]!.waitForCount((e) => e.ev === "receive", plans[k]!.length, 5000);
      assertCReceived(clients[k]!.events, plans[k]!, `client ${k} got its own echoes`);
    }
    const bc = pattern(700, 77);
    conn.broadcast(3, bc, PacketFlags.RELIABLE);
    for (const c of clients) {
      const e = await c.waitFor((x) => x.ev === "receive" && x.ch === 3, 10_000);
      assert.equal(e.fnv, fnv1a(bc), "broadcast reached every client");
    }

    // A fourth client fits (maxPeers 4); a fifth is not answered and times out.
    const fourth = track((await startCPeer(bin(), { connect: `127.0.0.1:${relayPort}`, data: 4, channels: CHANNELS })).proc);
    await fourth.waitFor((e) => e.ev === "connect", 5000);
    // Full means four completed connections on our side too. C reports connect on our
    // VERIFY_CONNECT, before its acknowledgement has reached us: a fifth CONNECT arriving while
    // the fourth is still half-open there takes its slot by the flood policy's eviction
    // (src/enet/admission.ts) and is answered, until the fourth's acknowledgement reinstates it.
    await pump.waitFor((e) => e.type === EventType.CONNECT && e.data === 4, 5000, "our side of the fourth CONNECT");
    const fifth = track((await startCPeer(bin(), { connect: `127.0.0.1:${relayPort}`, data: 5, channels: CHANNELS, timeout: [4, 300, 600] })).proc);
    await fifth.waitFor((e) => e.ev === "disconnect", 5000);
    assert.ok(!fifth.events.some((e) => e.ev === "connect"), "the fifth client never connected");
    assert.ok(!pump.events.some((e) => e.type === EventType.CONNECT && e.data === 5));
    assert.ok(conn.getConnectCounters().full > 0, "the fifth's CONNECTs were refused as the server was full");

    clients.forEach((c, k) => c.command(`disconnect 0 ${100 + k}`));
    await pump.waitForCount((e) => e.type === EventType.DISCONNECT, 3, 10_000, "three DISCONNECTs");
    assert.deepEqual(
      pump.events.filter((e) => e.type === EventType.DISCONNECT).map((e) => e.data).sort(),
      [100, 101, 102],
    );
    assertWireRules(relay);
  });

  /** Ask the C peer for its peer-0 statistics until `pred` holds. */
  async function cStatsUntil(proc: JsonLineProcess, pred: (e: PeerEvent) => boolean, timeoutMs: number, peerIndex = 0): Promise<PeerEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const from = proc.events.length;
      proc.command(`stats ${peerIndex}`);
      const st = await proc.waitFor((e) => e.ev === "stats", 5000, from);
      if (pred(st)) return st;
      if (performance.now() > deadline) throw new Error(`C stats never matched; last ${JSON.stringify(st)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test("bandwidth limits, THROTTLE_CONFIGURE, disconnect later and now, both ways", async () => {
    // Our client with bandwidth limits -> C server: CONNECT carries them, bandwidthLimit() and
    // throttleConfigure() reach C, peerDisconnectLater() waits for queued data.
    const server = await startCPeer(bin(), { server: true, port: 0, channels: CHANNELS });
    track(server.proc);
    const { relay, port: relayPort } = await relayTo(server.port);
    const { conn, pump } = await ourHost({ maxPeers: 2, bandwidth: [100000, 50000] });
    const peer = await conn.connectToHost("127.0.0.1", relayPort, { channels: CHANNELS, data: 20 });
    await pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    await server.proc.waitFor((e) => e.ev === "connect");
    // (Bounds only: each returns as soon as C reports the values; room for a loaded machine.)
    await cStatsUntil(server.proc, (st) => st.incomingBandwidth === 100000 && st.outgoingBandwidth === 50000, 10_000);
    conn.bandwidthLimit(200000, 80000);
    const ours = await cStatsUntil(server.proc, (st) => st.outgoingBandwidth === 80000, 10_000);
    // The BANDWIDTH_LIMIT's incoming figure is the host's per-peer share as ENet's bandwidth throttle
    // computes it; a C client doing the same must leave the C server with the same view.
    const reference = track(
      (await startCPeer(bin(), { connect: `127.0.0.1:${server.port}`, data: 19, channels: CHANNELS, bandwidth: [100000, 50000] })).proc,
    );
    await reference.waitFor((e) => e.ev === "connect");
    reference.command("bandwidth_limit 200000 80000");
    const theirs = await cStatsUntil(server.proc, (st) => st.outgoingBandwidth === 80000, 10_000, 1);
    assert.equal(ours.incomingBandwidth, theirs.incomingBandwidth, "BANDWIDTH_LIMIT incoming share as C ENet computes it");
    reference.command("disconnect_now 0 0");
    await server.proc.waitFor((e) => e.ev === "disconnect" && e.peer === 1, 10_000);
    peer.throttleConfigure(1234, 3, 4);
    await cStatsUntil(server.proc, (st) => st.throttleInterval === 1234 && st.throttleAcceleration === 3 && st.throttleDeceleration === 4, 10_000);

    const queued = [plan(0, PacketFlags.RELIABLE, 10, 1), plan(1, PacketFlags.RELIABLE, 200_000, 2), plan(2, PacketFlags.RELIABLE, 30, 3)];
    for (const x of queued) peer.send(x.channel, x.data, x.flags);
    peer.peerDisconnectLater(31);
    const cDisc = await server.proc.waitFor((e) => e.ev === "disconnect" && e.peer === 0, 5000);
    assert.equal(cDisc.data, 31);
    assertCReceived(server.proc.events, queued, "everything queued before peerDisconnectLater arrived first");
    await pump.waitFor((e) => e.type === EventType.DISCONNECT, 10_000, "our DISCONNECT after the later disconnect");

    // peerDisconnectNow: C hears it at once; we report nothing (as Godot and ENet).
    const peer2 = await conn.connectToHost("127.0.0.1", relayPort, { channels: CHANNELS, data: 21 });
    await pump.waitForCount((e) => e.type === EventType.CONNECT, 2, 5000, "second CONNECT");
    await server.proc.waitForCount((e) => e.ev === "connect", 3, 10_000);
    const disconnectsBefore = pump.events.filter((e) => e.type === EventType.DISCONNECT).length;
    peer2.peerDisconnectNow(32);
    const cDisc2 = await server.proc.waitForCount((e) => e.ev === "disconnect", 3, 10_000);
    assert.equal(cDisc2[2]!.data, 32);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(pump.events.filter((e) => e.type === EventType.DISCONNECT).length, disconnectsBefore, "no event for peerDisconnectNow");
    assertWireRules(relay);

    // C client -> our server: C's disconnect_later after queued data, then C's disconnect_now.
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    const c1 = track((await startCPeer(bin(), { connect: `127.0.0.1:${port}`, data: 22, channels: CHANNELS })).proc);
    await c1.waitFor((e) => e.ev === "connect");
    c1.command(...queued.map(cSend), "disconnect_later 0 33");
    const d1 = await b.pump.waitFor((e) => e.type === EventType.DISCONNECT, 5000, "C's disconnect_later");
    assert.equal(d1.data, 33);
    assertOursReceived(b.pump.events, queued, "everything C queued before disconnect_later");
    const c2 = track((await startCPeer(bin(), { connect: `127.0.0.1:${port}`, data: 23, channels: CHANNELS })).proc);
    await c2.waitFor((e) => e.ev === "connect");
    // Wait for our side too: disconnect_now drops C's pending acknowledgement of VERIFY_CONNECT, and a
    // server still acknowledging the connect then resets the peer without any event (C ENet does the same).
    await b.pump.waitForCount((e) => e.type === EventType.CONNECT, 2, 10_000, "the second CONNECT");
    c2.command("disconnect_now 0 34");
    const d2 = await b.pump.waitForCount((e) => e.type === EventType.DISCONNECT, 2, 10_000, "C's disconnect_now");
    assert.equal(d2[1]!.data, 34);
  });

  test("CRC32 checksum on both sides, both directions; disconnect data from each server", async () => {
    // Our client -> C server; the C server disconnects us with data.
    const server = await startCPeer(bin(), { server: true, port: 0, echo: true, checksum: true, channels: CHANNELS });
    track(server.proc);
    const { relay, port: relayPort } = await relayTo(server.port);
    const a = await ourHost({ checksum: true });
    const peer = await a.conn.connectToHost("127.0.0.1", relayPort, { channels: CHANNELS, data: 5 });
    await a.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    const p1 = [plan(0, PacketFlags.RELIABLE, 10, 1), plan(1, 0, 20, 2), plan(2, PacketFlags.UNSEQUENCED, 30, 3), plan(3, PacketFlags.RELIABLE, 4000, 4)];
    for (const p of p1) peer.send(p.channel, p.data, p.flags);
    await a.pump.waitForCount((e) => e.type === EventType.RECEIVE, p1.length, 5000, "echoes");
    assertCReceived(server.proc.events, p1, "C server (checksum) received");
    assertOursReceived(a.pump.events, p1, "our client (checksum) got echoes");
    server.proc.command("disconnect 0 555");
    const disc = await a.pump.waitFor((e) => e.type === EventType.DISCONNECT, 10_000, "DISCONNECT");
    assert.equal(disc.data, 555);
    // Every datagram both ways had room for the checksum and C accepted them all: a corrupt one would be dropped
    // and the exchange above would have stalled. The relay saw both directions.
    assert.ok(relay.records.some((r) => r.dir === "c2s") && relay.records.some((r) => r.dir === "s2c"));

    // C client -> our server; we disconnect it with data.
    assertWireRules(relay, { checksum: true });

    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port, checksum: true });
    echo(b.pump);
    const relay2 = await relayTo(port);
    const client = await startCPeer(bin(), { connect: `127.0.0.1:${relay2.port}`, data: 6, checksum: true, channels: CHANNELS });
    track(client.proc);
    const conn = await b.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    client.proc.command(...p1.map((p) => cSend(p)));
    await client.proc.waitForCount((e) => e.ev === "receive", p1.length, 5000);
    assertCReceived(client.proc.events, p1, "C client (checksum) got our echoes");
    conn.peer!.peerDisconnect(888);
    const cDisc = await client.proc.waitFor((e) => e.ev === "disconnect");
    assert.equal(cDisc.data, 888);
    assertWireRules(relay2.relay, { checksum: true });
  });

  test("MTU: 1392 (ours, as 1.3.18) against C ENet 1.3.17's 1400, both ways; no datagram exceeds what was agreed", async () => {
    // A 1.3.17 server adopts the MTU the client announces (clamped to 576..4096), whatever its own;
    // a client keeps the smaller of its own and the server's answer.
    const cases = [
      { ours: undefined, theirs: 1400, agreed: 1392 },
      { ours: 1400, theirs: 1392, agreed: 1400 },
    ];
    for (const { ours, theirs, agreed } of cases) {
      const server = await startCPeer(bin(), { server: true, port: 0, echo: true, mtu: theirs, channels: CHANNELS });
      track(server.proc);
      const { relay, port: relayPort } = await relayTo(server.port);
      const { conn, pump } = await ourHost({ mtu: ours });
      const peer = await conn.connectToHost("127.0.0.1", relayPort, { channels: CHANNELS, data: 1 });
      await pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
      const cConnect = await server.proc.waitFor((e) => e.ev === "connect");
      assert.equal(cConnect.mtu, agreed, `C's peer MTU (ours ${ours ?? "default"}, C ${theirs})`);
      const p = [plan(0, PacketFlags.RELIABLE, 5000, 7), plan(1, PacketFlags.UNRELIABLE_FRAGMENT, 5000, 8)];
      for (const x of p) peer.send(x.channel, x.data, x.flags);
      await pump.waitForCount((e) => e.type === EventType.RECEIVE, p.length, 5000, "echoes");
      assertOursReceived(pump.events, p, `echo through MTU ${agreed}`);
      for (const dir of ["c2s", "s2c"] as const) {
        const sizes = relay.records.filter((r) => r.dir === dir).map((r) => r.hex.length / 2);
        assert.ok(Math.max(...sizes) <= agreed, `${dir}: largest datagram ${Math.max(...sizes)} <= ${agreed}`);
        assert.ok(sizes.includes(agreed), `${dir}: fragments fill the ${agreed}-byte MTU exactly, as C ENet's do`);
      }
      assertWireRules(relay);
      peer.peerDisconnectNow(0);
    }

    // C ENet 1.3.17 client (1400) -> our server (1392): both keep to one agreed MTU <= 1400.
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    echo(b.pump);
    const { relay, port: relayPort } = await relayTo(port);
    const client = await startCPeer(bin(), { connect: `127.0.0.1:${relayPort}`, data: 2, channels: CHANNELS });
    track(client.proc);
    const cConnect = await client.proc.waitFor((e) => e.ev === "connect");
    const agreed = cConnect.mtu as number;
    assert.ok(agreed === 1392 || agreed === 1400, `agreed MTU ${agreed}`);
    client.proc.command("send 0 0 1 pat:5000:9", "send 0 1 8 pat:5000:10");
    await client.proc.waitForCount((e) => e.ev === "receive", 2, 5000);
    for (const dir of ["c2s", "s2c"] as const) {
      const sizes = relay.records.filter((r) => r.dir === dir).map((r) => r.hex.length / 2);
      assert.ok(Math.max(...sizes) <= agreed, `${dir}: largest datagram ${Math.max(...sizes)} <= ${agreed}`);
    }
    assertWireRules(relay);
  });

  test("timeouts: C times out our vanished client; we time out a vanished C client", async () => {
    // Our client vanishes (destroy sends nothing): C's short peer timeout fires.
    const server = await startCPeer(bin(), { server: true, port: 0, timeout: [4, 300, 600], pingInterval: 100, channels: CHANNELS });
    track(server.proc);
    const a = await ourHost();
    await a.conn.connectToHost("127.0.0.1", server.port, { channels: CHANNELS, data: 3 });
    await a.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    await server.proc.waitFor((e) => e.ev === "connect");
    await a.pump.stop();
    let t0 = performance.now();
    a.conn.destroy();
    // The short timeout (at most 600 ms) against ENet's default (up to 30 s); the margin is for a loaded machine.
    await server.proc.waitFor((e) => e.ev === "disconnect", 15_000);
    const cElapsed = performance.now() - t0;
    assert.ok(cElapsed < 10_000, `C noticed in ${cElapsed.toFixed(0)} ms`);

    // A C client vanishes: our short timeout fires as a DISCONNECT event.
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    const client = await startCPeer(bin(), { connect: `127.0.0.1:${port}`, data: 4, channels: CHANNELS });
    track(client.proc);
    const conn = await b.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    const ourPeer = conn.peer as ENetPacketPeer;
    ourPeer.setTimeout(4, 300, 600);
    ourPeer.pingInterval(100);
    t0 = performance.now();
    client.proc.command("vanish");
    await client.proc.exitPromise;
    const disc = await b.pump.waitFor((e) => e.type === EventType.DISCONNECT, 15_000, "timeout DISCONNECT");
    assert.equal(disc.peer, ourPeer);
    const ourElapsed = performance.now() - t0;
    assert.ok(ourElapsed < 10_000, `we noticed in ${ourElapsed.toFixed(0)} ms`);
    assert.ok(ourElapsed > 250, `not before the minimum timeout (${ourElapsed.toFixed(0)} ms)`);
  });

  test("keep-alive: an idle C client's pings carry ours back (our server sends half the datagrams C ENet would), the link stays up", async () => {
    // 400 ms intervals: our own standalone ping waits 600 ms for C's, so a stall of up to ~200 ms on a
    // busy machine changes nothing (at 200 ms, a CI run sharing its two cores with a fuzzer saw Deno
    // reach 19 datagrams for C's 23).
    const interval = 400;
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port });
    const relay = new UdpCaptureRelay({ targetPort: port });
    cleanups.push(() => relay.stop());
    const relayPort = await relay.start();
    const client = track((await startCPeer(bin(), { connect: `127.0.0.1:${relayPort}`, data: 5, channels: CHANNELS, pingInterval: interval })).proc);
    const conn = await b.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    await client.waitFor((e) => e.ev === "connect", 5000);
    (conn.peer as ENetPacketPeer).pingInterval(interval);
    await new Promise((r) => setTimeout(r, 3 * interval)); // settle into the steady state
    const from = relay.records.length;
    await new Promise((r) => setTimeout(r, 10 * interval));
    const idle = relay.records.slice(from);
    const pings = (r: { hex: string }): number => dissectDatagram(hexBytes(r.hex)).commands.filter((c) => c.command.command === ProtocolCommand.PING).length;
    const fromC = idle.filter((r) => r.dir === "c2s");
    const fromUs = idle.filter((r) => r.dir === "s2c");
    const ourPings = fromUs.reduce((n, r) => n + pings(r), 0);
    const cPings = fromC.reduce((n, r) => n + pings(r), 0);
    // C pings every interval and acknowledges ours: about two datagrams a cycle. C ENet would answer
    // with two as well (an acknowledgement, its own ping); we answer with one carrying both.
    assert.ok(cPings >= 7, `C pinged ${cPings} times in 10 intervals`);
    assert.ok(ourPings >= 7, `we still ping (${ourPings} in 10 intervals), so our side still measures the round trip and detects a dead peer`);
    // Measured: about 0.53 on Node, 0.59-0.69 on Deno (whose receive path is asynchronous, so now and
    // then C's ping arrives after our own has gone out alone); C ENet in our place: about 1.0. On Deno
    // under the full CI load (three runtimes' suites on two cores) it reached 0.86 (19 for C's 22), a
    // schedule, not the protocol, so there the bound is C's own rate; the riding ping itself is held
    // on the simulated network (spec-tests/enet/keepalive.test.ts) on every runtime.
    console.log(`keep-alive: we sent ${fromUs.length} datagrams for C's ${fromC.length}`);
    const onDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
    const bound = onDeno ? fromC.length + 1 : Math.ceil(fromC.length * 0.75);
    assert.ok(fromUs.length <= bound, `we sent ${fromUs.length} datagrams for C's ${fromC.length}`);
    assert.ok(!b.pump.events.some((e) => e.type === EventType.DISCONNECT), "our side stayed connected");
    assert.ok(!client.events.some((e) => e.ev === "disconnect"), "C stayed connected");
    assertWireRules(relay);
  });

  test("range coder on both sides, both directions; datagrams really are compressed", async () => {
    const text = (n: number, seed: number) => {
      const words = ["alpha", "beta", "gamma", "delta", "packet", "peer", "enet", "godot"];
      let s = "";
      for (let i = 0; s.length < n; i++) s += words[(i * 7 + seed) % words.length] + " ";
      return new TextEncoder().encode(s.slice(0, n));
    };
    const mk = (channel: number, flags: number, data: Uint8Array): Planned => ({
      channel,
      flags,
      data,
      receivedFlags: flags,
      spec: `hex:${Buffer.from(data).toString("hex")}`,
    });
    const p = [
      mk(0, PacketFlags.RELIABLE, text(200, 1)),
      mk(1, 0, text(300, 2)),
      mk(2, PacketFlags.UNSEQUENCED, text(120, 3)),
      mk(3, PacketFlags.RELIABLE, text(100_000, 4)),
      mk(1, PacketFlags.RELIABLE, pattern(3000, 5)),
      mk(0, PacketFlags.RELIABLE, new Uint8Array([1])),
    ];

    const server = await startCPeer(bin(), { server: true, port: 0, echo: true, rangeCoder: true, channels: CHANNELS });
    track(server.proc);
    const { relay, port: relayPort } = await relayTo(server.port);
    const a = await ourHost({ compress: CompressionMode.RANGE_CODER });
    const peer = await a.conn.connectToHost("127.0.0.1", relayPort, { channels: CHANNELS, data: 8 });
    await a.pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    for (const x of p) peer.send(x.channel, x.data, x.flags);
    await a.pump.waitForCount((e) => e.type === EventType.RECEIVE, p.length, 8000, "echoes");
    assertCReceived(server.proc.events, p, "C server (range coder) received");
    assertOursReceived(a.pump.events, p, "our client (range coder) got echoes");
    assert.ok(relay.records.some((r) => r.dir === "c2s" && isCompressed(r.hex)), "we sent range-coded datagrams");
    assert.ok(relay.records.some((r) => r.dir === "s2c" && isCompressed(r.hex)), "C sent range-coded datagrams");
    peer.peerDisconnect(0);
    await server.proc.waitFor((e) => e.ev === "disconnect");
    assertWireRules(relay, { compression: CompressionMode.RANGE_CODER });

    // C client with the range coder -> our server with it.
    const port = await freeUdpPort();
    const b = await ourHost({ server: true, port, compress: CompressionMode.RANGE_CODER });
    echo(b.pump);
    const relay2 = await relayTo(port);
    const client = await startCPeer(bin(), { connect: `127.0.0.1:${relay2.port}`, data: 9, rangeCoder: true, channels: CHANNELS });
    track(client.proc);
    await client.proc.waitFor((e) => e.ev === "connect");
    client.proc.command(...p.map(cSend));
    await client.proc.waitForCount((e) => e.ev === "receive", p.length, 8000);
    assertOursReceived(b.pump.events, p, "our server (range coder) received");
    assertCReceived(client.proc.events, p, "C client (range coder) got our echoes");
    assert.ok(relay2.relay.records.some((r) => r.dir === "s2c" && isCompressed(r.hex)), "our server sent range-coded datagrams");
    assertWireRules(relay2.relay, { compression: CompressionMode.RANGE_CODER });
  });
});

// C ENet asks the kernel for 256 KiB socket buffers (ENET_HOST_RECEIVE_BUFFER_SIZE /
// ENET_HOST_SEND_BUFFER_SIZE) and so receives a 128 KiB UNRELIABLE_FRAGMENT burst from another
// C host. Our Node transport asks for more (UDP_RECEIVE_BUFFER_SIZE in src/transport/node.ts);
// Deno and Bun offer no way to set SO_RCVBUF, so the burst can overflow the OS default there.
const isNode = typeof process !== "undefined" && process.release?.name === "node" && !("Deno" in globalThis) && !("Bun" in globalThis);
const bufferSkip = skip || (isNode ? false : "this runtime cannot enlarge the UDP receive buffer to C ENet's 256 KiB (Node only)");
if (bufferSkip && !skip) console.log(`live-c: 128 KiB burst test skipped: ${bufferSkip}`);
describe("live: C ENet 1.3.17, 256 KiB socket buffers", { skip: bufferSkip }, () => {
  test("a 128 KiB UNRELIABLE_FRAGMENT burst from C arrives, as it does between two C hosts", async () => {
    const server = await startCPeer(bin(), { server: true, port: 0, echo: true, channels: CHANNELS });
    const conn = new ENetConnection();
    try {
      await conn.createHost({ maxPeers: 1, maxChannels: CHANNELS });
      const pump = new ConnectionPump(conn);
      try {
        const peer = await conn.connectToHost("127.0.0.1", server.port, { channels: CHANNELS, data: 1 });
        await pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
        peer.throttleConfigure(...NO_THROTTLE_DECELERATION);
        const p = [plan(0, PacketFlags.UNRELIABLE_FRAGMENT, 128 * 1024, 11)];
        peer.send(0, p[0]!.data, p[0]!.flags);
        await server.proc.waitForCount((e) => e.ev === "receive", 1, 5000);
        await pump.waitForCount((e) => e.type === EventType.RECEIVE, 1, 10_000, "the 128 KiB echo");
        assertOursReceived(pump.events, p, "the echo");
      } finally {
        await pump.stop();
      }
    } finally {
      conn.destroy();
      server.proc.kill();
    }
  });
});

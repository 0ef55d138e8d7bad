/**
 * Records the reference captures under spec-tests/captures/ from real sessions:
 * C ENet 1.3.17 (spec-tests/enet-interop/enet_peer.c) and Godot 3.2.3
 * (spec-tests/godot/enet/mp_peer.gd), each time through the recording relay.
 *
 *   node --import tsx spec-tests/tools/make-captures.ts            # all sessions
 *   node --import tsx spec-tests/tools/make-captures.ts c-basic    # names containing "c-basic"
 *
 * Each capture stores the datagrams (direction, time, hex), what every peer was told
 * to do (its arguments) and every event it printed, so a test can check decoded
 * fields against what the session did.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildEnetPeer, cPeerArgs, repoRoot, startCPeer, type CPeerOptions, type JsonLineProcess, type PeerEvent } from "../enet-interop/harness.ts";
import { freeUdpPort, startGodotPeer } from "../enet-interop/godot.ts";
import { UdpCaptureRelay, type RecordedDatagram, type RelayOptions } from "./udp-relay.ts";

const captureDir = join(repoRoot, "spec-tests", "captures");
const compressionNames = ["none", "range-coder", "fastlz", "zlib", "zstd"] as const;

interface PeerRecord {
  role: string;
  program: string;
  args: string[] | Record<string, string | number>;
  events: PeerEvent[];
}

interface Capture {
  name: string;
  description: string;
  madeWith: string;
  compression: (typeof compressionNames)[number];
  checksum: boolean;
  peers: PeerRecord[];
  datagrams: RecordedDatagram[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cBinary(): string {
  const b = buildEnetPeer();
  if ("skip" in b) throw new Error(b.skip);
  return b.path;
}

/** C client <-> relay <-> C server. Both scripts finish on their own; we wait for the given events. */
async function cSession(
  name: string,
  description: string,
  server: CPeerOptions,
  client: CPeerOptions,
  done: { server: (p: JsonLineProcess) => Promise<unknown>; client: (p: JsonLineProcess) => Promise<unknown> },
  filter?: RelayOptions["filter"],
): Promise<Capture> {
  const bin = cBinary();
  const procs: JsonLineProcess[] = [];
  let relay: UdpCaptureRelay | undefined;
  try {
    const s = await startCPeer(bin, { ...server, server: true, port: 0 });
    procs.push(s.proc);
    relay = new UdpCaptureRelay({ targetPort: s.port, filter });
    const relayPort = await relay.start();
    const clientOpts = { ...client, connect: `127.0.0.1:${relayPort}` };
    const c = await startCPeer(bin, clientOpts);
    procs.push(c.proc);
    await Promise.all([done.server(s.proc), done.client(c.proc)]);
    await sleep(300); // let the last acknowledgements cross
    relay.stop();
    return {
      name,
      description,
      madeWith: `node --import tsx spec-tests/tools/make-captures.ts ${name}`,
      compression: server.rangeCoder ? "range-coder" : "none",
      checksum: !!server.checksum,
      peers: [
        { role: "server", program: "enet_peer.c (C ENet 1.3.17)", args: cPeerArgs({ ...server, server: true, port: 0 }), events: s.proc.events },
        { role: "client", program: "enet_peer.c (C ENet 1.3.17)", args: cPeerArgs(clientOpts).map((a) => a.replace(String(relayPort), "RELAY")), events: c.proc.events },
      ],
      datagrams: relay.datagrams(),
    };
  } finally {
    relay?.stop();
    for (const p of procs) p.kill();
  }
}

const receives = (n: number) => (p: JsonLineProcess) => p.waitForCount((e) => e.ev === "receive", n, 10000);
const disconnected = (p: JsonLineProcess) => p.waitFor((e) => e.ev === "disconnect", 10000);

// The client's script: connect, one packet per delivery mode on several channels, wait for the echoes.
const clientSends = [
  "send 0 0 1 str:hello",
  "send 0 1 0 pat:100:1",
  "send 0 2 2 pat:50:2",
  "send 0 3 1 pat:5000:3",
  "send 0 1 8 pat:3000:4",
];

const sessions: Record<string, () => Promise<Capture>> = {
  "c-basic": () =>
    cSession(
      "c-basic",
      "C client (connect data 42, 4 channels) sends: reliable 'hello' on ch0, unreliable 100 B on ch1, unsequenced 50 B on ch2, " +
        "a 5000 B reliable packet on ch3 (fragmented), a 3000 B UNRELIABLE_FRAGMENT packet on ch1, an empty reliable packet on ch0; " +
        "the C server echoes each back; then the client disconnects with data 1234.",
      { echo: true },
      { data: 42, script: ["wait connect", ...clientSends, "send 0 0 1 empty", "wait receive 6", "disconnect 0 1234", "wait disconnect"].join(";") },
      { server: disconnected, client: disconnected },
    ),
  "c-checksum": () =>
    cSession(
      "c-checksum",
      "As c-basic with ENet's CRC32 checksum on both hosts (no empty packet); the server disconnects with data 77 after the echoes.",
      { echo: true, checksum: true, script: "wait receive 5; sleep 100; disconnect 0 77; wait disconnect" },
      { data: 7, checksum: true, script: ["wait connect", ...clientSends, "wait receive 5", "wait disconnect"].join(";") },
      { server: disconnected, client: disconnected },
    ),
  "c-range-coder": () =>
    cSession(
      "c-range-coder",
      "C client and server, both with enet_host_compress_with_range_coder; compressible text and pattern payloads on 4 channels " +
        "(a 4000 B compressible reliable fragmented packet included), echoed back; the client disconnects with data 5. No empty packets (libenet 1.3.17 crashes on them with the range coder).",
      { echo: true, rangeCoder: true },
      {
        data: 1,
        rangeCoder: true,
        script: [
          "wait connect",
          "send 0 0 1 str:hello_hello_hello_hello_hello_hello_hello_hello",
          "send 0 1 0 str:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "send 0 2 2 pat:200:9",
          `send 0 3 1 str:${"the quick brown fox jumps over the lazy dog ".repeat(91).replace(/ /g, "_")}`,
          "wait receive 4",
          "disconnect 0 5",
          "wait disconnect",
        ].join(";"),
      },
      { server: disconnected, client: disconnected },
    ),
  "c-mtu": () =>
    cSession(
      "c-mtu",
      "C client with MTU 1392 (ENet 1.3.18's default) to a C server with 1.3.17's 1400: the connection uses the smaller; " +
        "a 3000 B reliable packet is fragmented accordingly and echoed; the client disconnects with data 0.",
      { echo: true },
      { data: 3, mtu: 1392, script: ["wait connect", "send 0 0 1 pat:3000:5", "wait receive 1", "disconnect 0 0", "wait disconnect"].join(";") },
      { server: disconnected, client: disconnected },
    ),
  "c-commands": () =>
    cSession(
      "c-commands",
      "The rarer commands: both hosts bandwidth-limited (server in 100000 / out 50000 B/s, client 200000 / 80000), so CONNECT carries " +
        "bandwidths and the hosts send BANDWIDTH_LIMIT; the client sends THROTTLE_CONFIGURE (interval 2000, acceleration 3, deceleration 5), " +
        "idles 1.2 s (PINGs), calls enet_host_bandwidth_limit(150000, 60000), sends two more reliable packets (one fragmented) and " +
        "disconnects with disconnect_later (data 9), which waits for them to be acknowledged.",
      // No echo: packets reaching a peer after its disconnect_later turned into DISCONNECTING are dropped by ENet.
      { bandwidth: [100000, 50000] },
      {
        data: 11,
        bandwidth: [200000, 80000],
        script: [
          "wait connect",
          "throttle 0 2000 3 5",
          "send 0 0 1 str:one",
          "sleep 1200",
          "bandwidth_limit 150000 60000",
          "sleep 1100",
          "send 0 1 1 pat:2000:1",
          "send 0 2 1 str:two",
          "disconnect_later 0 9",
          "wait disconnect",
        ].join(";"),
      },
      { server: disconnected, client: disconnected },
    ),
  "c-loss": () => {
    // Drop a few datagrams (by position) so the capture holds retransmissions and late acknowledgements.
    const seen = { c2s: 0, s2c: 0 };
    const dropC2s = new Set([2, 4, 7]);
    const dropS2c = new Set([3, 6]);
    return cSession(
      "c-loss",
      "As c-basic's first four sends plus a 6000 B reliable packet, echoed, through a relay that drops the 3rd, 5th and 8th " +
        "client->server and the 4th and 7th server->client datagrams (marked \"dropped\": true; they never arrived), so reliable " +
        "commands are retransmitted after ENet's retransmission timeout; the client disconnects with data 2.",
      { echo: true },
      {
        data: 2,
        script: ["wait connect", ...clientSends.slice(0, 4), "send 0 1 1 pat:6000:6", "wait receive 5 8000", "disconnect 0 2", "wait disconnect"].join(";"),
      },
      { server: disconnected, client: disconnected },
      (dir) => {
        const n = seen[dir]++;
        return !(dir === "c2s" ? dropC2s : dropS2c).has(n);
      },
    );
  },
};

/** Godot client <-> relay <-> Godot server, both NetworkedMultiplayerENet with the same compression mode. */
async function godotSession(mode: number): Promise<Capture> {
  const name = `godot-${compressionNames[mode]}`;
  const port = await freeUdpPort();
  const procs: JsonLineProcess[] = [];
  let relay: UdpCaptureRelay | undefined;
  const send = "r:68656c6c6f,u:0102,o:0304,p:3000:1,r:" + Buffer.from("godot ".repeat(40)).toString("hex") + "@2";
  const serverArgs = { role: "server", port, compression: mode, echo: 1, max_ms: 15000 };
  try {
    const server = await startGodotPeer(serverArgs);
    procs.push(server);
    relay = new UdpCaptureRelay({ targetPort: port });
    const relayPort = await relay.start();
    const clientArgs = { role: "client", port: relayPort, compression: mode, send, expect: 5, then: "close", max_ms: 15000 };
    const client = await startGodotPeer(clientArgs);
    procs.push(client);
    await client.waitFor((e) => e.ev === "exit", 15000);
    await server.waitFor((e) => e.ev === "peer_disconnected", 5000);
    await sleep(200);
    relay.stop();
    return {
      name,
      description:
        `Godot 3.2.3 NetworkedMultiplayerENet client and server, compression_mode ${mode} (${compressionNames[mode]}) on both. ` +
        "The client sends (each with Godot's 8-byte [u32 source][i32 target] header): reliable 'hello', unreliable 0102, " +
        "unreliable-ordered 0304, a 3000 B reliable pattern (fragmented), 240 B of compressible text reliably on channel 2; " +
        "the server echoes each back reliably on the same channel; the client then calls close_connection() " +
        "(DISCONNECT with its unique ID as data, unacknowledged).",
      madeWith: `node --import tsx spec-tests/tools/make-captures.ts ${name}`,
      compression: compressionNames[mode]!,
      checksum: false,
      peers: [
        { role: "server", program: "mp_peer.gd (Godot 3.2.3)", args: serverArgs, events: server.events },
        { role: "client", program: "mp_peer.gd (Godot 3.2.3)", args: { ...clientArgs, port: "RELAY" }, events: client.events },
      ],
      datagrams: relay.datagrams(),
    };
  } finally {
    relay?.stop();
    for (const p of procs) p.kill();
  }
}

for (let mode = 0; mode < 5; mode++) sessions[`godot-${compressionNames[mode]}`] = () => godotSession(mode);

/**
 * Two C clients to a Godot server (no compression), to see Godot 3's framing from a plain ENet peer:
 * connect data = the client's unique ID, the 8-byte header, SYSMSG_ADD_PEER / SYSMSG_REMOVE_PEER on channel 0.
 */
sessions["godot-server-c-clients"] = async () => {
  const name = "godot-server-c-clients";
  const port = await freeUdpPort();
  const bin = cBinary();
  const procs: JsonLineProcess[] = [];
  let relay: UdpCaptureRelay | undefined;
  const header = (source: number, target: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(source, 0);
    b.writeInt32LE(target, 4);
    return b.toString("hex");
  };
  const serverArgs = { role: "server", port, compression: 0, echo: 1, max_ms: 15000 };
  try {
    const server = await startGodotPeer(serverArgs);
    procs.push(server);
    relay = new UdpCaptureRelay({ targetPort: port });
    const relayPort = await relay.start();
    const aOpts: CPeerOptions = {
      connect: `127.0.0.1:${relayPort}`,
      data: 1000,
      channels: 3,
      script: [
        "wait connect",
        `send 0 1 1 hex:${header(1000, 1)}68656c6c6f`,
        `send 0 2 2 hex:${header(1000, 1)}0102`,
        "wait receive 3", // two echoes and the ADD_PEER for client B
        "wait receive 4", // REMOVE_PEER when B leaves
        "disconnect 0 0",
        "wait disconnect",
      ].join(";"),
    };
    const a = await startCPeer(bin, aOpts);
    procs.push(a.proc);
    await a.proc.waitForCount((e) => e.ev === "receive", 2, 5000);
    const bOpts: CPeerOptions = {
      connect: `127.0.0.1:${relayPort}`,
      data: 2000,
      channels: 3,
      script: ["wait connect", "wait receive 1", "sleep 100", "disconnect 0 0", "wait disconnect"].join(";"),
    };
    const b = await startCPeer(bin, bOpts);
    procs.push(b.proc);
    await b.proc.waitFor((e) => e.ev === "disconnect", 10000);
    await a.proc.waitFor((e) => e.ev === "disconnect", 10000);
    await sleep(200);
    relay.stop();
    const anon = (o: CPeerOptions) => cPeerArgs(o).map((x) => x.replace(String(relayPort), "RELAY"));
    return {
      name,
      description:
        "Godot 3.2.3 server (compression none, echo) and two C ENet clients with connect data 1000 and 2000 (their Godot unique IDs), 3 channels. " +
        "Client A sends 'hello' reliably on channel 1 and 0102 unsequenced on channel 2, each behind an 8-byte [u32 source=1000][i32 target=1] header; " +
        "the server echoes them with [source=1][target=1000]. Client B connects: the server sends each client SYSMSG_ADD_PEER (0) " +
        "naming the other on channel 0; B disconnects: A gets SYSMSG_REMOVE_PEER (1); then A disconnects.",
      madeWith: `node --import tsx spec-tests/tools/make-captures.ts ${name}`,
      compression: "none",
      checksum: false,
      peers: [
        { role: "server", program: "mp_peer.gd (Godot 3.2.3)", args: serverArgs, events: server.events },
        { role: "client-a", program: "enet_peer.c (C ENet 1.3.17)", args: anon(aOpts), events: a.proc.events },
        { role: "client-b", program: "enet_peer.c (C ENet 1.3.17)", args: anon(bOpts), events: b.proc.events },
      ],
      datagrams: relay.datagrams(),
    };
  } finally {
    relay?.stop();
    for (const p of procs) p.kill();
  }
};

const filters = process.argv.slice(2);
for (const [name, make] of Object.entries(sessions)) {
  if (filters.length > 0 && !filters.some((f) => name.includes(f))) continue;
  const capture = await make();
  const file = join(captureDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(capture, null, 1) + "\n");
  console.log(`${name}: ${capture.datagrams.length} datagrams -> ${file}`);
}

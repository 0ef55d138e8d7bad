/**
 * Records the pcap captures `packetpeer decode` is tested on (spec-tests/captures/pcap/), with
 * tcpdump on the loopback interface. Needs root (or CAP_NET_RAW), tcpdump, libenet-dev and
 * godot3-server; the tests only read the files. Run: node --import tsx spec-tests/tools/record-pcaps.ts
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import "../register-runtimes.ts";
import { ENetMultiplayerPeer, SceneMultiplayer } from "../../src/index.ts";
import { buildEnetPeer, repoRoot, startCPeer } from "../enet-interop/harness.ts";

const out = join(repoRoot, "spec-tests", "captures", "pcap");
const cli = [join(repoRoot, "bin", "packetpeer.mjs")];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function capture(name: string, port: number, session: () => Promise<void>): Promise<void> {
  const dump = spawn("tcpdump", ["-i", "lo", "-U", "-w", join(out, name), "-s", "0", `udp port ${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve) => dump.stderr!.on("data", (d: Buffer) => d.toString().includes("listening") && resolve()));
  await session();
  await sleep(300);
  dump.kill("SIGINT");
  await new Promise((r) => dump.on("exit", r));
  console.log(`recorded ${name}`);
}

function run(args: string[], input: string[], holdMs: number): Promise<void> {
  const p = spawn(process.execPath, [...cli, ...args], { stdio: ["pipe", "inherit", "inherit"] });
  void (async () => {
    await sleep(500);
    for (const line of input) p.stdin!.write(line + "\n");
    await sleep(holdMs);
    p.stdin!.end();
  })();
  return new Promise((r) => p.on("exit", () => r()));
}

function background(args: string[]): ChildProcess {
  return spawn(process.execPath, [...cli, ...args], { stdio: ["pipe", "inherit", "inherit"] });
}

const LONG = "fragmented ".repeat(300).trim(); // 3299 bytes: three fragments at the default MTU

// 1. ours <-> ours through the CLI: range coder and checksums, a fragmented packet, echo.
await capture("ours-range-checksum.pcap", 47411, async () => {
  const server = background(["enet", "listen", "47411", "--echo", "--compress", "range", "--checksum"]);
  await sleep(800);
  await run(["enet", "connect", "127.0.0.1:47411", "--compress", "range", "--checksum"], ["hello from packetpeer", LONG, "unreliable?"], 800);
  server.kill("SIGINT");
  await new Promise((r) => server.on("exit", r));
});

// 2. a C ENet 1.3.17 server (enet_peer.c, echoing) and our CLI client.
const c = buildEnetPeer();
if ("path" in c) {
  await capture("c-server-ours-client.pcap", 47412, async () => {
    const { proc } = await startCPeer(c.path, { server: true, port: 47412, echo: true, channels: 8, maxRuntimeMs: 6000 });
    await run(["enet", "connect", "127.0.0.1:47412", "--channel", "2"], ["hello C ENet", LONG], 800);
    proc.kill();
  });
}

// 3. Godot 3.2.3's NetworkedMultiplayerENet server (echoing) and our CLI as a Godot 3 client.
await capture("godot3-server-ours-client.pcap", 47413, async () => {
  const godot = spawn("godot3-server", ["--path", join(repoRoot, "spec-tests", "godot", "enet"), "-s", "mp_peer.gd", "--", "role=server", "port=47413", "echo=1", "max_ms=8000"], { stdio: ["ignore", "ignore", "inherit"] });
  await sleep(2000);
  await run(["enet", "connect", "127.0.0.1:47413", "--godot", "3"], ["hello Godot 3"], 1200);
  godot.kill();
});

// 4. SceneMultiplayer (Godot 4's high-level protocol) over ENetMultiplayerPeer, both ends ours:
//    auth, path cache, RPCs with Variant arguments both ways.
await capture("scene-godot4.pcap", 47414, async () => {
  const serverPeer = new ENetMultiplayerPeer();
  await serverPeer.createServer(47414, 4);
  const clientPeer = new ENetMultiplayerPeer();
  await clientPeer.createClient("127.0.0.1", 47414);
  const server = new SceneMultiplayer();
  const client = new SceneMultiplayer();
  for (const mp of [server, client]) {
    const chat = mp.node("/root/Chat");
    chat.rpcConfig("say", { rpcMode: "any_peer" });
    chat.rpcConfig("message", { rpcMode: "authority" });
  }
  server.node("/root/Chat").on("say", (text) => server.node("/root/Chat").rpc("message", "bob", text, [1, 2.5, "three"]));
  server.multiplayerPeer = serverPeer;
  client.multiplayerPeer = clientPeer;
  let said = false;
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    server.poll();
    client.poll();
    if (!said && client.getPeers().includes(1)) {
      said = true;
      client.node("/root/Chat").rpcId(1, "say", "hello scene");
    }
    await sleep(10);
  }
  serverPeer.close();
  clientPeer.close();
});
// 5. pcapng written by Wireshark's dumpcap (when installed: apt-get install tshark), ours <-> ours with
//    zstd and a fragmented line; tshark's own reading of it is stored beside it for the test to compare.
if (spawnSync("dumpcap", ["--version"]).status === 0) {
  const file = join(out, "ours-zstd-dumpcap.pcapng");
  const dump = spawn("dumpcap", ["-i", "lo", "-f", "udp port 47700", "-w", file, "-q"], { stdio: "ignore" });
  await sleep(2000);
  const server = background(["enet", "listen", "47700", "--echo", "--compress", "zstd"]);
  await sleep(1200);
  await run(["enet", "connect", "127.0.0.1:47700", "--compress", "zstd"], ["hello pcapng", "z".repeat(4000)], 1000);
  server.kill("SIGINT");
  await sleep(500);
  dump.kill("SIGINT");
  await new Promise((r) => dump.on("exit", r));
  const fields = spawnSync("tshark", ["-r", file, "-T", "fields", "-e", "frame.time_relative", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.length", "-E", "separator=,"], { encoding: "utf8" });
  const datagrams = fields.stdout.trim().split("\n").map((l) => {
    const [time, srcPort, dstPort, length] = l.split(",").map(Number);
    return { time, srcPort, dstPort, payloadLength: length! - 8 };
  });
  const version = spawnSync("tshark", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
  writeFileSync(join(out, "ours-zstd-dumpcap.tshark.json"), JSON.stringify({ tool: `tshark -r FILE -T fields -e frame.time_relative -e udp.srcport -e udp.dstport -e udp.length (${version})`, datagrams }, null, 1));
  console.log("recorded ours-zstd-dumpcap.pcapng");
}
process.exit(0);

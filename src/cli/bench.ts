/**
 * `packetpeer bench`: a short ENet loopback run on this machine (server and client host in
 * this process on 127.0.0.1, at most 512 packets in flight, as `npm run bench` measures),
 * with a progress bar on a terminal and a result table. For the full comparison with C ENet
 * and the other figures, run `npm run bench` in a clone.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { CompressionMode } from "../compress/types.ts";
import { ENetConnection, EventType, PacketFlags } from "../enet/index.ts";
import { EXIT_OK, intOption, paint, status, UsageError } from "./output.ts";

export const BENCH_HELP = `packetpeer bench [options]

A short ENet loopback benchmark: a server and a client host in this process on 127.0.0.1,
at most 512 packets in flight, for each scenario below; prints packets/s and MB/s.

Options:
      --seconds N   time per scenario (default 2, at most 60)
      --json        one JSON line per scenario instead of the table
  -h, --help        this text
`;

interface Scenario {
  name: string;
  size: number;
  flags: number;
  compress: CompressionMode;
}

const SCENARIOS: Scenario[] = [
  { name: "reliable 64 B", size: 64, flags: PacketFlags.FLAG_RELIABLE, compress: CompressionMode.COMPRESS_NONE },
  { name: "reliable 1200 B", size: 1200, flags: PacketFlags.FLAG_RELIABLE, compress: CompressionMode.COMPRESS_NONE },
  { name: "reliable 100 KB (fragmented)", size: 100_000, flags: PacketFlags.FLAG_RELIABLE, compress: CompressionMode.COMPRESS_NONE },
  { name: "unreliable 64 B", size: 64, flags: 0, compress: CompressionMode.COMPRESS_NONE },
  { name: "reliable 64 B, range coder", size: 64, flags: PacketFlags.FLAG_RELIABLE, compress: CompressionMode.COMPRESS_RANGE_CODER },
];

const WINDOW = 512;
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Result {
  scenario: string;
  packets: number;
  seconds: number;
  packetsPerSecond: number;
  megabytesPerSecond: number;
}

function progress(label: string, fraction: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round(width * Math.min(1, fraction));
  process.stderr.write(`\r${label.padEnd(30)} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${Math.round(fraction * 100)}%`);
}

async function runScenario(s: Scenario, seconds: number): Promise<Result> {
  const server = new ENetConnection();
  const client = new ENetConnection();
  try {
    await server.createHostBound("127.0.0.1", 0, { maxPeers: 4, maxChannels: 2 });
    await client.createHost({ maxPeers: 1, maxChannels: 2 });
    server.compress(s.compress);
    client.compress(s.compress);
    const peer = await client.connectToHost("127.0.0.1", server.getLocalPort(), { channels: 2 });
    let connected = 0;
    const connectBy = Date.now() + 5000;
    while (connected < 2) {
      if ((await server.service(5)).type === EventType.EVENT_CONNECT) connected++;
      if ((await client.service(5)).type === EventType.EVENT_CONNECT) connected++;
      if (Date.now() > connectBy) throw new Error("the loopback connection did not come up within 5 s");
    }
    const payload = new Uint8Array(s.size).map((_, i) => (i * 31 + 7) & 0xff);
    let sent = 0;
    let received = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    let lastDraw = 0;
    for (;;) {
      // Unreliable packets the kernel drops never arrive and would hold a window shut: send a
      // half window per turn instead; only packets that arrived are counted either way.
      const budget = s.flags === 0 ? WINDOW / 2 : WINDOW - (sent - received);
      for (let i = 0; i < budget; i++) peer.send(0, payload, s.flags);
      sent += Math.max(0, budget);
      client.flush();
      for (let ev = server.poll(); ev.type !== EventType.EVENT_NONE; ev = server.poll()) {
        if (ev.type === EventType.EVENT_RECEIVE) {
          ev.peer?.getPacket();
          received++;
        }
      }
      for (let ev = client.poll(); ev.type !== EventType.EVENT_NONE; ev = client.poll()) if (ev.type === EventType.EVENT_RECEIVE) ev.peer?.getPacket();
      const now = performance.now();
      if (now >= end) break;
      if (now - lastDraw > 100) {
        lastDraw = now;
        progress(s.name, (now - start) / (end - start));
      }
      await macrotask();
    }
    const elapsed = (performance.now() - start) / 1000;
    progress(s.name, 1);
    if (process.stderr.isTTY) process.stderr.write("\n");
    return { scenario: s.name, packets: received, seconds: elapsed, packetsPerSecond: received / elapsed, megabytesPerSecond: (received * s.size) / elapsed / 1e6 };
  } finally {
    client.destroy();
    server.destroy();
  }
}

export async function benchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { seconds: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(BENCH_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`bench: unexpected argument ${JSON.stringify(positionals[0])}`);
  const seconds = intOption("seconds", values.seconds, 2, 1, 60);
  status(`ENet loopback on 127.0.0.1, ${seconds} s per scenario, ${WINDOW} packets in flight`);
  const results: Result[] = [];
  for (const s of SCENARIOS) {
    const r = await runScenario(s, seconds);
    results.push(r);
    if (values.json) process.stdout.write(JSON.stringify(r) + "\n");
  }
  if (!values.json) {
    const rows = results.map((r) => [r.scenario, Math.round(r.packetsPerSecond).toLocaleString("en-US"), r.megabytesPerSecond.toFixed(1)]);
    const head = ["scenario", "packets/s", "MB/s"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    process.stdout.write(paint(process.stdout, "bold", line(head)) + "\n");
    for (const row of rows) process.stdout.write(line(row) + "\n");
  }
  return EXIT_OK;
}

// tinybench micro-benchmarks of the hot paths, importing internals from src/ directly.
// Each task is run in ROUNDS separate tinybench runs; the figure is the median of the
// rounds' mean throughput. Prints one JSON line per task:
//   {"name":..,"unit":"MB/s"|"ops/s","value":..,"rounds":[..]}
// usage: hot-paths.ts [msPerRound] [rounds]
//   PACKETPEER_MICRO_FILTER=SUBSTRING runs only the tasks whose name contains it (e.g. "ENet").
import { Bench } from "tinybench";
import { decodeCommand, ProtocolCommand, ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, type EnetCommand } from "../../src/enet/wire.ts";
import { encodeCommand, writeAcknowledgeCommand, writeOutgoingCommand } from "../../src/enet/outgoing.ts";
import { OutgoingCommand } from "../../src/enet/commands.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import { RangeCoder } from "../../src/compress/range-coder.ts";
import { fastlzCompressBound, fastlzCompressInto, fastlzDecompressInto } from "../../src/compress/fastlz.ts";
import { zstdCompress } from "../../src/compress/zstd/encoder.ts";
import { zstdDecompressBounded } from "../../src/compress/zstd/decoder.ts";
import { zlibCompress, zlibDecompressBounded } from "../../src/compress/deflate.ts";
import { Opcode, encodeFrame, writeFrameHeader } from "../../src/websocket/frame.ts";
import { FrameReceiver, type FrameReceiverHandler } from "../../src/websocket/frame-receiver.ts";
import { applyMask } from "../../src/websocket/mask.ts";
import { isValidUtf8 } from "../../src/websocket/utf8.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { concatRecords, enetLikeCorpus } from "../lib/corpus.ts";
import { median } from "../lib/results.ts";

const msPerRound = Number(process.argv[2] ?? 250);
const rounds = Number(process.argv[3] ?? 3);

interface MicroTask {
  name: string;
  /** Bytes processed per call: reported as MB/s; 0 reports calls/s (or per-item, see `items`). */
  bytes: number;
  /** Items handled per call (commands, datagrams): reported as items/s when bytes is 0. */
  items?: number;
  unit?: string;
  fn: () => void;
  beforeEach?: () => void;
}
const tasks: MicroTask[] = [];
let sink = 0;

// ---------------------------------------------------------------- ENet wire
{
  const commands: EnetCommand[] = [];
  for (let i = 0; i < 64; i++) {
    commands.push(
      i % 4 === 3
        ? { command: ProtocolCommand.ACKNOWLEDGE, flags: 0, channelID: 0, reliableSequenceNumber: i, receivedReliableSequenceNumber: i, receivedSentTime: i * 7 }
        : { command: ProtocolCommand.SEND_RELIABLE, flags: ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, channelID: i & 1, reliableSequenceNumber: i, dataLength: 64 },
    );
  }
  const out = new Uint8Array(64 * 48);
  let end = 0;
  for (const c of commands) end += encodeCommand(c, out, end);
  const encoded = out.subarray(0, end);
  // What the host writes from: queued OutgoingCommand records (header only, as above) and acknowledgements.
  const queued = commands.map((c) => {
    if (c.command === ProtocolCommand.ACKNOWLEDGE) return null;
    const o = new OutgoingCommand(c.command | c.flags, c.channelID, null, 0, 0);
    o.reliableSequenceNumber = c.reliableSequenceNumber;
    if (c.command === ProtocolCommand.SEND_RELIABLE) o.fragmentLength = c.dataLength;
    return o;
  });
  tasks.push({
    name: "ENet command encode (64 reliable/ack headers)",
    bytes: 0,
    items: commands.length,
    unit: "commands/s",
    fn: () => {
      let o = 0;
      for (let i = 0; i < commands.length; i++) {
        const q = queued[i];
        if (q) o += writeOutgoingCommand(q, out, o);
        else {
          const ack = commands[i] as { channelID: number; receivedReliableSequenceNumber: number; receivedSentTime: number };
          o += writeAcknowledgeCommand(out, o, ack.channelID, ack.receivedReliableSequenceNumber, ack.receivedSentTime);
        }
      }
      sink += o;
    },
  });
  tasks.push({
    name: "ENet command decode (64 reliable/ack headers)",
    bytes: 0,
    items: commands.length,
    unit: "commands/s",
    fn: () => {
      let o = 0;
      while (o < encoded.length) {
        const c = decodeCommand(encoded, o);
        if (c === null) throw new Error("decode failed");
        o += c.command === ProtocolCommand.ACKNOWLEDGE ? 8 : 6;
      }
      sink += o;
    },
  });
}

// ---------------------------------------------------------------- ENet host core (sans-IO)
{
  // A connected client/server pair in memory with deterministic connect IDs; the
  // handshake and a batch of datagrams from the client are recorded once, then each
  // iteration feeds the batch to a fresh server that replayed the handshake.
  const seeded = (seed: number): (() => number) => {
    const rng = new SeededRandom(seed);
    return () => rng.nextU32();
  };
  const makeServer = (): HostCore => new HostCore({ peerCount: 4, channelLimit: 2, randomU32: seeded(2) });
  const client = new HostCore({ peerCount: 1, channelLimit: 2, randomU32: seeded(1) });
  const recordServer = makeServer();
  const now = 1000;
  const handshake: Uint8Array[] = [];
  const pump = (record: Uint8Array[] | null): void => {
    for (let round = 0; round < 8; round++) {
      client.flush(now);
      for (let t = client.pollTransmit(); t; t = client.pollTransmit()) {
        const copy = t.data.slice();
        record?.push(copy);
        recordServer.handleDatagram(now, copy, "client", 2);
      }
      recordServer.service(now);
      for (let t = recordServer.pollTransmit(); t; t = recordServer.pollTransmit()) client.handleDatagram(now, t.data.slice(), "server", 1);
      client.service(now);
    }
  };
  const peer = client.slotOf(client.connect("server", 1, 2, 0)!);
  pump(handshake);
  let connects = 0;
  for (let ev = client.pollEvent(); ev; ev = client.pollEvent()) if (ev.type === EventType.CONNECT) connects++;
  for (let ev = recordServer.pollEvent(); ev; ev = recordServer.pollEvent()) if (ev.type === EventType.CONNECT) connects++;
  if (connects !== 2) throw new Error("host core pair did not connect");
  const payload = new Uint8Array(64).fill(7);
  for (let i = 0; i < 512; i++) client.send(peer, 0, payload, PacketFlags.RELIABLE);
  client.flush(now);
  const batch: Uint8Array[] = [];
  for (let t = client.pollTransmit(); t; t = client.pollTransmit()) batch.push(t.data.slice());
  let server = makeServer();
  const prepare = (): void => {
    server = makeServer();
    // As recorded: the server services (sends its VERIFY_CONNECT) between the client's datagrams.
    for (const d of handshake) {
      server.handleDatagram(now, d, "client", 2);
      server.service(now);
      while (server.pollTransmit());
    }
    while (server.pollEvent());
  };
  prepare();
  let delivered = 0;
  for (const d of batch) server.handleDatagram(now, d, "client", 2);
  for (let ev = server.pollEvent(); ev; ev = server.pollEvent()) if (ev.type === EventType.RECEIVE) delivered++;
  if (delivered !== 512) throw new Error(`host core batch delivered ${delivered} of 512`);
  tasks.push({
    name: `ENet host core: ${batch.length} datagrams of 512 reliable 64 B packets in, events and acks out`,
    bytes: 0,
    items: 512,
    unit: "packets/s",
    beforeEach: prepare,
    fn: () => {
      for (let i = 0; i < batch.length; i++) server.handleDatagram(now, batch[i]!, "client", 2);
      let n = 0;
      for (let ev = server.pollEvent(); ev; ev = server.pollEvent()) n++;
      server.service(now);
      for (let t = server.pollTransmit(); t; t = server.pollTransmit()) n++;
      sink += n;
    },
  });
}

// ---------------------------------------------------------------- codecs
{
  const records = enetLikeCorpus(64, 77);
  const datagram = records.reduce((a, b) => (Math.abs(b.length - 1200) < Math.abs(a.length - 1200) ? b : a));
  const coder = new RangeCoder();
  const rcOut = new Uint8Array(4096);
  const rcLen = coder.compressInto(datagram, rcOut, datagram.length);
  const rcBack = new Uint8Array(4096);
  tasks.push({
    name: `range coder compress (${datagram.length} B ENet-like datagram)`,
    bytes: datagram.length,
    fn: () => {
      sink += coder.compressInto(datagram, rcOut, datagram.length);
    },
  });
  if (rcLen > 0) {
    const compressed = rcOut.slice(0, rcLen);
    tasks.push({
      name: `range coder decompress (${datagram.length} B ENet-like datagram)`,
      bytes: datagram.length,
      fn: () => {
        sink += coder.decompressInto(compressed, rcBack, rcBack.length);
      },
    });
  }
  const flOut = new Uint8Array(fastlzCompressBound(datagram.length));
  const flLen = fastlzCompressInto(datagram, flOut, 1);
  const flCompressed = flOut.slice(0, flLen);
  const flBack = new Uint8Array(4096);
  tasks.push({
    name: `FastLZ level 1 compress (${datagram.length} B datagram)`,
    bytes: datagram.length,
    fn: () => {
      sink += fastlzCompressInto(datagram, flOut, 1);
    },
  });
  tasks.push({
    name: `FastLZ decompress (${datagram.length} B datagram)`,
    bytes: datagram.length,
    fn: () => {
      sink += fastlzDecompressInto(flCompressed, flBack, flBack.length);
    },
  });
  const block = concatRecords(enetLikeCorpus(200, 78)).slice(0, 64 * 1024);
  const zstdFrame = zstdCompress(block, 3);
  tasks.push({ name: "zstd level 3 encode (64 KiB)", bytes: block.length, fn: () => void (sink += zstdCompress(block, 3).length) });
  tasks.push({ name: "zstd decode (64 KiB)", bytes: block.length, fn: () => void (sink += zstdDecompressBounded(zstdFrame, block.length)!.length) });
  const zlibStream = zlibCompress(block, 6);
  tasks.push({ name: "zlib level 6 compress, fflate (64 KiB)", bytes: block.length, fn: () => void (sink += zlibCompress(block, 6).length) });
  tasks.push({ name: "zlib decompress, fflate (64 KiB)", bytes: block.length, fn: () => void (sink += zlibDecompressBounded(zlibStream, block.length)!.length) });
}

// ---------------------------------------------------------------- WebSocket codec
{
  const small = new Uint8Array(64).fill(0x41);
  const medium = new Uint8Array(16 * 1024).fill(0x42);
  tasks.push({ name: "WebSocket frame serialize, masked (64 B)", bytes: 64, fn: () => void (sink += encodeFrame(Opcode.BINARY, small, true, true).length) });
  tasks.push({ name: "WebSocket frame serialize, masked (16 KiB)", bytes: medium.length, fn: () => void (sink += encodeFrame(Opcode.BINARY, medium, true, true).length) });
  const header = new Uint8Array(14);
  tasks.push({
    name: "WebSocket frame header write (unmasked, 16 KiB length)",
    bytes: 0,
    unit: "headers/s",
    items: 1,
    fn: () => void (sink += writeFrameHeader(header, 0, true, Opcode.BINARY, medium.length, null)),
  });
  // A chunk holding 256 masked 64 B frames, and one holding four masked 16 KiB frames.
  const smallStream = concatRecords(Array.from({ length: 256 }, () => encodeFrame(Opcode.BINARY, small, true, true)));
  const mediumStream = concatRecords(Array.from({ length: 4 }, () => encodeFrame(Opcode.BINARY, medium, true, true)));
  let messages = 0;
  const handler: FrameReceiverHandler = {
    onMessage: (data) => {
      messages++;
      sink += data.length;
    },
    onPing: () => {},
    onPong: () => {},
    onClose: () => {},
    onFail: (code, reason) => {
      throw new Error(`frame receiver failed: ${code} ${reason}`);
    },
  };
  const receiver = new FrameReceiver(true, 1 << 20, handler);
  tasks.push({ name: "WebSocket frame parse + unmask (256 x 64 B frames per chunk)", bytes: 256 * 64, fn: () => receiver.receive(smallStream) });
  tasks.push({ name: "WebSocket frame parse + unmask (4 x 16 KiB frames per chunk)", bytes: 4 * medium.length, fn: () => receiver.receive(mediumStream) });
  void messages;
  const maskData = new Uint8Array(64 * 1024);
  const key = new Uint8Array([0x12, 0x34, 0x56, 0x78]);
  tasks.push({ name: "WebSocket masking (64 KiB)", bytes: maskData.length, fn: () => applyMask(maskData, 0, maskData.length, key, 0) });
  tasks.push({ name: "WebSocket masking (125 B)", bytes: 125, fn: () => applyMask(maskData, 1, 126, key, 1) });
  const ascii = new TextEncoder().encode("The quick brown fox jumps over the lazy dog. ".repeat(1500)).slice(0, 64 * 1024);
  const mixed = new TextEncoder().encode("Grüße, 世界! Привет, мир. ✓ 🎮 ".repeat(2000)).slice(0, 64 * 1024);
  let cut = mixed.length;
  while (cut > 0 && (mixed[cut - 1]! & 0xc0) === 0x80) cut--;
  const mixedWhole = mixed.subarray(0, cut - 1);
  if (!isValidUtf8(ascii) || !isValidUtf8(mixedWhole)) throw new Error("utf8 fixture invalid");
  tasks.push({ name: "UTF-8 validation, ASCII (64 KiB)", bytes: ascii.length, fn: () => void (sink += isValidUtf8(ascii) ? 1 : 0) });
  tasks.push({ name: "UTF-8 validation, mixed scripts and emoji (64 KiB)", bytes: mixedWhole.length, fn: () => void (sink += isValidUtf8(mixedWhole) ? 1 : 0) });
}

// ---------------------------------------------------------------- run
const taskFilter = process.env["PACKETPEER_MICRO_FILTER"];
if (taskFilter !== undefined && taskFilter !== "") tasks.splice(0, tasks.length, ...tasks.filter((t) => t.name.includes(taskFilter)));
const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  const bench = new Bench({ time: msPerRound, warmupTime: 50, iterations: 16 });
  for (const t of tasks) bench.add(t.name, t.fn, t.beforeEach ? { beforeEach: t.beforeEach } : {});
  await bench.run();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== "completed") throw new Error(`${task.name}: ${r.state} ${"error" in r ? String(r.error) : ""}`);
    const def = tasks.find((t) => t.name === task.name)!;
    const perSecond = 1000 / r.period;
    const value = def.bytes > 0 ? (perSecond * def.bytes) / 1e6 : perSecond * (def.items ?? 1);
    const list = results.get(task.name) ?? [];
    list.push(value);
    results.set(task.name, list);
  }
  process.stderr.write(`  micro round ${round + 1}/${rounds} done\n`);
}
for (const t of tasks) {
  const values = results.get(t.name)!;
  console.log(JSON.stringify({ name: t.name, unit: t.bytes > 0 ? "MB/s" : (t.unit ?? "ops/s"), value: median(values), rounds: values }));
}
if (sink === 0.5) console.log(""); // keep results observable so nothing is optimised away

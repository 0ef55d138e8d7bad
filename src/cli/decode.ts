/**
 * `packetpeer decode FILE.pcap|.pcapng`: an ENet and Godot dissector. For every UDP datagram:
 * the ENet header (peer ID, session, flags, sent time, checksum checked), every command with
 * its fields, bodies decompressed in the hosts' mode (given, or found by trying each), whole
 * packets once their fragments are in, and with `--godot 3|4` the multiplayer framing and the
 * SceneMultiplayer / MultiplayerAPI command inside, RPC arguments decoded as Variants.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { createCompressor } from "../compress/compressors.ts";
import { CompressionMode } from "../compress/types.ts";
import { dissectDatagram, type DissectedDatagram } from "../enet/dissect.ts";
import { FragmentReassembly } from "../enet/fragment-reassembly.ts";
import { formatEndpoint } from "../transport/addresses.ts";
import { ENET_PROTOCOL_MAXIMUM_PEER_ID, ProtocolCommand, type EnetCommand } from "../enet/wire.ts";
import { describeEnetGodotPacket, type Fields, type GodotVersion } from "./godot-payload.ts";
import { readCapture, CaptureFormatError, type CapturedDatagram } from "./pcap.ts";
import { describePayload, EXIT_FAILURE, EXIT_OK, intOption, paint, toHex, UsageError } from "./output.ts";

export const DECODE_HELP = `packetpeer decode FILE.pcap|FILE.pcapng [options]

Dissects the ENet traffic in a capture (tcpdump -w, tshark/dumpcap, Wireshark "Save as"):
per UDP datagram the ENet header and every command, bodies decompressed, whole packets
once their fragments are in, and with --godot the Godot multiplayer layer.

Options:
      --port N           only datagrams from or to UDP port N (repeatable; default: every UDP datagram)
      --compress MODE    none | range | fastlz | zlib | zstd | auto (default auto: tried per session)
      --checksum on|off|auto   CRC32 checksums in the header (default auto: found from the CONNECT)
      --godot 3|4        decode packets as Godot 3 / Godot 4 multiplayer (ENetMultiplayerPeer + high-level multiplayer)
      --json             one JSON object per datagram instead of the table
      --payload-bytes N  bytes of each payload to show (default 64)
  -h, --help             this text

Example:
  tcpdump -i lo -w game.pcap udp port 7777     # record, then:
  packetpeer decode game.pcap --godot 4
`;

const COMPRESS: Record<string, CompressionMode> = {
  none: CompressionMode.COMPRESS_NONE,
  range: CompressionMode.COMPRESS_RANGE_CODER,
  fastlz: CompressionMode.COMPRESS_FASTLZ,
  zlib: CompressionMode.COMPRESS_ZLIB,
  zstd: CompressionMode.COMPRESS_ZSTD,
};
const COMPRESS_NAMES = ["none", "range", "fastlz", "zlib", "zstd"];
const COMMAND_NAMES = ["NONE", "ACKNOWLEDGE", "CONNECT", "VERIFY_CONNECT", "DISCONNECT", "PING", "SEND_RELIABLE", "SEND_UNRELIABLE", "SEND_FRAGMENT", "SEND_UNSEQUENCED", "BANDWIDTH_LIMIT", "THROTTLE_CONFIGURE", "SEND_UNRELIABLE_FRAGMENT"];

/** Bound on one reassembled packet (ENet's own default packet limit). */
const MAX_REASSEMBLED = 32 * 1024 * 1024;

export interface DecodeOptions {
  file: string;
  ports: number[];
  compress: CompressionMode | "auto";
  checksum: boolean | "auto";
  godot: GodotVersion | 0;
  json: boolean;
  payloadBytes: number;
}

function parse(argv: string[]): DecodeOptions | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: "string", multiple: true },
      compress: { type: "string" },
      checksum: { type: "string" },
      godot: { type: "string" },
      json: { type: "boolean" },
      "payload-bytes": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const [file, extra] = positionals;
  if (!file) throw new UsageError("decode: missing FILE", "for example: packetpeer decode game.pcap (record one with: tcpdump -i lo -w game.pcap udp port 7777)");
  if (extra !== undefined) throw new UsageError(`decode: one file at a time (got ${JSON.stringify(extra)} too)`);
  const compressName = values.compress ?? "auto";
  const compress = compressName === "auto" ? "auto" : COMPRESS[compressName];
  if (compress === undefined) throw new UsageError(`--compress ${JSON.stringify(compressName)} is not a mode`, "use one of: none, range, fastlz, zlib, zstd, auto");
  const checksumName = values.checksum ?? "auto";
  if (!["on", "off", "auto"].includes(checksumName)) throw new UsageError(`--checksum ${JSON.stringify(checksumName)}: use on, off or auto`);
  if (values.godot !== undefined && values.godot !== "3" && values.godot !== "4") throw new UsageError(`--godot ${JSON.stringify(values.godot)}: use 3 or 4`);
  return {
    file,
    ports: (values.port ?? []).map((p) => intOption("port", p, 0, 1, 65535)),
    compress,
    checksum: checksumName === "auto" ? "auto" : checksumName === "on",
    godot: values.godot === "3" ? 3 : values.godot === "4" ? 4 : 0,
    json: values.json === true,
    payloadBytes: intOption("payload-bytes", values["payload-bytes"], 64, 0, 1 << 20),
  };
}

/** Datagrams between the same two endpoints, in either direction: one ENet session's traffic (or several, one after another). */
interface Flow {
  key: string;
  /** The endpoint that sent CONNECT, once seen. */
  client?: string;
  connectID?: number;
  checksum: boolean;
  decompress: ((body: Uint8Array, limit: number) => Uint8Array | null) | null;
  compressionName: string;
  /** Fragments being put together: direction + channel + start sequence number. */
  fragments: Map<string, FragmentReassembly>;
}


function flowKey(d: CapturedDatagram): string {
  const a = formatEndpoint(d.src, d.srcPort);
  const b = formatEndpoint(d.dst, d.dstPort);
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

function decompressorFor(mode: CompressionMode): Flow["decompress"] {
  const c = createCompressor(mode);
  return c ? (body, limit) => c.decompress(body, limit) : null;
}

/**
 * Settle a flow's checksum and compression from its datagrams when they were not given: every
 * combination is tried on the first datagrams, and the one that reads the most of them wins
 * (a CONNECT, peer ID 0xFFF, is checksummed with seed 0, so it must verify when checksums are on).
 */
function settleFlow(flow: Flow, datagrams: CapturedDatagram[], o: DecodeSettings): void {
  const sample = datagrams.slice(0, 32);
  const checksums = o.checksum === "auto" ? [false, true] : [o.checksum];
  const modes = o.compress === "auto" ? [CompressionMode.COMPRESS_NONE, CompressionMode.COMPRESS_RANGE_CODER, CompressionMode.COMPRESS_ZSTD, CompressionMode.COMPRESS_ZLIB, CompressionMode.COMPRESS_FASTLZ] : [o.compress];
  let best = -1;
  for (const checksum of checksums) {
    for (const mode of modes) {
      const decompress = decompressorFor(mode);
      let score = 0;
      for (const d of sample) {
        const r = dissectDatagram(d.payload, { checksum, decompress });
        if (r.error === undefined && r.checksumValid !== false) score++;
      }
      if (score > best) {
        best = score;
        flow.checksum = checksum;
        flow.decompress = decompress;
        flow.compressionName = COMPRESS_NAMES[mode]!;
      }
    }
  }
  if (o.compress === "auto" && best < sample.length && sample.some((d) => d.payload.length >= 2 && (d.payload[0]! & 0x40) !== 0)) flow.compressionName += " (best guess; give --compress)";
}

export interface PacketOut {
  channel: number;
  kind: string;
  size: number;
  payload: Uint8Array;
  godot?: Fields;
}

/** The whole packets this datagram completes or carries, in command order. */
function packetsOf(flow: Flow, dir: string, d: DissectedDatagram, o: DecodeSettings): PacketOut[] {
  const out: PacketOut[] = [];
  for (const c of d.commands) {
    const cmd = c.command;
    const payload = c.payload;
    if (!payload) continue;
    const kind = cmd.command === ProtocolCommand.SEND_RELIABLE ? "reliable" : cmd.command === ProtocolCommand.SEND_UNRELIABLE ? "unreliable" : cmd.command === ProtocolCommand.SEND_UNSEQUENCED ? "unsequenced" : cmd.command === ProtocolCommand.SEND_FRAGMENT ? "reliable" : "unreliable-fragment";
    if (cmd.command === ProtocolCommand.SEND_FRAGMENT || cmd.command === ProtocolCommand.SEND_UNRELIABLE_FRAGMENT) {
      if (cmd.totalLength > MAX_REASSEMBLED || cmd.fragmentOffset + payload.length > cmd.totalLength || cmd.fragmentNumber >= cmd.fragmentCount) continue;
      const key = `${dir} ${cmd.channelID} ${cmd.command} ${cmd.startSequenceNumber}`;
      let f = flow.fragments.get(key);
      if (!f || f.totalLength !== cmd.totalLength || f.fragmentCount !== cmd.fragmentCount) flow.fragments.set(key, (f = new FragmentReassembly(cmd.totalLength, cmd.fragmentCount)));
      // A copy: the payload may lie in a decompression buffer the next datagram reuses.
      if (!f.add(cmd.fragmentNumber, cmd.fragmentOffset, payload.slice())) continue; // a retransmission
      if (!f.complete) continue;
      flow.fragments.delete(key);
      const joined = f.join();
      // Fragments that do not tile their packet: ENet hosts drop it (docs/enet.md), so show it as dropped.
      if (joined === null) out.push({ channel: cmd.channelID, kind: `${kind} (fragments do not tile it: dropped)`, size: f.totalLength, payload: new Uint8Array(0) });
      else out.push(withGodot({ channel: cmd.channelID, kind, size: f.totalLength, payload: joined }, o));
    } else out.push(withGodot({ channel: cmd.channelID, kind, size: payload.length, payload }, o));
  }
  return out;
}

function withGodot(p: PacketOut, o: DecodeSettings): PacketOut {
  if (o.godot) p.godot = { ...describeEnetGodotPacket(o.godot, p.channel, p.payload) };
  return p;
}

function commandFields(cmd: EnetCommand): Fields {
  const { command, flags, ...rest } = cmd as EnetCommand & Record<string, unknown>;
  const out: Fields = { command: COMMAND_NAMES[command] ?? String(command) };
  if (flags & 0x80) out.acknowledge = true;
  if (flags & 0x40) out.unsequenced = true;
  return { ...out, ...rest };
}

function commandText(fields: Fields): string {
  const { command: name, payloadSize: _size, ...f } = fields;
  return `${name} ${Object.entries(f).map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/** One datagram as the dissector reports it (the --json line, with whole payloads). */
export interface DatagramRecord {
  index: number;
  /** Seconds since the first datagram. */
  time: number;
  from: string;
  to: string;
  /** c2s / s2c once the flow's CONNECT was seen, else "?". */
  dir: string;
  size: number;
  peerID: number;
  sessionID: number;
  compressed: boolean;
  sentTime: number;
  checksum?: number;
  checksumValid?: boolean;
  commands: Fields[];
  packets: PacketOut[];
  error?: string;
}

export interface CaptureReport {
  format: string;
  skipped: number;
  /** Bytes at the end that make no whole record (the file was cut short or is damaged there). */
  trailingBytes: number;
  flows: { key: string; checksum: boolean; compression: string }[];
  datagrams: DatagramRecord[];
}

export type DecodeSettings = Omit<DecodeOptions, "file" | "json" | "payloadBytes">;

/** Dissect every UDP datagram of a capture file's bytes. Throws CaptureFormatError for a file that is no capture. */
export function decodeCapture(bytes: Uint8Array, o: DecodeSettings): CaptureReport {
  const capture = readCapture(bytes);
  const datagrams = o.ports.length === 0 ? capture.datagrams : capture.datagrams.filter((d) => o.ports.includes(d.srcPort) || o.ports.includes(d.dstPort));
  const flows = new Map<string, Flow>();
  const byFlow = new Map<string, CapturedDatagram[]>();
  for (const d of datagrams) {
    const k = flowKey(d);
    let list = byFlow.get(k);
    if (!list) byFlow.set(k, (list = []));
    list.push(d);
  }
  for (const [key, list] of byFlow) {
    const flow: Flow = { key, checksum: false, decompress: null, compressionName: "none", fragments: new Map() };
    settleFlow(flow, list, o);
    flows.set(key, flow);
  }
  const t0 = datagrams[0]?.time ?? 0;
  const records = datagrams.map((dg, index): DatagramRecord => {
    const flow = flows.get(flowKey(dg))!;
    const from = formatEndpoint(dg.src, dg.srcPort);
    const d = dissectDatagram(dg.payload, { checksum: flow.checksum, checksumSeed: flow.connectID, decompress: flow.decompress, compressionName: flow.compressionName });
    for (const c of d.commands) {
      if (c.command.command === ProtocolCommand.CONNECT) {
        flow.client = from;
        flow.connectID = c.command.connectID;
      }
    }
    const record: DatagramRecord = {
      index,
      time: Number((dg.time - t0).toFixed(6)),
      from,
      to: formatEndpoint(dg.dst, dg.dstPort),
      dir: flow.client === undefined ? "?" : from === flow.client ? "c2s" : "s2c",
      size: dg.payload.length,
      peerID: d.peerID,
      sessionID: d.sessionID,
      compressed: d.compressed,
      sentTime: d.sentTime,
      commands: d.commands.map((c) => ({ ...commandFields(c.command), ...(c.payload ? { payloadSize: c.payload.length } : {}) })),
      packets: packetsOf(flow, from, d, o),
    };
    if (d.checksum !== undefined) record.checksum = d.checksum;
    if (d.checksumValid !== undefined) record.checksumValid = d.checksumValid;
    if (d.error) record.error = d.error;
    return record;
  });
  return { format: capture.format, skipped: capture.skipped, trailingBytes: capture.trailingBytes, flows: [...flows.values()].map((f) => ({ key: f.key, checksum: f.checksum, compression: f.compressionName })), datagrams: records };
}

export async function decodeCommand(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (o === "help") {
    process.stdout.write(DECODE_HELP);
    return EXIT_OK;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(o.file);
  } catch (err) {
    process.stderr.write(`packetpeer decode: cannot read ${o.file}: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  let report: CaptureReport;
  try {
    report = decodeCapture(bytes, o);
  } catch (err) {
    if (err instanceof CaptureFormatError) {
      process.stderr.write(`packetpeer decode: ${o.file}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
  const out = process.stdout;
  // On stderr in both forms, so that --json stays one object per datagram.
  if (report.trailingBytes > 0) process.stderr.write(`packetpeer decode: ${o.file}: the last ${report.trailingBytes} bytes make no whole ${report.format === "pcapng" ? "pcapng block" : "pcap record"} (the file was cut short, or is damaged there); what came before is shown\n`);
  if (o.json) {
    for (const r of report.datagrams) {
      const packets = r.packets.map((p) => ({ channel: p.channel, mode: p.kind, size: p.size, hex: toHex(p.payload.subarray(0, o.payloadBytes)), ...(p.godot ? { godot: p.godot } : {}) }));
      out.write(JSON.stringify({ ...r, packets }) + "\n");
    }
    return EXIT_OK;
  }
  out.write(paint(out, "bold", `${o.file}: ${report.format}, ${report.datagrams.length} UDP datagrams in ${report.flows.length} flow(s)${report.skipped ? `, ${report.skipped} other frames skipped` : ""}`) + "\n");
  for (const f of report.flows) out.write(paint(out, "dim", `  flow ${f.key}: checksum ${f.checksum ? "on" : "off"}, compression ${f.compression}`) + "\n");
  let notEnet = 0;
  for (const r of report.datagrams) {
    if (r.error && r.commands.length === 0) notEnet++;
    const flags = [r.compressed ? "compressed" : "", r.sentTime >= 0 ? `sent ${r.sentTime}` : ""].filter(Boolean).join(", ");
    const check = r.checksumValid === undefined ? "" : r.checksumValid ? paint(out, "green", " crc ok") : paint(out, "red", " CRC BAD");
    const peer = r.peerID === ENET_PROTOCOL_MAXIMUM_PEER_ID ? "peer -" : `peer ${r.peerID}`;
    out.write(`${paint(out, "bold", `#${r.index}`)} ${r.time.toFixed(6)} ${r.from} -> ${r.to} ${r.size} B  ${peer} session ${r.sessionID}${flags ? ` (${flags})` : ""}${check}\n`);
    for (const c of r.commands) out.write(`    ${paint(out, "cyan", commandText(c))}\n`);
    for (const p of r.packets) {
      out.write(`    ${paint(out, "magenta", `packet ch ${p.channel} ${p.kind} ${p.size} B`)}: ${describePayload(p.payload, false, o.payloadBytes)}\n`);
      if (p.godot?.framing) out.write(`      godot framing: ${JSON.stringify(p.godot.framing)}\n`);
      if (p.godot?.command) out.write(`      godot ${o.godot === 4 ? "SceneMultiplayer" : "MultiplayerAPI"}: ${JSON.stringify(p.godot.command)}\n`);
    }
    if (r.error) out.write(`    ${paint(out, "red", `not decoded further: ${r.error}`)}\n`);
  }
  if (notEnet > 0) out.write(paint(out, "yellow", `${notEnet} datagram(s) did not read as ENet (use --port to pick the game's traffic)`) + "\n");
  return EXIT_OK;
}

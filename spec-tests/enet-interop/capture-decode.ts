/**
 * Decodes a reference capture (spec-tests/captures/*.json) with our own ENet codecs:
 * every datagram's header and commands, re-encoded for comparison, and the packets
 * each direction delivered (fragments reassembled, retransmissions dropped), so a test
 * can hold them against what the peers reported.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  commandSize,
  decodeCommand,
  decodeHeader,
  encodeHeader,
  ProtocolCommand,
  type EnetCommand,
} from "../../src/enet/wire.ts";
import { encodeCommand } from "../../src/enet/outgoing.ts";
import { dissectDatagram } from "../../src/enet/dissect.ts";
import { crc32 } from "../../src/util/crc32.ts";
import { fromHex, type RecordedDatagram } from "../tools/udp-relay.ts";
import { repoRoot, type PeerEvent } from "./harness.ts";

export const captureDir = join(repoRoot, "spec-tests", "captures");

export type CompressionName = "none" | "range-coder" | "fastlz" | "zlib" | "zstd";

export interface CaptureFile {
  name: string;
  description: string;
  compression: CompressionName;
  checksum: boolean;
  peers: { role: string; program: string; args: unknown; events: PeerEvent[] }[];
  datagrams: RecordedDatagram[];
}

export function loadCaptures(): CaptureFile[] {
  return readdirSync(captureDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(captureDir, f), "utf8")) as CaptureFile);
}

/** Decompresses the command bytes of a COMPRESSED datagram; null when it cannot. */
export type Decompress = (body: Uint8Array, limit: number) => Uint8Array | null;

export interface DecodedCommand {
  cmd: EnetCommand;
  /** The command's bytes as captured (fixed part only). */
  raw: Uint8Array;
  /** Payload bytes that follow send commands. */
  payload?: Uint8Array;
}

export interface DecodedDatagram {
  index: number;
  dir: "c2s" | "s2c";
  client: number;
  /** The relay dropped it: it was sent but never arrived. */
  dropped: boolean;
  bytes: Uint8Array;
  peerID: number;
  sessionID: number;
  compressed: boolean;
  sentTime: number;
  checksum?: number;
  headerSize: number;
  /** The command bytes after the header, decompressed when needed. */
  body: Uint8Array;
  commands: DecodedCommand[];
  /** Zero bytes after the last command (FastLZ pads short inputs to 16 bytes; ENet's parser stops at a zero command byte). */
  trailingZeros: number;
}

/** The checksum field's value C ENet would write: CRC32 over header, seed and uncompressed commands. */
export function expectedChecksum(headerBytes: Uint8Array, seed: Uint8Array, body: Uint8Array): number {
  const all = new Uint8Array(headerBytes.length + 4 + body.length);
  all.set(headerBytes, 0);
  all.set(seed, headerBytes.length);
  all.set(body, headerBytes.length + 4);
  return crc32(all);
}

/** Decode one datagram (src/enet/dissect.ts). Throws with a precise message when something does not parse. */
export function decodeDatagram(rec: RecordedDatagram, index: number, checksum: boolean, decompress?: Decompress): DecodedDatagram {
  const bytes = fromHex(rec.hex);
  const d = dissectDatagram(bytes, { checksum, decompress });
  if (d.error) throw new Error(`datagram ${index}: ${d.error}: ${rec.hex}`);
  return {
    index,
    dir: rec.dir,
    client: rec.client,
    dropped: rec.dropped === true,
    bytes,
    peerID: d.peerID,
    sessionID: d.sessionID,
    compressed: d.compressed,
    sentTime: d.sentTime,
    checksum: d.checksum,
    headerSize: d.headerSize,
    body: d.body,
    commands: d.commands.map((c) => {
      const entry: DecodedCommand = { cmd: c.command, raw: d.body.subarray(c.offset, c.offset + commandSize(d.body[c.offset]!)) };
      if (c.payload) entry.payload = c.payload;
      return entry;
    }),
    trailingZeros: d.trailingZeros,
  };
}

/** Our encoding of the decoded header and commands: header bytes (checksum field zeroed) and the command bytes. */
export function reencode(d: DecodedDatagram, checksum: boolean): { header: Uint8Array; body: Uint8Array } {
  const header = new Uint8Array(8);
  const hsize = encodeHeader(header, 0, d.peerID, d.sessionID, d.compressed, d.sentTime, checksum);
  const parts: Uint8Array[] = [];
  for (const c of d.commands) {
    const buf = new Uint8Array(64);
    const n = encodeCommand(c.cmd, buf, 0);
    parts.push(buf.subarray(0, n));
    if (c.payload) parts.push(c.payload);
  }
  if (d.trailingZeros) parts.push(new Uint8Array(d.trailingZeros));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const body = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    body.set(p, o);
    o += p.length;
  }
  return { header: header.subarray(0, hsize), body };
}

export type DeliveryKind = "reliable" | "unreliable" | "unsequenced" | "unreliable-fragment";

export interface DeliveredPacket {
  dir: "c2s" | "s2c";
  client: number;
  channel: number;
  kind: DeliveryKind;
  data: Uint8Array;
}

/** The ENet packet flags a C ENet receiver reports for a delivered packet of this kind. */
export const receivedFlags: Record<DeliveryKind, number> = { reliable: 1, unreliable: 0, unsequenced: 2, "unreliable-fragment": 8 };

/**
 * Packets each direction delivered, in arrival order: datagrams the relay dropped skipped,
 * reliable duplicates (retransmissions) dropped, fragments reassembled.
 */
export function deliveredPackets(datagrams: DecodedDatagram[]): DeliveredPacket[] {
  const out: DeliveredPacket[] = [];
  const seenReliable = new Set<string>();
  const fragments = new Map<string, { kind: DeliveryKind; total: Uint8Array; got: Set<number>; count: number; channel: number }>();
  for (const d of datagrams) {
    if (d.dropped) continue;
    for (const { cmd, payload } of d.commands) {
      const base = `${d.dir}/${d.client}/${cmd.channelID}`;
      switch (cmd.command) {
        case ProtocolCommand.SEND_RELIABLE: {
          const key = `${base}/r${cmd.reliableSequenceNumber}`;
          if (seenReliable.has(key)) break;
          seenReliable.add(key);
          out.push({ dir: d.dir, client: d.client, channel: cmd.channelID, kind: "reliable", data: payload! });
          break;
        }
        case ProtocolCommand.SEND_UNRELIABLE:
          out.push({ dir: d.dir, client: d.client, channel: cmd.channelID, kind: "unreliable", data: payload! });
          break;
        case ProtocolCommand.SEND_UNSEQUENCED:
          out.push({ dir: d.dir, client: d.client, channel: cmd.channelID, kind: "unsequenced", data: payload! });
          break;
        case ProtocolCommand.SEND_FRAGMENT:
        case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT: {
          const reliable = cmd.command === ProtocolCommand.SEND_FRAGMENT;
          if (reliable) {
            const key = `${base}/r${cmd.reliableSequenceNumber}`;
            if (seenReliable.has(key)) break;
            seenReliable.add(key);
          }
          const fkey = `${base}/${reliable ? "f" : "uf"}${cmd.startSequenceNumber}`;
          let f = fragments.get(fkey);
          if (!f) {
            f = { kind: reliable ? "reliable" : "unreliable-fragment", total: new Uint8Array(cmd.totalLength), got: new Set(), count: cmd.fragmentCount, channel: cmd.channelID };
            fragments.set(fkey, f);
          }
          if (f.got.has(cmd.fragmentNumber)) break;
          f.got.add(cmd.fragmentNumber);
          f.total.set(payload!, cmd.fragmentOffset);
          if (f.got.size === f.count) {
            out.push({ dir: d.dir, client: d.client, channel: f.channel, kind: f.kind, data: f.total });
            fragments.delete(fkey);
          }
          break;
        }
        default:
          break;
      }
    }
  }
  return out;
}

export function findCommands<C extends ProtocolCommand>(
  datagrams: DecodedDatagram[],
  command: C,
  where: (d: DecodedDatagram) => boolean = () => true,
): { d: DecodedDatagram; cmd: Extract<EnetCommand, { command: C }> }[] {
  const out: { d: DecodedDatagram; cmd: Extract<EnetCommand, { command: C }> }[] = [];
  for (const d of datagrams) {
    if (!where(d)) continue;
    for (const c of d.commands) if (c.cmd.command === command) out.push({ d, cmd: c.cmd as Extract<EnetCommand, { command: C }> });
  }
  return out;
}

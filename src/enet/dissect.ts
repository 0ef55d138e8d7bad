/**
 * Dissection of one ENet datagram for tools (the `packetpeer decode` command, the capture
 * tests): the header, the checksum checked, the command bytes decompressed, and every
 * command with its payload. Unlike the receive path it keeps going where it can and says
 * what it could not read instead of dropping silently. Never throws on any input.
 */
import { crc32Final, crc32Update, CRC32_INITIAL } from "../util/crc32.ts";
import {
  CHECKSUM_SIZE,
  commandSize,
  decodeCommand,
  decodeHeader,
  ENET_PROTOCOL_MAXIMUM_MTU,
  ENET_PROTOCOL_MAXIMUM_PEER_ID,
  HEADER_SIZE_NO_SENT_TIME,
  HEADER_SIZE_WITH_SENT_TIME,
  type EnetCommand,
} from "./wire.ts";

export interface DissectedCommand {
  command: EnetCommand;
  /** Offset of the command in the (decompressed) command bytes. */
  offset: number;
  /** Payload of the send commands (dataLength bytes after the fixed part). */
  payload?: Uint8Array;
}

export interface DissectedDatagram {
  peerID: number;
  sessionID: number;
  compressed: boolean;
  /** -1 when the SENT_TIME flag is clear. */
  sentTime: number;
  headerSize: number;
  /** The checksum field, when the datagram was read with checksums on. */
  checksum?: number;
  /** Whether the checksum matched (only when the seed was known: `checksumSeed` given). */
  checksumValid?: boolean;
  /** The command bytes, decompressed when the header says so. */
  body: Uint8Array;
  commands: DissectedCommand[];
  /** Zero bytes after the last command (FastLZ pads short inputs; ENet stops at a zero command byte). */
  trailingZeros: number;
  /** Why dissection stopped early, if it did; the fields before it are valid. */
  error?: string;
}

export interface DissectOptions {
  /** The hosts run with CRC32 checksums (`ENetConnection` checksum option / `enet_crc32`). */
  checksum?: boolean;
  /**
   * The connect ID that seeds the checksum for datagrams of a connected peer (peer ID !=
   * 0xFFF); 0 is used for datagrams without a peer. Without it a connected peer's checksum
   * is shown but not verified.
   */
  checksumSeed?: number;
  /** The hosts' decompressor (a Compressor's `decompress`); without it a compressed datagram's commands are not read. */
  decompress?: ((body: Uint8Array, outLimit: number) => Uint8Array | null) | null;
  /** Its name, for the error when a body does not decompress. */
  compressionName?: string;
}

/** Dissect one ENet datagram. */
export function dissectDatagram(bytes: Uint8Array, options: DissectOptions = {}): DissectedDatagram {
  const withChecksum = options.checksum === true;
  const header = decodeHeader(bytes, withChecksum);
  if (!header) {
    return { peerID: -1, sessionID: 0, compressed: false, sentTime: -1, headerSize: 0, body: new Uint8Array(0), commands: [], trailingZeros: 0, error: `too short for an ENet header (${bytes.length} bytes)` };
  }
  const out: DissectedDatagram = {
    peerID: header.peerID,
    sessionID: header.sessionID,
    compressed: header.compressed,
    sentTime: header.sentTime,
    headerSize: header.headerSize,
    body: bytes.subarray(header.headerSize),
    commands: [],
    trailingZeros: 0,
  };
  if (withChecksum) out.checksum = header.checksum;
  if (header.compressed) {
    if (!options.decompress) {
      out.error = "compressed, and no compression mode given";
      return out;
    }
    // ENet decompresses into its receive buffer: at most the maximum MTU minus the header.
    const plain = options.decompress(out.body, ENET_PROTOCOL_MAXIMUM_MTU - header.headerSize);
    if (!plain) {
      out.error = `does not decompress${options.compressionName ? ` as ${options.compressionName}` : ""}`;
      return out;
    }
    out.body = plain.slice(); // the compressor's scratch: the next call would overwrite it
  }
  if (withChecksum) {
    const seed = header.peerID === ENET_PROTOCOL_MAXIMUM_PEER_ID ? 0 : options.checksumSeed;
    if (seed !== undefined) out.checksumValid = checksumOf(bytes, header.sentTime >= 0, seed, out.body) === header.checksum;
  }
  readCommands(out);
  return out;
}

/**
 * C ENet's checksum: CRC32 over the header with the checksum field holding the seed, then
 * the command bytes before compression.
 */
function checksumOf(bytes: Uint8Array, hasSentTime: boolean, seed: number, body: Uint8Array): number {
  const base = hasSentTime ? HEADER_SIZE_WITH_SENT_TIME : HEADER_SIZE_NO_SENT_TIME;
  const seedBytes = new Uint8Array(CHECKSUM_SIZE);
  // The seed is the connect ID's bytes as the CONNECT command carried them (decodeCommand reads them big-endian).
  new DataView(seedBytes.buffer).setUint32(0, seed >>> 0, false);
  let crc = crc32Update(CRC32_INITIAL, bytes, 0, base);
  crc = crc32Update(crc, seedBytes);
  crc = crc32Update(crc, body);
  return crc32Final(crc);
}

function readCommands(out: DissectedDatagram): void {
  const body = out.body;
  let offset = 0;
  while (offset < body.length) {
    if (body[offset] === 0 && body.subarray(offset).every((b) => b === 0)) {
      out.trailingZeros = body.length - offset;
      return;
    }
    const command = decodeCommand(body, offset);
    if (!command) {
      out.error = `command at byte ${offset} is not an ENet command or is cut short (command byte 0x${(body[offset] ?? 0).toString(16).padStart(2, "0")})`;
      return;
    }
    const at = offset;
    offset += commandSize(body[offset]!); // in bounds: decodeCommand checked the fixed part
    const entry: DissectedCommand = { command, offset: at };
    if ("dataLength" in command) {
      if (offset + command.dataLength > body.length) {
        out.error = `payload of the command at byte ${at} runs ${offset + command.dataLength - body.length} bytes past the datagram`;
        out.commands.push(entry);
        return;
      }
      entry.payload = body.subarray(offset, offset + command.dataLength);
      offset += command.dataLength;
    }
    out.commands.push(entry);
  }
}

/**
 * Assembles outgoing datagrams in place in an arena: commands are appended after room
 * for the largest header, and the header (peer ID, session, flags, sent time, optional
 * CRC32) is written in front when the datagram is finished, as enet_protocol_send_outgoing_commands
 * does. The finished datagram is a view of the arena (no copy, no ArrayBuffer per datagram);
 * the next datagram starts after it, so views stay valid until recycle() says every one of
 * them has been consumed. Without recycle() a full arena is replaced, never overwritten.
 */
import type { Compressor } from "../compress/types.ts";
import type { OutgoingCommand } from "./commands.ts";
import { CRC32_INITIAL, crc32Final, crc32Update } from "../util/crc32.ts";
import { writeAcknowledgeCommand, writeOutgoingCommand } from "./outgoing.ts";
import type { PeerCore } from "./peer-core.ts";
import {
  CHECKSUM_SIZE,
  COMMAND_SIZES,
  ENET_PROTOCOL_MAXIMUM_MTU,
  ENET_PROTOCOL_MAXIMUM_PEER_ID,
  HEADER_SIZE_FOR_MTU,
  ProtocolCommand,
  encodeHeader,
  writeU32BE as put32,
} from "./wire.ts";

/** Commands start after room for the largest header (4 bytes plus a 4-byte checksum). */
const BODY_OFFSET = 8;
const ACK_SIZE = COMMAND_SIZES[ProtocolCommand.ACKNOWLEDGE] ?? 8;

/** What one datagram may need while being written: the header room and an MTU of commands, with slack. */
const DATAGRAM_RESERVE = BODY_OFFSET + ENET_PROTOCOL_MAXIMUM_MTU * 2;
const ARENA_SIZE = 64 * 1024;
/**
 * An arena that fills up before its datagrams are released is replaced by one twice its size,
 * up to this: a service pass sending a full reliable window of large packets (tens of
 * datagrams to each busy peer) then fits one arena instead of allocating (and zero-filling) a
 * fresh 64 KiB one every pass.
 */
const ARENA_MAXIMUM_SIZE = 1024 * 1024;

export class DatagramWriter {
  /** Most commands in one datagram (C ENet: ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS); Infinity = as many as fit the MTU. */
  readonly commandLimit: number;
  private buffer = new Uint8Array(ARENA_SIZE);
  /** Where the datagram being written starts in `buffer` (its header room). */
  private base = 0;
  /** Arena bytes taken by finished datagrams that may still be referenced. */
  private used = 0;
  private writePos = BODY_OFFSET;
  /** Bytes counted against the peer's MTU, as C ENet counts them. */
  packetSize = HEADER_SIZE_FOR_MTU;
  commandCount = 0;
  /** A reliable command is inside: the header carries the sent time (echoed by acknowledgements). */
  needsSentTime = false;

  constructor(commandLimit: number) {
    this.commandLimit = commandLimit;
  }

  begin(): void {
    if (this.used + DATAGRAM_RESERVE > this.buffer.length) {
      // Earlier datagrams may still be referenced: leave them be and continue in a new, larger arena.
      this.buffer = new Uint8Array(Math.min(this.buffer.length * 2, ARENA_MAXIMUM_SIZE));
      this.used = 0;
    }
    this.base = this.used;
    this.writePos = this.base + BODY_OFFSET;
    this.packetSize = HEADER_SIZE_FOR_MTU;
    this.commandCount = 0;
    this.needsSentTime = false;
  }

  /** Whether a command of `size` bytes plus `payload` bytes still fits the MTU and the command limit. */
  fits(mtu: number, size: number, payload: number): boolean {
    if (this.commandCount >= this.commandLimit) return false;
    const room = mtu - this.packetSize;
    return room >= size && room >= size + payload;
  }

  /** How many acknowledgements fit the MTU and the command limit from here. */
  acknowledgementsThatFit(mtu: number): number {
    const byCount = this.commandLimit - this.commandCount;
    const byRoom = Math.floor((mtu - this.packetSize) / ACK_SIZE);
    return Math.max(0, Math.min(byCount, byRoom));
  }

  writeAcknowledgement(channelID: number, reliableSequenceNumber: number, sentTime: number): void {
    writeAcknowledgeCommand(this.buffer, this.writePos, channelID, reliableSequenceNumber, sentTime);
    this.writePos += ACK_SIZE;
    this.packetSize += ACK_SIZE;
    this.commandCount++;
  }

  writeCommand(cmd: OutgoingCommand): void {
    const written = writeOutgoingCommand(cmd, this.buffer, this.writePos);
    this.writePos += written;
    this.packetSize += written;
    this.commandCount++;
  }

  /** Every datagram finish() returned has been consumed (copied or sent): the arena may be rewritten. */
  recycle(): void {
    this.used = 0;
  }

  /**
   * Write the header for `peer` and return the finished datagram, a view of the arena that
   * nothing writes to until recycle(). The checksum covers the header, the seed and the uncompressed commands; the
   * commands are replaced by their compressed form only when that is strictly smaller, and never when the receiver
   * would decompress them longer than they are (FastLZ pads short inputs) and so fail the checksum.
   */
  finish(peer: PeerCore, serviceTime: number, compressor: Compressor | null, checksum: boolean): Uint8Array {
    const buf = this.buffer;
    const bodyStart = this.base + BODY_OFFSET;
    const bodyLength = this.writePos - bodyStart;
    let body: Uint8Array | null = null;
    if (compressor !== null && !(checksum && bodyLength < (compressor.paddedBelow ?? 0))) {
      const compressed = compressor.compress(buf.subarray(bodyStart, this.writePos), bodyLength);
      if (compressed !== null && compressed.length > 0 && compressed.length < bodyLength) body = compressed;
    }
    const hasPeerID = peer.outgoingPeerID < ENET_PROTOCOL_MAXIMUM_PEER_ID;
    const sentTime = this.needsSentTime ? serviceTime & 0xffff : -1;
    const headerSize = (sentTime >= 0 ? 4 : 2) + (checksum ? CHECKSUM_SIZE : 0);
    const start = bodyStart - headerSize;
    encodeHeader(buf, start, peer.outgoingPeerID, hasPeerID ? peer.outgoingSessionID : 0, body !== null, sentTime, checksum);
    if (checksum) {
      const at = bodyStart - CHECKSUM_SIZE;
      put32(buf, at, hasPeerID ? peer.connectID : 0);
      put32(buf, at, crc32Final(crc32Update(CRC32_INITIAL, buf, start, this.writePos)));
    }
    // The compressed body is shorter than the commands it replaces, so it fits in their place.
    const end = body === null ? this.writePos : bodyStart + body.length;
    if (body !== null) buf.set(body, bodyStart);
    this.used = (end + 7) & ~7;
    return buf.subarray(start, end);
  }
}

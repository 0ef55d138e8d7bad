/**
 * The received-packet queue of a MultiplayerPeer: FIFO with the metadata Godot keeps per
 * packet (source ID, user channel, transfer mode), bounded in packets and bytes so a
 * flooding peer cannot grow memory without limit.
 */
import { Fifo } from "../util/fifo.ts";
import type { TransferMode } from "./multiplayer-peer.ts";

export interface IncomingPacket {
  data: Uint8Array;
  from: number;
  channel: number;
  mode: TransferMode;
}

export const DEFAULT_INCOMING_LIMIT_PACKETS = 65536;
export const DEFAULT_INCOMING_LIMIT_BYTES = 32 * 1024 * 1024;

export class IncomingPacketQueue {
  limitPackets = DEFAULT_INCOMING_LIMIT_PACKETS;
  limitBytes = DEFAULT_INCOMING_LIMIT_BYTES;
  private readonly items = new Fifo<IncomingPacket>();
  private bytes = 0;

  get count(): number {
    return this.items.length;
  }

  /** False (nothing queued) when the packet would exceed a limit. */
  push(data: Uint8Array, from: number, channel: number, mode: TransferMode): boolean {
    if (this.count >= this.limitPackets || this.bytes + data.length > this.limitBytes) return false;
    this.items.push({ data, from, channel, mode });
    this.bytes += data.length;
    return true;
  }

  peek(): IncomingPacket | null {
    return this.items.peek() ?? null;
  }

  shift(): IncomingPacket | null {
    const p = this.items.shift();
    if (p === undefined) return null;
    this.bytes -= p.data.length;
    return p;
  }

  clear(): void {
    this.items.clear();
    this.bytes = 0;
  }
}

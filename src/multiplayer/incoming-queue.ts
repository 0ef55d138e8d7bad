/**
 * The received-packet queue of a MultiplayerPeer: FIFO with the metadata Godot keeps per
 * packet (source ID, user channel, transfer mode), bounded in packets and bytes so a
 * flooding peer cannot grow memory without limit.
 */
import type { TransferMode } from "./multiplayer-peer.ts";

export interface IncomingPacket {
  data: Uint8Array;
  from: number;
  channel: number;
  mode: TransferMode;
}

export const DEFAULT_INCOMING_LIMIT_PACKETS = 65536;
export const DEFAULT_INCOMING_LIMIT_BYTES = 32 * 1024 * 1024;

const DRAINED = undefined as unknown as IncomingPacket;

export class IncomingPacketQueue {
  limitPackets = DEFAULT_INCOMING_LIMIT_PACKETS;
  limitBytes = DEFAULT_INCOMING_LIMIT_BYTES;
  private items: IncomingPacket[] = [];
  private head = 0;
  private bytes = 0;

  get count(): number {
    return this.items.length - this.head;
  }

  /** False (nothing queued) when the packet would exceed a limit. */
  push(data: Uint8Array, from: number, channel: number, mode: TransferMode): boolean {
    if (this.count >= this.limitPackets || this.bytes + data.length > this.limitBytes) return false;
    this.items.push({ data, from, channel, mode });
    this.bytes += data.length;
    return true;
  }

  peek(): IncomingPacket | null {
    return this.head < this.items.length ? this.items[this.head]! : null;
  }

  shift(): IncomingPacket | null {
    if (this.head >= this.items.length) return null;
    const p = this.items[this.head]!;
    this.items[this.head++] = DRAINED;
    this.bytes -= p.data.length;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }
}

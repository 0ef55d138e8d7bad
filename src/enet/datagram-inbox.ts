/**
 * Datagrams the socket delivered since the host last ran. ENetConnection hands them to the
 * protocol core when the host next runs (service(), poll(), flush()), the way C ENet reads its
 * socket inside enet_host_service, instead of running the protocol inside each socket callback.
 *
 * Why: the runtime's receive loop (libuv reads up to 32 datagrams per poll on Node) then stays
 * tight, and the protocol handles the whole batch in one pass with one clock reading. Measured on
 * Node 20 (docs/enet.md): with the protocol work done between two receive calls, the receive side
 * cost ~150 ms more in a ~4.9 s run at 1200 B; the send side did not change.
 *
 * Bounded: at INBOX_MAX_DATAGRAMS the owner handles the batch at once, so a host whose owner
 * stops calling service() holds no more than that many datagrams here (and then applies its
 * own per-peer limits, as before).
 */

import type { HostCore } from "./host-core.ts";

/** Datagrams held before the owner must hand them to the host (see above). */
export const INBOX_MAX_DATAGRAMS = 256;

export class DatagramInbox {
  private readonly data: Uint8Array[] = [];
  private readonly address: string[] = [];
  private readonly port: number[] = [];
  private readonly owned: boolean[] = [];
  private held = 0;

  get size(): number {
    return this.held;
  }

  /** Hold one datagram; returns true when the inbox is full and must be drained now. */
  push(data: Uint8Array, address: string, port: number, owned: boolean): boolean {
    const i = this.held++;
    this.data[i] = data;
    this.address[i] = address;
    this.port[i] = port;
    this.owned[i] = owned;
    return this.held >= INBOX_MAX_DATAGRAMS;
  }

  /** Hand every held datagram to `host`, oldest first, all as received at `now`. */
  drainInto(host: HostCore, now: number): void {
    const n = this.held;
    this.held = 0;
    const data = this.data;
    for (let i = 0; i < n; i++) {
      const bytes = data[i]!;
      // Released at once: a held datagram must not stay reachable after it was handled.
      data[i] = EMPTY;
      host.handleDatagram(now, bytes, this.address[i]!, this.port[i]!, this.owned[i]!);
    }
  }

  /** Forget every held datagram (the host they were for is gone). */
  clear(): void {
    this.data.fill(EMPTY, 0, this.held);
    this.held = 0;
  }
}

const EMPTY = new Uint8Array(0);

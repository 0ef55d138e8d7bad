/**
 * What a CONNECT needs to know about the peer slots, kept up to date as peers change state
 * instead of found by walking every slot (C ENet walks them all for each CONNECT; at 4,095
 * slots that walk made a burst of handshakes outlast the socket's receive buffer):
 *
 * - the lowest free slot (C ENet's choice) and how many are free;
 * - the half-open (ACKNOWLEDGING_CONNECT) peers, for the flood policy's cap and eviction;
 * - the live peers by address, port and connect ID (a retransmitted CONNECT is a duplicate)
 *   and how many live peers each address has (C ENet's duplicatePeers limit).
 *
 * "Live" follows enet_protocol_handle_connect: any state but DISCONNECTED and CONNECTING
 * (an outgoing connection counts once it is no longer connecting).
 */
import { PeerState } from "./enums.ts";

/** What the directory reads of a peer slot (PeerCore implements it). */
export interface DirectoryPeer {
  readonly incomingPeerID: number;
  readonly state: PeerState;
  readonly address: string;
  readonly port: number;
  readonly connectID: number;
  /** The key the directory filed this live peer under (its fields may be cleared before it leaves); null when not filed. */
  directoryKey: string | null;
}

const counted = (state: PeerState): boolean => state !== PeerState.STATE_DISCONNECTED && state !== PeerState.STATE_CONNECTING;

/**
 * `address|port|connectID`, joined rather than concatenated: join() makes one flat string, where a
 * `+` chain leaves each live peer's key as a rope of three nodes over two number strings (~200 B
 * of heap per peer, found in a heap snapshot of 3,000 idle peers).
 */
function connectKey(address: string, port: number, connectID: number): string {
  return [address, port, connectID].join("|");
}

export class PeerDirectory<P extends DirectoryPeer = DirectoryPeer> {
  private readonly slots: readonly P[];
  /** Every slot below this index is in use. */
  private freeHint = 0;
  private freeCount: number;
  /** Half-open peers, in the order they became half-open. */
  readonly halfOpen = new Set<P>();
  private readonly byConnect = new Map<string, P>();
  private readonly perAddress = new Map<string, number>();

  /** `slots` is the host's slot array, all DISCONNECTED; it may still be filling when this is made. */
  constructor(slots: readonly P[], slotCount: number) {
    this.slots = slots;
    this.freeCount = slotCount;
  }

  /** Every state change of a slot, from PeerCore's state setter. Address, port and connect ID are set before a peer becomes live. */
  stateChanged(peer: P, from: PeerState, to: PeerState): void {
    if (from === PeerState.STATE_DISCONNECTED) this.freeCount--;
    if (to === PeerState.STATE_DISCONNECTED) {
      this.freeCount++;
      if (peer.incomingPeerID < this.freeHint) this.freeHint = peer.incomingPeerID;
    }
    if (from === PeerState.STATE_ACKNOWLEDGING_CONNECT) this.halfOpen.delete(peer);
    if (to === PeerState.STATE_ACKNOWLEDGING_CONNECT) this.halfOpen.add(peer);
    const was = counted(from);
    const is = counted(to);
    if (!was && is) this.file(peer);
    else if (was && !is) this.unfile(peer);
  }

  /** The lowest free slot, or null when every slot is in use. */
  firstFree(): P | null {
    if (this.freeCount <= 0) return null;
    const slots = this.slots;
    for (let i = this.freeHint; i < slots.length; i++) {
      if (slots[i]!.state === PeerState.STATE_DISCONNECTED) {
        this.freeHint = i;
        return slots[i]!;
      }
    }
    return null;
  }

  /** The live peer at `address:port` with `connectID`, if any (a retransmitted CONNECT). */
  liveWith(address: string, port: number, connectID: number): P | undefined {
    return this.byConnect.get(connectKey(address, port, connectID));
  }

  /** Live peers from `address` (any port). */
  countFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  private file(peer: P): void {
    const key = connectKey(peer.address, peer.port, peer.connectID);
    peer.directoryKey = key;
    this.byConnect.set(key, peer);
    this.perAddress.set(peer.address, (this.perAddress.get(peer.address) ?? 0) + 1);
  }

  private unfile(peer: P): void {
    const key = peer.directoryKey;
    if (key === null) return;
    peer.directoryKey = null;
    if (this.byConnect.get(key) === peer) this.byConnect.delete(key);
    const n = (this.perAddress.get(peer.address) ?? 1) - 1;
    if (n > 0) this.perAddress.set(peer.address, n);
    else this.perAddress.delete(peer.address);
  }
}

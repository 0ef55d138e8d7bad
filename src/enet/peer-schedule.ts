/**
 * Which peer slots a send pass must visit, so that a host's service() costs what its busy
 * peers cost and nothing per idle slot (C ENet walks every slot on every service).
 *
 * Every live peer is in exactly one of two places:
 * - the dirty list: something changed (a datagram arrived, the application queued a
 *   command, a setting changed), so the next pass looks at it whatever the time;
 * - the timer heap, keyed by the time of its next retransmission check or ping, which
 *   was computed from its state at the end of its last pass and is exact because any
 *   change since would have made it dirty.
 * A peer with nothing scheduled (disconnected, or waiting on the remote with nothing in
 * flight) is in neither.
 */
import { IndexedHeap, type HeapItem } from "../util/indexed-heap.ts";
import { truncate } from "../util/truncate.ts";

/** What the schedule needs of a peer slot (PeerCore implements it). */
export interface SchedulablePeer extends HeapItem {
  readonly incomingPeerID: number;
  /** In the dirty list, or being visited by the current pass. */
  dirty: boolean;
}

const bySlot = (a: SchedulablePeer, b: SchedulablePeer): number => a.incomingPeerID - b.incomingPeerID;

export class PeerSchedule<P extends SchedulablePeer = SchedulablePeer> {
  private readonly timers = new IndexedHeap<P>();
  private dirtyList: P[] = [];
  private spareList: P[] = [];
  private readonly batchPool: P[][] = [];

  /** The peer changed: visit it on the next pass. */
  markDirty(peer: P): void {
    if (peer.dirty) return;
    peer.dirty = true;
    this.timers.delete(peer);
    this.dirtyList.push(peer);
  }

  /** The peer slot was reset: it has no timer any more (a pending dirty entry is visited and dropped). */
  forget(peer: P): void {
    this.timers.delete(peer);
  }

  /** Peers marked dirty since the last pass (pollTimeout looks at each). */
  get dirtyPeers(): readonly P[] {
    return this.dirtyList;
  }

  /** The earliest timer, or Infinity. */
  get nextTimer(): number {
    return this.timers.peek()?.heapKey ?? Infinity;
  }

  /**
   * The peers a pass at `now` must visit, in slot order (the order C ENet's walk sends in):
   * every dirty peer and every peer whose timer is due. Each stays marked dirty until
   * settle(), so what the pass itself queues for it does not put it in the next pass's list.
   * Give the array back with releaseBatch().
   */
  takeDue(now: number): P[] {
    const batch = this.batchPool.pop() ?? [];
    const dirty = this.dirtyList;
    this.dirtyList = this.spareList;
    this.spareList = dirty;
    for (let i = 0; i < dirty.length; i++) batch.push(dirty[i]!);
    truncate(dirty);
    for (let top = this.timers.peek(); top !== undefined && top.heapKey <= now; top = this.timers.peek()) {
      this.timers.pop();
      top.dirty = true;
      batch.push(top);
    }
    for (let i = 1; i < batch.length; i++) {
      if (batch[i - 1]!.incomingPeerID > batch[i]!.incomingPeerID) {
        batch.sort(bySlot);
        break;
      }
    }
    return batch;
  }

  /**
   * Give back a batch from takeDue(). Peers from `unsettled` on were not settled (the pass threw,
   * which is a bug): they go back on the dirty list rather than stay marked but unscheduled.
   */
  releaseBatch(batch: P[], unsettled = batch.length): void {
    for (let i = unsettled; i < batch.length; i++) {
      const peer = batch[i]!;
      peer.dirty = false;
      this.markDirty(peer);
    }
    truncate(batch);
    this.batchPool.push(batch);
  }

  /** After a pass visited the peer: `wake` is when it next needs one (<= now: at once; Infinity: never). */
  settle(peer: P, wake: number, now: number): void {
    peer.dirty = false;
    if (wake <= now) this.markDirty(peer);
    else if (wake === Infinity) this.timers.delete(peer);
    else this.timers.set(peer, wake);
  }

  clear(): void {
    this.timers.clear();
    for (const p of this.dirtyList) p.dirty = false;
    truncate(this.dirtyList);
  }
}

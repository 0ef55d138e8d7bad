/**
 * Reassembles fragmented handshake messages (RFC 6347 4.2.3) and hands them out in
 * message_seq order. Bounded: at most MAX_FUTURE_MESSAGES ahead of the next expected
 * message, each at most MAX_HANDSHAKE_MESSAGE_LENGTH, MAX_REASSEMBLY_BYTES in total.
 */
import type { HandshakeHeader } from "./handshake-messages.ts";

export const MAX_HANDSHAKE_MESSAGE_LENGTH = 65536;
export const MAX_FUTURE_MESSAGES = 8;
export const MAX_REASSEMBLY_BYTES = 262144;

interface Partial {
  msgType: number;
  body: Uint8Array;
  have: Uint8Array;
  filled: number;
}

export interface CompleteMessage {
  msgType: number;
  messageSeq: number;
  body: Uint8Array;
}

export type FragmentVerdict = "accepted" | "old" | "dropped";

export class HandshakeReassembly {
  nextSeq = 0;
  private readonly partial = new Map<number, Partial>();
  private bytes = 0;

  /** Offer one fragment. "old": a retransmission of a message already delivered. */
  add(h: HandshakeHeader, fragment: Uint8Array): FragmentVerdict {
    if (h.messageSeq < this.nextSeq) return "old";
    if (h.messageSeq >= this.nextSeq + MAX_FUTURE_MESSAGES || h.length > MAX_HANDSHAKE_MESSAGE_LENGTH) return "dropped";
    let p = this.partial.get(h.messageSeq);
    if (!p) {
      if (this.bytes + 2 * h.length > MAX_REASSEMBLY_BYTES) return "dropped";
      p = { msgType: h.msgType, body: new Uint8Array(h.length), have: new Uint8Array(h.length), filled: 0 };
      this.partial.set(h.messageSeq, p);
      this.bytes += 2 * h.length;
    }
    if (p.msgType !== h.msgType || p.body.length !== h.length) return "dropped";
    p.body.set(fragment, h.fragmentOffset);
    for (let i = h.fragmentOffset, end = h.fragmentOffset + h.fragmentLength; i < end; i++) {
      if (p.have[i] === 0) {
        p.have[i] = 1;
        p.filled++;
      }
    }
    return "accepted";
  }

  /** The next whole message in order, if it has arrived. */
  next(): CompleteMessage | undefined {
    const p = this.partial.get(this.nextSeq);
    if (!p || p.filled !== p.body.length) return undefined;
    this.partial.delete(this.nextSeq);
    this.bytes -= 2 * p.body.length;
    return { msgType: p.msgType, messageSeq: this.nextSeq++, body: p.body };
  }

  /** Forget everything buffered and expect `seq` next. */
  reset(seq: number): void {
    this.partial.clear();
    this.bytes = 0;
    this.nextSeq = seq;
  }
}

/** The simulated network's datagram log and its running digest. */

export type TraceFate = "delivered" | "lost" | "duplicated" | "mtu-dropped" | "queue-dropped" | "unreachable";

/**
 * One datagram (or one duplicate copy) as the network handled it.
 * "delivered"/"duplicated" are decided at send time; if nobody is bound at the
 * destination when the copy arrives, the fate changes to "unreachable".
 */
export interface TraceRecord {
  seq: number;
  /** Virtual time of the send. */
  time: number;
  /** "address:port" of the sender ("[v6]:port" for IPv6). */
  from: string;
  to: string;
  size: number;
  fate: TraceFate;
  /** Virtual arrival time for delivered and duplicated copies. */
  deliverAt?: number;
  /** FNV-1a (32-bit) of the payload. */
  hash: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of `bytes`. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

const FATE_CODES: Record<TraceFate, number> = {
  delivered: 1,
  lost: 2,
  duplicated: 3,
  "mtu-dropped": 4,
  "queue-dropped": 5,
  unreachable: 6,
};

/**
 * Two independent 32-bit lanes (FNV-1a and a multiply-xorshift) fed with every field of
 * every record and every later fate change, in order. Kept incrementally so the digest
 * covers the whole run even when old records have been evicted from the log.
 */
class RunningDigest {
  private a = FNV_OFFSET;
  private b = 0x9747b28c;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  u32In(x: number): void {
    this.a = Math.imul(this.a ^ (x >>> 0), FNV_PRIME);
    let b = Math.imul(this.b ^ (x >>> 0), 0x5bd1e995);
    b ^= b >>> 15;
    this.b = b;
  }

  numberIn(x: number): void {
    this.f64[0] = x;
    this.u32In(this.u32[0]!);
    this.u32In(this.u32[1]!);
  }

  stringIn(s: string): void {
    this.u32In(s.length);
    for (let i = 0; i < s.length; i++) this.u32In(s.charCodeAt(i));
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, "0") + (this.b >>> 0).toString(16).padStart(8, "0");
  }
}

export class TraceLog {
  private records: TraceRecord[] = [];
  private readonly digest = new RunningDigest();
  private nextSeq = 0;

  constructor(private readonly limit: number) {}

  add(time: number, from: string, to: string, size: number, fate: TraceFate, deliverAt: number | undefined, hash: number): TraceRecord {
    const record: TraceRecord = { seq: this.nextSeq++, time, from, to, size, fate, hash };
    if (deliverAt !== undefined) record.deliverAt = deliverAt;
    const d = this.digest;
    d.u32In(record.seq);
    d.numberIn(time);
    d.stringIn(from);
    d.stringIn(to);
    d.u32In(size);
    d.u32In(FATE_CODES[fate]);
    d.numberIn(deliverAt ?? -1);
    d.u32In(hash);
    if (this.limit > 0) {
      this.records.push(record);
      // Evict in bulk so the cost per record stays O(1).
      if (this.records.length >= 2 * this.limit) this.records.splice(0, this.records.length - this.limit);
    }
    return record;
  }

  /** A copy that reached a host where nobody listens any more. */
  markUnreachable(record: TraceRecord): void {
    record.fate = "unreachable";
    this.digest.u32In(0xdead0000 | FATE_CODES.unreachable);
    this.digest.u32In(record.seq);
  }

  /** The most recent `limit` records, oldest first. */
  view(): readonly TraceRecord[] {
    if (this.records.length > this.limit) this.records.splice(0, this.records.length - this.limit);
    return this.records;
  }

  get total(): number {
    return this.nextSeq;
  }

  digestHex(): string {
    return `${this.nextSeq.toString(16)}-${this.digest.hex()}`;
  }
}

/** DTLS record header codec (RFC 6347 4.1): one datagram carries one or more records. */
import { ByteReader } from "./byte-reader.ts";
import { MAX_CIPHERTEXT_LENGTH, RECORD_HEADER_LENGTH } from "./constants.ts";

export interface RecordView {
  type: number;
  version: number;
  epoch: number;
  seq: number;
  fragment: Uint8Array;
}

/**
 * The records of a datagram. Stops at the first malformed header (RFC 6347 4.1.2.7:
 * invalid records are discarded; the rest of a truncated datagram cannot be framed).
 */
export function splitRecords(datagram: Uint8Array): RecordView[] {
  const out: RecordView[] = [];
  const r = new ByteReader(datagram);
  while (r.remaining >= RECORD_HEADER_LENGTH) {
    const type = r.u8();
    const version = r.u16();
    const epoch = r.u16();
    const seq = r.u48();
    const length = r.u16();
    if (length > MAX_CIPHERTEXT_LENGTH || length > r.remaining || (version >>> 8) !== 0xfe) break;
    out.push({ type, version, epoch, seq, fragment: r.bytesView(length) });
  }
  return out;
}

export function writeRecordHeader(out: Uint8Array, at: number, type: number, version: number, epoch: number, seq: number, length: number): void {
  out[at] = type;
  out[at + 1] = version >>> 8;
  out[at + 2] = version;
  out[at + 3] = epoch >>> 8;
  out[at + 4] = epoch;
  const hi = Math.floor(seq / 0x100000000);
  out[at + 5] = hi >>> 8;
  out[at + 6] = hi;
  const lo = seq >>> 0;
  out[at + 7] = lo >>> 24;
  out[at + 8] = lo >>> 16;
  out[at + 9] = lo >>> 8;
  out[at + 10] = lo;
  out[at + 11] = length >>> 8;
  out[at + 12] = length;
}

export function encodeRecord(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_LENGTH + fragment.length);
  writeRecordHeader(out, 0, type, version, epoch, seq, fragment.length);
  out.set(fragment, RECORD_HEADER_LENGTH);
  return out;
}

/**
 * The UDP datagrams of a capture file: classic pcap (either byte order, micro- or nanosecond
 * timestamps) and pcapng (section, interface and enhanced/simple packet blocks), over
 * Ethernet (with VLAN tags), Linux cooked v1/v2, BSD loopback and raw IP, IPv4 and IPv6.
 * IP fragments after the first and anything that is not UDP are skipped and counted.
 */

export interface CapturedDatagram {
  /** Seconds since the Unix epoch (fractional). */
  time: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Uint8Array;
}

export interface CaptureContents {
  format: "pcap" | "pcapng";
  datagrams: CapturedDatagram[];
  /** Frames that were not UDP over IP, or were cut short by the snap length, or IP fragments. */
  skipped: number;
  /** Bytes at the end that do not make a whole record: the file was cut short (a capture still being written, a partial copy). */
  trailingBytes: number;
}

export class CaptureFormatError extends Error {}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;
const LINKTYPE_LOOP = 108;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const IPPROTO_UDP = 17;

/** Read a capture file's UDP datagrams. Throws CaptureFormatError naming what is wrong. */
export function readCapture(file: Uint8Array): CaptureContents {
  if (file.length < 12) throw new CaptureFormatError(`too short for a capture file (${file.length} bytes)`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicBE = view.getUint32(0, false);
  if (magicBE === 0x0a0d0d0a) return readPcapng(file, view);
  const out: CaptureContents = { format: "pcap", datagrams: [], skipped: 0, trailingBytes: 0 };
  let little: boolean;
  let nano: boolean;
  if (magicBE === 0xa1b2c3d4 || magicBE === 0xa1b23c4d) [little, nano] = [false, magicBE === 0xa1b23c4d];
  else if (magicBE === 0xd4c3b2a1 || magicBE === 0x4d3cb2a1) [little, nano] = [true, magicBE === 0x4d3cb2a1];
  else throw new CaptureFormatError("not a pcap or pcapng file (unknown magic number); save the capture as .pcap or .pcapng");
  if (file.length < 24) throw new CaptureFormatError("pcap header cut short");
  const linkType = view.getUint32(20, little) & 0x0fffffff;
  let at = 24;
  while (at + 16 <= file.length) {
    const seconds = view.getUint32(at, little);
    const fraction = view.getUint32(at + 4, little);
    const included = view.getUint32(at + 8, little);
    const original = view.getUint32(at + 12, little);
    if (at + 16 + included > file.length) break; // a capture cut mid-record: keep what came before
    at += 16;
    const frame = file.subarray(at, at + included);
    at += included;
    addFrame(out, linkType, frame, included < original, seconds + fraction / (nano ? 1e9 : 1e6));
  }
  out.trailingBytes = file.length - at;
  return out;
}

function readPcapng(file: Uint8Array, view: DataView): CaptureContents {
  const out: CaptureContents = { format: "pcapng", datagrams: [], skipped: 0, trailingBytes: 0 };
  let little = true;
  let interfaces: { linkType: number; unitsPerSecond: number }[] = [];
  let at = 0;
  while (at + 12 <= file.length) {
    let type = view.getUint32(at, little);
    if (view.getUint32(at, false) === 0x0a0d0d0a) {
      // Section header: its byte-order magic sets the order of everything in the section.
      const bom = view.getUint32(at + 8, true);
      if (bom === 0x1a2b3c4d) little = true;
      else if (bom === 0x4d3c2b1a) little = false;
      else throw new CaptureFormatError("pcapng section header with an unknown byte-order magic");
      type = 0x0a0d0d0a;
      interfaces = [];
    }
    const length = view.getUint32(at + 4, little);
    if (length < 12 || length % 4 !== 0 || at + length > file.length) break; // truncated or damaged: keep what came before
    const body = at + 8;
    if (type === 1 && length >= 20) {
      interfaces.push({ linkType: view.getUint16(body, little), unitsPerSecond: interfaceResolution(view, body + 8, at + length - 4, little) });
    } else if (type === 6 && length >= 32) {
      const iface = interfaces[view.getUint32(body, little)];
      const high = view.getUint32(body + 4, little);
      const low = view.getUint32(body + 8, little);
      const captured = view.getUint32(body + 12, little);
      const original = view.getUint32(body + 16, little);
      const start = body + 20;
      if (iface && start + captured <= at + length) {
        addFrame(out, iface.linkType, file.subarray(start, start + captured), captured < original, (high * 2 ** 32 + low) / iface.unitsPerSecond);
      } else out.skipped++;
    } else if (type === 3 && length >= 16) {
      const iface = interfaces[0];
      const original = view.getUint32(body, little);
      const captured = Math.min(original, length - 16);
      if (iface) addFrame(out, iface.linkType, file.subarray(body + 4, body + 4 + captured), captured < original, 0);
      else out.skipped++;
    }
    at += length;
  }
  out.trailingBytes = file.length - at;
  return out;
}

/** The if_tsresol option (code 9) of an interface description block; default microseconds. */
function interfaceResolution(view: DataView, at: number, end: number, little: boolean): number {
  while (at + 4 <= end) {
    const code = view.getUint16(at, little);
    const length = view.getUint16(at + 2, little);
    if (code === 0) break;
    if (code === 9 && length >= 1) {
      const r = view.getUint8(at + 4);
      return r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
    }
    at += 4 + ((length + 3) & ~3);
  }
  return 1e6;
}

function addFrame(out: CaptureContents, linkType: number, frame: Uint8Array, truncated: boolean, time: number): void {
  const d = truncated ? null : udpOf(linkType, frame, time);
  if (d) out.datagrams.push(d);
  else out.skipped++;
}

function udpOf(linkType: number, frame: Uint8Array, time: number): CapturedDatagram | null {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let at = 0;
  let etherType: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (frame.length < 14) return null;
      etherType = v.getUint16(12);
      at = 14;
      while ((etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ) && at + 4 <= frame.length) {
        etherType = v.getUint16(at + 2);
        at += 4;
      }
      break;
    case LINKTYPE_LINUX_SLL:
      if (frame.length < 16) return null;
      etherType = v.getUint16(14);
      at = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (frame.length < 20) return null;
      etherType = v.getUint16(0);
      at = 20;
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (frame.length < 4) return null;
      // The address family, in the capturing host's order (NULL) or network order (LOOP).
      const family = linkType === LINKTYPE_LOOP ? v.getUint32(0) : Math.min(v.getUint32(0, true), v.getUint32(0, false));
      etherType = family === 2 ? ETHERTYPE_IPV4 : family === 24 || family === 28 || family === 30 ? ETHERTYPE_IPV6 : 0;
      at = 4;
      break;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      if (frame.length < 1) return null;
      etherType = frame[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
      break;
    default:
      return null;
  }
  if (etherType === ETHERTYPE_IPV4) return udpOverIPv4(frame, v, at, time);
  if (etherType === ETHERTYPE_IPV6) return udpOverIPv6(frame, v, at, time);
  return null;
}

function udpOverIPv4(frame: Uint8Array, v: DataView, at: number, time: number): CapturedDatagram | null {
  if (at + 20 > frame.length || frame[at]! >> 4 !== 4) return null;
  const headerLength = (frame[at]! & 0x0f) * 4;
  const totalLength = v.getUint16(at + 2);
  const fragment = v.getUint16(at + 6);
  if ((fragment & 0x1fff) !== 0 || (fragment & 0x2000) !== 0) return null; // a fragment: the datagram is not whole here
  if (frame[at + 9] !== IPPROTO_UDP) return null;
  const end = Math.min(frame.length, at + totalLength);
  const src = Array.from(frame.subarray(at + 12, at + 16)).join(".");
  const dst = Array.from(frame.subarray(at + 16, at + 20)).join(".");
  return udp(frame, v, at + headerLength, end, src, dst, time);
}

function udpOverIPv6(frame: Uint8Array, v: DataView, at: number, time: number): CapturedDatagram | null {
  if (at + 40 > frame.length || frame[at]! >> 4 !== 6) return null;
  const end = Math.min(frame.length, at + 40 + v.getUint16(at + 4));
  let next = frame[at + 6]!;
  const src = ipv6Text(frame.subarray(at + 8, at + 24));
  const dst = ipv6Text(frame.subarray(at + 24, at + 40));
  let p = at + 40;
  // Hop-by-hop, routing and destination options headers; a fragment header ends the walk.
  while ((next === 0 || next === 43 || next === 60) && p + 8 <= end) {
    next = frame[p]!;
    p += (frame[p + 1]! + 1) * 8;
  }
  if (next !== IPPROTO_UDP) return null;
  return udp(frame, v, p, end, src, dst, time);
}

function udp(frame: Uint8Array, v: DataView, at: number, end: number, src: string, dst: string, time: number): CapturedDatagram | null {
  if (at + 8 > end) return null;
  const length = v.getUint16(at + 4);
  if (length < 8 || at + length > end) return null;
  return { time, src, srcPort: v.getUint16(at), dst, dstPort: v.getUint16(at + 2), payload: frame.slice(at + 8, at + length) };
}

function ipv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // The longest run of zero groups becomes "::".
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength && j - i > 1) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLength).join(":")}`;
}

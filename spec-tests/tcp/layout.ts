// The value list and exchange of the byte-layout interop test, shared by the
// TCP and unix-socket variants (peers/stream_peer.py holds the same list).
import assert from "node:assert/strict";
import { StreamPeerBuffer, type StreamPeer, type StreamPeerSocket } from "../../src/index.ts";
import { until } from "./spawn-peer.ts";

type Kind = "8" | "u8" | "16" | "u16" | "32" | "u32" | "64" | "u64" | "half" | "float" | "double" | "string" | "utf8";
// Same list, same order as VALUES in peers/stream_peer.py.
const VALUES: [Kind, number | bigint | string][] = [
  ["8", -2], ["8", 127], ["u8", 0], ["u8", 255],
  ["16", -32768], ["16", 12345], ["u16", 65535], ["u16", 0xbeef],
  ["32", -2147483648], ["32", 0x12345678], ["u32", 4294967295], ["u32", 0xdeadbeef],
  ["64", -(2n ** 63n)], ["64", -0x0123456789abcdefn], ["u64", 2n ** 64n - 1n], ["u64", 0xfedcba9876543210n],
  ["half", 1.5], ["half", -2.0], ["half", 65504.0], ["half", 2 ** -14], ["half", 0.0],
  ["float", 1.1], ["float", -3.5], ["float", 3.4028234663852886e38],
  ["double", 3.141592653589793], ["double", -1e-300], ["double", 1.7976931348623157e308],
  ["string", ""], ["string", "Hello, Godot!"], ["string", "tab\tnew\nline ~"],
  ["utf8", ""], ["utf8", "h\u00e9llo w\u00f6rld"], ["utf8", "\u65e5\u672c\u8a9e \u{1F600} \u20ac"],
];

function putAll(p: StreamPeer): void {
  for (const [kind, v] of VALUES) {
    switch (kind) {
      case "8": p.put8(v as number); break;
      case "u8": p.putU8(v as number); break;
      case "16": p.put16(v as number); break;
      case "u16": p.putU16(v as number); break;
      case "32": p.put32(v as number); break;
      case "u32": p.putU32(v as number); break;
      case "64": p.put64(v as bigint); break;
      case "u64": p.putU64(v as bigint); break;
      case "half": p.putHalf(v as number); break;
      case "float": p.putFloat(v as number); break;
      case "double": p.putDouble(v as number); break;
      case "string": p.putString(v as string); break;
      case "utf8": p.putUtf8String(v as string); break;
    }
  }
}

function checkAll(p: StreamPeer, order: string): void {
  for (const [i, [kind, v]] of VALUES.entries()) {
    const where = `${order} value #${i} (${kind})`;
    switch (kind) {
      case "8": assert.equal(p.get8(), v, where); break;
      case "u8": assert.equal(p.getU8(), v, where); break;
      case "16": assert.equal(p.get16(), v, where); break;
      case "u16": assert.equal(p.getU16(), v, where); break;
      case "32": assert.equal(p.get32(), v, where); break;
      case "u32": assert.equal(p.getU32(), v, where); break;
      case "64": assert.equal(p.get64(), v, where); break;
      case "u64": assert.equal(p.getU64(), v, where); break;
      case "half": assert.equal(p.getHalf(), v, where); break;
      case "float": assert.equal(p.getFloat(), Math.fround(v as number), where); break;
      case "double": assert.equal(p.getDouble(), v, where); break;
      case "string": assert.equal(p.getString(), v, where); break;
      case "utf8": assert.equal(p.getUtf8String(), v, where); break;
    }
  }
}

function blockLength(): number {
  const b = new StreamPeerBuffer();
  putAll(b);
  return b.getSize();
}

/** Send both blocks, check python's verdict, then decode python's blocks. */
export async function exchange(peer: StreamPeerSocket): Promise<void> {
  peer.bigEndian = false;
  putAll(peer);
  peer.bigEndian = true;
  putAll(peer);
  const verdict = await peer.getData(2);
  const text = String.fromCharCode(...verdict);
  if (text !== "OK") {
    const at = await peer.getData(4);
    assert.fail(`python saw different bytes from offset ${new DataView(at.buffer, at.byteOffset).getUint32(0, true)}`);
  }
  const total = 2 * blockLength();
  await until(() => peer.getAvailableBytes() >= total, "python's blocks");
  peer.bigEndian = false;
  checkAll(peer, "little endian");
  peer.bigEndian = true;
  checkAll(peer, "big endian");
  assert.equal(peer.getAvailableBytes(), 0);
}


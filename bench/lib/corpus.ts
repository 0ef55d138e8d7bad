// A seeded corpus of ENet-like datagram bodies for the codec benchmarks: what a game
// server's datagrams carry after the ENet header — runs of SEND_RELIABLE /
// SEND_UNRELIABLE commands whose payloads are entity snapshots (ids, slowly drifting
// float32 positions, mostly-constant flags), short text RPCs and Godot-style variant
// integers, plus a few incompressible payloads (voice, encrypted blobs).
// The file format is what bench/peers/rangecoder_bench.c reads: [u32 LE length][bytes]...
import { readFileSync, writeFileSync } from "node:fs";
import { SeededRandom } from "../../src/util/prng.ts";
import { concatBytes } from "../../src/util/copy-bytes.ts";

const ENET_MTU_BODY = 1392 - 4;
const WORDS = ["player", "jump", "fire", "reload", "chat", "spawn", "door_open", "pickup", "health", "score", "team_red", "team_blue"];

export function enetLikeCorpus(records: number, seed = 0x5eed): Uint8Array[] {
  const rng = new SeededRandom(seed);
  const entities = 48;
  const px = new Float32Array(entities);
  const py = new Float32Array(entities);
  for (let i = 0; i < entities; i++) {
    px[i] = rng.nextInt(4000) - 2000;
    py[i] = rng.nextInt(4000) - 2000;
  }
  const text = new TextEncoder();
  const out: Uint8Array[] = [];
  let reliableSequence = 1;
  let unreliableSequence = 1;
  for (let r = 0; r < records; r++) {
    const target = 40 + rng.nextInt(ENET_MTU_BODY - 40);
    const buf = new Uint8Array(target + 64);
    const view = new DataView(buf.buffer);
    let pos = 0;
    while (pos < target) {
      const kind = rng.nextInt(100);
      // Command header: reliable (6 bytes) or unreliable (8 bytes), big-endian like ENet.
      const reliable = kind < 60;
      const headerAt = pos;
      buf[pos] = reliable ? 0x86 : 0x07;
      buf[pos + 1] = rng.nextInt(4) === 0 ? 1 : 0;
      view.setUint16(pos + 2, reliable ? reliableSequence++ & 0xffff : reliableSequence & 0xffff);
      pos += reliable ? 6 : 8;
      if (!reliable) view.setUint16(headerAt + 4, unreliableSequence++ & 0xffff);
      const payloadAt = pos;
      if (kind < 55) {
        // Entity snapshot: count, then per entity id, flags, x, y, rotation.
        const n = 1 + rng.nextInt(8);
        buf[pos++] = n;
        for (let i = 0; i < n && pos + 15 < buf.length; i++) {
          const e = rng.nextInt(entities);
          px[e] += (rng.nextInt(9) - 4) / 8;
          py[e] += (rng.nextInt(9) - 4) / 8;
          view.setUint16(pos, e, true);
          buf[pos + 2] = rng.nextInt(20) === 0 ? 3 : 1;
          view.setFloat32(pos + 3, px[e], true);
          view.setFloat32(pos + 7, py[e], true);
          view.setUint16(pos + 11, rng.nextInt(360), true);
          pos += 13;
        }
      } else if (kind < 80) {
        // Text RPC: a Godot variant header (type 4 = String), length, words.
        const words = 1 + rng.nextInt(5);
        let s = "";
        for (let i = 0; i < words; i++) s += (i ? " " : "") + WORDS[rng.nextInt(WORDS.length)] + (rng.nextInt(3) === 0 ? `_${rng.nextInt(64)}` : "");
        const bytes = text.encode(s);
        if (pos + 8 + bytes.length > buf.length) break;
        view.setUint32(pos, 4, true);
        view.setUint32(pos + 4, bytes.length, true);
        buf.set(bytes, pos + 8);
        pos += 8 + ((bytes.length + 3) & ~3);
      } else if (kind < 93) {
        // Variant integers (type 2 = INT): scores, ticks, small counters.
        const n = 1 + rng.nextInt(4);
        for (let i = 0; i < n && pos + 8 <= buf.length; i++) {
          view.setUint32(pos, 2, true);
          view.setInt32(pos + 4, rng.nextInt(4) === 0 ? rng.nextInt(1 << 20) : rng.nextInt(100), true);
          pos += 8;
        }
      } else {
        // Incompressible payload (voice frame, encrypted blob).
        const n = Math.min(buf.length - pos, 20 + rng.nextInt(160));
        for (let i = 0; i < n; i++) buf[pos + i] = rng.nextU32() & 0xff;
        pos += n;
      }
      view.setUint16(headerAt + (reliable ? 4 : 6), pos - payloadAt);
    }
    out.push(buf.slice(0, Math.min(pos, ENET_MTU_BODY)));
  }
  return out;
}

export function writeCorpusFile(path: string, records: readonly Uint8Array[]): number {
  let total = 0;
  for (const r of records) total += 4 + r.length;
  const file = new Uint8Array(total);
  const view = new DataView(file.buffer);
  let pos = 0;
  for (const r of records) {
    view.setUint32(pos, r.length, true);
    file.set(r, pos + 4);
    pos += 4 + r.length;
  }
  writeFileSync(path, file);
  return total;
}

export function readCorpusFile(path: string): Uint8Array[] {
  const file = new Uint8Array(readFileSync(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: Uint8Array[] = [];
  for (let pos = 0; pos + 4 <= file.length; ) {
    const len = view.getUint32(pos, true);
    records.push(file.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return records;
}

export function concatRecords(records: readonly Uint8Array[]): Uint8Array {
  return concatBytes(records);
}

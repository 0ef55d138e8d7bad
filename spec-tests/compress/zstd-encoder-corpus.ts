/**
 * Seeded, deterministic corpus for the zstd encoder tests and ratio benchmark.
 * Every input is generated from a fixed seed with 32-bit integer math, so the
 * bytes are identical on Node, Deno and Bun.
 */

/** Small xorshift32 generator; enough for test data, not for anything else. */
class Xorshift32 {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }
  int(bound: number): number {
    return this.next() % bound;
  }
}

const WORDS = (
  "the of and to in is was that for on with as by at from his her they which this be had not are but have " +
  "were one all their there been when who will more no if out so said what up its about into than them can " +
  "only other new some could time these two may then do first any my now such like our over man me even most " +
  "made after also did many before must through back years where much your way well down should because each " +
  "just those people how too little state good very make world still own see men work long get here between both " +
  "life being under never day same another know while last might us great old year off come since against go came " +
  "right used take three packet peer server client channel reliable unreliable sequence bandwidth throttle latency"
).split(" ");

export function textCorpus(size: number, seed = 1): Uint8Array {
  const rng = new Xorshift32(seed);
  const parts: string[] = [];
  let length = 0;
  let sentence = 0;
  while (length < size) {
    // Zipf-like word choice: low indexes far more often.
    const r = rng.int(1 << 16);
    const idx = Math.floor(((r * r) / (1 << 32)) * WORDS.length) % WORDS.length;
    let word = WORDS[idx];
    if (sentence === 0) word = word[0].toUpperCase() + word.slice(1);
    sentence++;
    const end = sentence > 6 && rng.int(8) === 0;
    const piece = word + (end ? (rng.int(5) === 0 ? ".\n" : ". ") : rng.int(12) === 0 ? ", " : " ");
    if (end) sentence = 0;
    parts.push(piece);
    length += piece.length;
  }
  return new TextEncoder().encode(parts.join("")).subarray(0, size);
}

export function jsonCorpus(size: number, seed = 2): Uint8Array {
  const rng = new Xorshift32(seed);
  const names = ["alice", "bob", "carol", "dave", "eve", "mallory", "trent", "peggy", "victor", "walter"];
  const items: string[] = [];
  let length = 2;
  for (let id = 0; length < size; id++) {
    const obj = {
      id,
      name: names[rng.int(names.length)] + String(rng.int(1000)),
      score: rng.int(100000),
      position: { x: (rng.int(20000) - 10000) / 100, y: (rng.int(20000) - 10000) / 100 },
      alive: rng.int(4) !== 0,
      inventory: Array.from({ length: rng.int(5) }, () => ({ item: rng.int(64), count: 1 + rng.int(20) })),
    };
    const s = JSON.stringify(obj);
    items.push(s);
    length += s.length + 1;
  }
  return new TextEncoder().encode("[" + items.join(",") + "]").subarray(0, size);
}

/** Snapshots of game entities: small integer fields, slowly drifting floats, mostly-constant flags. */
export function gameStateCorpus(size: number, seed = 3): Uint8Array {
  const rng = new Xorshift32(seed);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const entities = 64;
  const px = new Float32Array(entities);
  const py = new Float32Array(entities);
  for (let i = 0; i < entities; i++) {
    px[i] = rng.int(2000);
    py[i] = rng.int(2000);
  }
  let pos = 0;
  for (let tick = 0; pos + 8 <= size; tick++) {
    view.setUint32(pos, tick, true);
    view.setUint16(pos + 4, entities, true);
    view.setUint16(pos + 6, 0xabcd, true);
    pos += 8;
    for (let e = 0; e < entities && pos + 24 <= size; e++) {
      px[e] += (rng.int(9) - 4) / 4;
      py[e] += (rng.int(9) - 4) / 4;
      view.setUint16(pos, e, true);
      out[pos + 2] = rng.int(16) === 0 ? 1 : 0;
      out[pos + 3] = 100 - (e % 7);
      view.setFloat32(pos + 4, px[e], true);
      view.setFloat32(pos + 8, py[e], true);
      view.setFloat32(pos + 12, 0, true);
      view.setUint32(pos + 16, (e * 2654435761) >>> 0, true);
      view.setUint16(pos + 20, rng.int(360), true);
      view.setUint16(pos + 22, 0, true);
      pos += 24;
    }
  }
  return out;
}

export function randomBytes(size: number, seed = 4): Uint8Array {
  const rng = new Xorshift32(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.next() & 0xff;
  return out;
}

/** A short pattern repeated with occasional single-byte edits. */
export function repetitiveCorpus(size: number, seed = 5): Uint8Array {
  const rng = new Xorshift32(seed);
  const pattern = new TextEncoder().encode("ENet packet header, channel 0, reliable; ");
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = pattern[i % pattern.length];
  for (let i = 0; i < size / 1000; i++) out[rng.int(size)] = rng.int(256);
  return out;
}

/** Mixed content: concatenated slices of all the kinds above. */
export function mixedCorpus(size: number, seed = 6): Uint8Array {
  const out = new Uint8Array(size);
  const makers = [textCorpus, jsonCorpus, gameStateCorpus, randomBytes, repetitiveCorpus];
  let pos = 0;
  for (let i = 0; pos < size; i++) {
    const chunk = Math.min(size - pos, 16384 + ((i * 7919) % 65536));
    out.set(makers[i % makers.length](chunk, seed + i), pos);
    pos += chunk;
  }
  return out;
}

export interface CorpusEntry {
  name: string;
  data: Uint8Array;
}

export function zstdTestCorpus(): CorpusEntry[] {
  return [
    { name: "empty", data: new Uint8Array(0) },
    { name: "one byte", data: new Uint8Array([0x42]) },
    { name: "zeros 100 KiB", data: new Uint8Array(100 * 1024) },
    { name: "random 64 KiB", data: randomBytes(64 * 1024) },
    { name: "text 200 KiB", data: textCorpus(200 * 1024) },
    { name: "JSON 300 KiB", data: jsonCorpus(300 * 1024) },
    { name: "game state 200 KiB", data: gameStateCorpus(200 * 1024) },
    { name: "mixed 1 MiB", data: mixedCorpus(1024 * 1024) },
    { name: "text 400 KiB (multi-block)", data: textCorpus(400 * 1024, 9) },
    { name: "repetitive 300 KiB", data: repetitiveCorpus(300 * 1024) },
    { name: "small datagram 120 B", data: jsonCorpus(120, 11) },
  ];
}

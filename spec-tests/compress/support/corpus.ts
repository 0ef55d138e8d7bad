// Seeded input generators shared by the codec tests: random bytes, text, zeros,
// repeated patterns and ENet-like command streams (what the range coder sees per datagram).
import { SeededRandom } from "../../../src/util/prng.ts";

export type CorpusKind = "random" | "text" | "zeros" | "pattern" | "enet";
export const CORPUS_KINDS: readonly CorpusKind[] = ["random", "text", "zeros", "pattern", "enet"];

const WORDS = (
  "the player entity position velocity rotation health ammo score team spawn node scene " +
  "packet peer server client lobby ready chat hello world godot enet frame tick input state " +
  "{ } [ ] : , 0 1 2 3 42 100 true false null \"name\" \"id\" \"x\" \"y\""
).split(" ");

export function randomBytes(rng: SeededRandom, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

export function text(rng: SeededRandom, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let i = 0;
  while (i < length) {
    const word = WORDS[rng.nextInt(WORDS.length)]!;
    for (let k = 0; k < word.length && i < length; k++) out[i++] = word.charCodeAt(k);
    if (i < length) out[i++] = rng.chance(0.1) ? 10 : 32;
  }
  return out;
}

export function pattern(rng: SeededRandom, length: number): Uint8Array {
  const period = 1 + rng.nextInt(24);
  const unit = randomBytes(rng, period);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.chance(0.02) ? rng.nextU32() & 0xff : unit[i % period]!;
  return out;
}

/** A plausible ENet datagram body: acknowledgements, pings, reliable/unreliable sends. */
export function enetCommands(rng: SeededRandom, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let i = 0;
  let reliable = rng.nextInt(65536);
  let unreliable = rng.nextInt(65536);
  const put8 = (v: number) => {
    if (i < length) out[i++] = v & 0xff;
  };
  const put16 = (v: number) => {
    put8(v >>> 8);
    put8(v);
  };
  while (i < length) {
    const channel = rng.nextInt(4);
    const kind = rng.nextInt(10);
    if (kind < 3) {
      put8(0x01); // ACKNOWLEDGE
      put8(channel);
      put16(reliable);
      put16(reliable - rng.nextInt(4));
      put16(rng.nextInt(65536));
    } else if (kind < 4) {
      put8(0x85); // PING | ACKNOWLEDGE flag
      put8(0xff);
      put16(reliable++);
    } else {
      const isReliable = kind < 7;
      put8(isReliable ? 0x86 : 0x07);
      put8(channel);
      put16(isReliable ? reliable++ : reliable);
      if (!isReliable) put16(unreliable++);
      const size = 4 + rng.nextInt(60);
      put16(size);
      // Godot-ish payload: a small header then little-endian floats and ints.
      for (let k = 0; k < size && i < length; k += 4) {
        if (i + 4 <= length && rng.chance(0.6)) {
          view.setFloat32(i, (rng.nextFloat() - 0.5) * 200, true);
          i += 4;
        } else {
          put8(rng.nextInt(8));
          put8(0);
          put8(0);
          put8(0);
        }
      }
    }
  }
  return out;
}

export function generate(kind: CorpusKind, rng: SeededRandom, length: number): Uint8Array {
  switch (kind) {
    case "random":
      return randomBytes(rng, length);
    case "text":
      return text(rng, length);
    case "zeros":
      return new Uint8Array(length);
    case "pattern":
      return pattern(rng, length);
    case "enet":
      return enetCommands(rng, length);
  }
}

/** Lengths skewed towards small datagrams but covering 0..max. */
export function corpusLength(rng: SeededRandom, max: number): number {
  const r = rng.nextFloat();
  if (r < 0.15) return rng.nextInt(17);
  if (r < 0.6) return rng.nextInt(Math.min(max, 1400) + 1);
  return rng.nextInt(max + 1);
}

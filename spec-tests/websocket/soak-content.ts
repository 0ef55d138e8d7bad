// What a soak message holds, drawn from a few numbers so that both ends can make it: the python
// peer (peers/py_soak_peer.py) builds the same bytes from the same description, and the two must
// agree byte for byte (a difference fails every seed at once, so it cannot hide).
//  - The byte stream of a seed is SHA-512("<seed>:0") || SHA-512("<seed>:1") || ... : hashing is
//    native in both languages, so even 4 MiB takes Python well under a second.
//  - Text picks one character per stream byte from a 256-entry table of 1-, 2-, 3- and 4-byte
//    UTF-8 characters, and ends on exactly the drawn byte length (a character that would overrun
//    it becomes an ASCII one).
//  - A message with a period repeats its first `period` bytes (text: a text of that many bytes),
//    then ends with a fresh piece: repetition is what LZ77 windows and context takeover are for.
import { createHash } from "node:crypto";

export interface SoakContentSpec {
  text: boolean;
  /** Bytes (UTF-8 bytes for text). */
  size: number;
  /** 32-bit seed of the stream. */
  seed: number;
  /** 0 or >= size: no repetition. */
  period: number;
}

function stream(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, at = 0; at < n; i++) {
    const block = createHash("sha512").update(`${seed}:${i}`).digest();
    out.set(block.subarray(0, Math.min(block.length, n - at)), at);
    at += block.length;
  }
  return out;
}

/** The UTF-8 bytes of the character stream byte `b` stands for. */
const TOKENS: Uint8Array[] = Array.from({ length: 256 }, (_, b) => {
  const codePoint =
    b < 128 ? 0x20 + (b % 95) : b < 176 ? 0x100 + (b - 128) * 13 : b < 224 ? 0x4e00 + (b - 176) * 97 : 0x1f600 + (b - 224);
  return new TextEncoder().encode(String.fromCodePoint(codePoint));
});

function textExact(seed: number, n: number): Uint8Array {
  const s = stream(seed, n);
  const out = new Uint8Array(n);
  let at = 0;
  for (let j = 0; at < n; j++) {
    const b = s[j]!;
    const token = TOKENS[b]!;
    if (token.length <= n - at) {
      out.set(token, at);
      at += token.length;
    } else {
      out[at++] = 0x20 + (b % 95);
    }
  }
  return out;
}

function base(text: boolean, n: number, seed: number): Uint8Array {
  return text ? textExact(seed, n) : stream(seed, n);
}

/** The bytes of a message (UTF-8 for text). */
export function soakContent(spec: SoakContentSpec): Uint8Array {
  const { text, size, seed, period } = spec;
  if (period === 0 || period >= size) return base(text, size, seed);
  const out = new Uint8Array(size);
  const unit = base(text, period, seed);
  const reps = Math.floor(size / period);
  for (let r = 0; r < reps; r++) out.set(unit, r * period);
  out.set(base(text, size - reps * period, seed + 1), reps * period);
  return out;
}

/** A text of exactly `bytes` UTF-8 bytes, multi-byte characters included (close reasons). */
export function soakText(seed: number, bytes: number): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(textExact(seed, bytes));
}

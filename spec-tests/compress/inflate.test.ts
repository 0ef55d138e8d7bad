// The bounded DEFLATE decoder used for ENet ZLIB datagrams, against the system zlib (through
// /usr/bin/python3): same output or same rejection for valid, corrupt, truncated and random streams.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CompressionMode, createCompressor } from "../../src/index.ts";
import { deflateRawCompress, zlibCompress } from "../../src/compress/deflate.ts";
import { BoundedInflater, INFLATE_CORRUPT, INFLATE_TOO_LARGE } from "../../src/compress/inflate-bounded.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { CORPUS_KINDS, generate } from "./support/corpus.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./support/zlib_reference.py", import.meta.url));
const pythonMissing = existsSync(PYTHON) ? null : `${PYTHON} not found`;

function zlibReference(inputs: readonly Uint8Array[]): Array<Uint8Array | null> {
  const size = inputs.reduce((n, x) => n + 4 + x.length, 0);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  let pos = 0;
  for (const x of inputs) {
    view.setUint32(pos, x.length, true);
    buf.set(x, pos + 4);
    pos += 4 + x.length;
  }
  const r = spawnSync(PYTHON, [SCRIPT], { input: buf, maxBuffer: 1 << 28, timeout: 60_000 });
  assert.equal(r.status, 0, String(r.stderr));
  const out = new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
  const outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const results: Array<Uint8Array | null> = [];
  pos = 0;
  for (let i = 0; i < inputs.length; i++) {
    const n = outView.getInt32(pos, true);
    pos += 4;
    if (n < 0) results.push(null);
    else {
      results.push(out.subarray(pos, pos + n));
      pos += n;
    }
  }
  return results;
}

describe("bounded inflater vs system zlib", { skip: pythonMissing ?? false }, () => {
  test("agrees on 6,000 valid, corrupt, truncated and random raw deflate streams", () => {
    const rng = new SeededRandom(0x1f1a7e);
    const sources: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) sources.push(generate(CORPUS_KINDS[i % CORPUS_KINDS.length]!, rng, rng.nextInt(5000)));
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 6000; i++) {
      const z = deflateRawCompress(sources[rng.nextInt(sources.length)]!, i % 10).slice();
      switch (rng.nextInt(5)) {
        case 0:
          inputs.push(z);
          break;
        case 1:
          for (let f = 0; f <= rng.nextInt(4); f++) z[rng.nextInt(z.length)] ^= 1 << rng.nextInt(8);
          inputs.push(z);
          break;
        case 2:
          for (let f = 0; f < z.length; f++) if (rng.chance(0.01)) z[f] = rng.nextU32() & 0xff;
          inputs.push(z);
          break;
        case 3:
          inputs.push(z.subarray(0, rng.nextInt(z.length)));
          break;
        default:
          inputs.push(generate("random", rng, rng.nextInt(400)));
      }
    }
    const expected = zlibReference(inputs);
    const inflater = new BoundedInflater();
    const out = new Uint8Array(10_000);
    let accepted = 0;
    for (let i = 0; i < inputs.length; i++) {
      const n = inflater.inflate(inputs[i]!, 0, inputs[i]!.length, out, out.length);
      if (expected[i] === null) assert.ok(n < 0, `case ${i}: zlib rejects, we produced ${n} bytes`);
      else {
        assert.deepEqual(out.subarray(0, Math.max(n, 0)), expected[i], `case ${i}`);
        assert.equal(n, expected[i]!.length);
        accepted++;
      }
    }
    assert.ok(accepted > 1500 && accepted < 5000, `${accepted} accepted`);
  });
});

describe("bounded inflater limits", () => {
  test("stops at the limit: a bomb is refused after at most `limit` bytes of work", () => {
    const bomb = deflateRawCompress(new Uint8Array(4 << 20), 9);
    const inflater = new BoundedInflater();
    const out = new Uint8Array(4092);
    assert.equal(inflater.inflate(bomb, 0, bomb.length, out, 4092), INFLATE_TOO_LARGE);
    // A prefix is enough to pass the limit: the rest of the input is never looked at.
    assert.equal(inflater.inflate(bomb, 0, 200, out, 4092), INFLATE_TOO_LARGE);
    assert.equal(inflater.inflate(Uint8Array.from([0xff]), 0, 1, out, 4092), INFLATE_CORRUPT);
    const exact = deflateRawCompress(new Uint8Array(4092).fill(7));
    assert.equal(inflater.inflate(exact, 0, exact.length, out, 4092), 4092);
    assert.equal(inflater.inflate(exact, 0, exact.length, out, 4091), INFLATE_TOO_LARGE);
  });

  test("the ENet ZLIB compressor reads the Adler-32 trailer right after the stream, as zlib does", () => {
    const data = generate("text", new SeededRandom(8), 900);
    const z = zlibCompress(data);
    const withTail = new Uint8Array(z.length + 3);
    withTail.set(z);
    const c = createCompressor(CompressionMode.ZLIB)!;
    assert.deepEqual(c.decompress(withTail, 4092), data);
    const badAdler = z.slice();
    badAdler[z.length - 2] ^= 4;
    assert.equal(c.decompress(badAdler, 4092), null);
    assert.equal(c.decompress(z.subarray(0, z.length - 1), 4092), null);
  });
});

// ByteQueue: reads of any size across chunks, views that stay valid, and the coalescing of small
// chunks that keeps a trickling peer's bytes from costing an array object each.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ByteQueue } from "../../src/util/byte-queue.ts";
import { SeededRandom } from "../../src/util/prng.ts";

function bytes(from: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
}

describe("ByteQueue", () => {
  test("random pushes and reads agree with a flat model, and every view handed out keeps its bytes", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new SeededRandom(seed);
      const q = new ByteQueue();
      let model: number[] = [];
      let counter = 0;
      const handedOut: Array<{ view: Uint8Array; expected: number[] }> = [];
      for (let step = 0; step < 3000; step++) {
        const op = rng.nextU32() % 6;
        if (op <= 2) {
          // Mostly tiny chunks, so the queue coalesces; now and then a large one.
          const n = rng.nextU32() % 10 === 0 ? rng.nextU32() % 5000 : rng.nextU32() % 4;
          const chunk = bytes(counter, n);
          counter += n;
          q.push(chunk);
          model.push(...chunk);
        } else if (op === 3 && model.length > 0) {
          const n = rng.nextU32() % (model.length + 1);
          const view = q.read(n);
          assert.deepEqual([...view], model.slice(0, n));
          handedOut.push({ view, expected: model.slice(0, n) });
          model = model.slice(n);
        } else if (op === 4 && model.length > 0) {
          const n = rng.nextU32() % (model.length + 1);
          const skip = rng.nextU32() % (model.length - n + 1);
          const out = new Uint8Array(n);
          q.peekInto(out, n, 0, skip);
          assert.deepEqual([...out], model.slice(skip, skip + n));
          const dropped = rng.nextU32() % (model.length + 1);
          q.discard(dropped);
          model = model.slice(dropped);
        } else if (op === 5) {
          const view = q.readChunk();
          assert.deepEqual([...view], model.slice(0, view.length));
          assert.equal(view.length > 0, model.length > 0);
          handedOut.push({ view, expected: model.slice(0, view.length) });
          model = model.slice(view.length);
        }
        assert.equal(q.length, model.length, `seed ${seed} step ${step}`);
      }
      for (const { view, expected } of handedOut) assert.deepEqual([...view], expected, `seed ${seed}: a view changed after later pushes`);
    }
  });

  test("100,000 one-byte chunks queued cost 41 array objects, not 100,000", () => {
    const q = new ByteQueue();
    for (let i = 0; i < 100_000; i++) q.push(Uint8Array.of(i & 0xff));
    // 16 kept as they came, then one view per 4 KiB tail buffer: 16 + ceil(99,984 / 4096).
    assert.equal(q.chunkCount, 41);
    assert.equal(q.length, 100_000);
    const all = q.read(100_000);
    for (let i = 0; i < 100_000; i++) if (all[i] !== (i & 0xff)) assert.fail(`byte ${i}`);
    assert.equal(q.chunkCount, 0);
  });

  test("a reader that keeps up gets views of the chunks it pushed, never copies", () => {
    const q = new ByteQueue();
    for (let i = 0; i < 100; i++) {
      const chunk = bytes(i, 3);
      q.push(chunk);
      const view = q.readChunk();
      assert.equal(view.buffer, chunk.buffer);
      assert.deepEqual(view, chunk);
    }
    // Larger chunks are never copied, however many are queued.
    const big = Array.from({ length: 40 }, (_, i) => bytes(i, 257));
    for (const c of big) q.push(c);
    assert.equal(q.chunkCount, 40);
    for (const c of big) assert.equal(q.readChunk().buffer, c.buffer);
  });
});

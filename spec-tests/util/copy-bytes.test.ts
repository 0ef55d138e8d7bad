import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyBytes } from "../../src/util/copy-bytes.ts";

describe("copyBytes", () => {
  // A Buffer from Node's pool is a view at an offset into a shared 8 KiB ArrayBuffer.
  const pooled = typeof Buffer === "function" ? Buffer.from([9, 1, 2, 3, 4, 5]) : new Uint8Array([9, 1, 2, 3, 4, 5]);

  test("a whole-array copy is a plain Uint8Array with an ArrayBuffer of its own, exactly its size", () => {
    const copy = copyBytes(pooled);
    assert.equal(copy.constructor, Uint8Array);
    assert.deepEqual([...copy], [9, 1, 2, 3, 4, 5]);
    assert.equal(copy.byteOffset, 0);
    assert.equal(copy.buffer.byteLength, 6);
    assert.notEqual(copy.buffer, pooled.buffer);
    pooled[0] = 77;
    assert.equal(copy[0], 9, "later writes to the source do not show in the copy");
    pooled[0] = 9;
  });

  test("a range copy holds exactly that range, clamped to the source", () => {
    const copy = copyBytes(pooled, 2, 4);
    assert.deepEqual([...copy], [2, 3]);
    assert.equal(copy.buffer.byteLength, 2);
    assert.deepEqual([...copyBytes(pooled, 4, 100)], [4, 5]);
    assert.equal(copyBytes(pooled, 5, 2).length, 0);
    assert.equal(copyBytes(new Uint8Array(0)).length, 0);
  });
});

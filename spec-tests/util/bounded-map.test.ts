import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BoundedMap } from "../../src/util/bounded-map.ts";

describe("BoundedMap", () => {
  test("keeps at most `capacity` entries and forgets the oldest insertion first", () => {
    const m = new BoundedMap<string, number>(3);
    for (const [i, k] of ["a", "b", "c", "d"].entries()) m.set(k, i);
    assert.equal(m.size, 3);
    assert.equal(m.has("a"), false);
    assert.deepEqual(["b", "c", "d"].map((k) => m.get(k)), [1, 2, 3]);
  });

  test("setting a key again makes it the newest; deleting leaves room without disturbing the order", () => {
    const m = new BoundedMap<string, number>(3);
    m.set("a", 1);
    m.set("b", 2);
    m.set("c", 3);
    m.set("a", 10); // now b is the oldest
    m.set("d", 4);
    assert.equal(m.has("b"), false);
    assert.equal(m.get("a"), 10);
    assert.equal(m.delete("c"), true);
    assert.equal(m.delete("c"), false);
    assert.equal(m.size, 2);
    m.set("e", 5);
    m.set("f", 6); // the ring wraps past a's old slot and c's vacated one
    assert.equal(m.size, 3);
    assert.deepEqual(["a", "d", "e", "f"].map((k) => m.get(k)), [undefined, 4, 5, 6]);
  });

  test("many insertions and deletions stay within capacity and agree with a reference", () => {
    const capacity = 64;
    const m = new BoundedMap<number, number>(capacity);
    const order: number[] = []; // reference: keys oldest first
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let i = 0; i < 20_000; i++) {
      const key = rnd(200);
      if (rnd(4) === 0) {
        const at = order.indexOf(key);
        assert.equal(m.delete(key), at >= 0);
        if (at >= 0) order.splice(at, 1);
      } else {
        const at = order.indexOf(key);
        if (at >= 0) order.splice(at, 1);
        order.push(key);
        m.set(key, i);
      }
      // Exactly the reference's newest `capacity` keys, whatever positions deletes and moves vacated.
      if (order.length > capacity) order.splice(0, order.length - capacity);
      assert.equal(m.size, order.length);
    }
    for (let k = 0; k < 200; k++) assert.equal(m.has(k), order.includes(k), `key ${k}`);
    for (const k of order) assert.ok(m.get(k) !== undefined);
  });

  test("dropOldestWhile forgets stale entries from the oldest on and stops at the first fresh one", () => {
    const m = new BoundedMap<string, number>(4);
    m.set("a", 1);
    m.set("b", 2);
    m.set("c", 9);
    m.set("d", 3); // older value, newer insertion: kept, the walk stops at c
    m.dropOldestWhile((v) => v < 5);
    assert.deepEqual(["a", "b", "c", "d"].map((k) => m.has(k)), [false, false, true, true]);
    assert.equal(m.size, 2);
    for (const k of ["e", "f", "g"]) m.set(k, 0); // room again for two, then c (the oldest) goes
    assert.deepEqual(["c", "d", "e", "f", "g"].map((k) => m.has(k)), [false, true, true, true, true]);
    m.dropOldestWhile(() => true);
    assert.equal(m.size, 0);
    m.set("h", 1);
    assert.equal(m.get("h"), 1);
  });

  test("positions vacated by moves and deletes never cost a live entry its place", () => {
    const m = new BoundedMap<string, number>(4);
    for (const k of ["a", "b", "c"]) m.set(k, 0);
    // Many moves of one key: the ring fills with vacated positions and is compacted.
    for (let i = 0; i < 100; i++) m.set("c", i);
    m.set("d", 1);
    assert.deepEqual(["a", "b", "c", "d"].map((k) => m.has(k)), [true, true, true, true]);
    assert.equal(m.get("c"), 99);
    m.set("e", 2); // now full: the oldest live entry goes
    assert.deepEqual(["a", "b", "c", "d", "e"].map((k) => m.has(k)), [false, true, true, true, true]);
  });

  test("capacity is a checked argument", () => {
    assert.throws(() => new BoundedMap(0), RangeError);
    assert.throws(() => new BoundedMap(1.5), RangeError);
  });
});

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
      // The ring may hold vacated positions, so it can forget more than the reference would: never fewer.
      assert.ok(m.size <= capacity);
      for (const k of order.slice(-1)) assert.ok(m.has(k));
    }
    for (let k = 0; k < 200; k++) if (m.has(k)) assert.ok(order.includes(k), `${k} was deleted or never set`);
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

  test("capacity is a checked argument", () => {
    assert.throws(() => new BoundedMap(0), RangeError);
    assert.throws(() => new BoundedMap(1.5), RangeError);
  });
});

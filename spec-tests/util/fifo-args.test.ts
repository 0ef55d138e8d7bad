import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Fifo } from "../../src/util/fifo.ts";
import { checkBool, checkBytes, checkInt, checkInt64, checkNumber, checkOneOf, checkString } from "../../src/util/args.ts";

describe("Fifo", () => {
  test("keeps order across growth and wrap-around", () => {
    const q = new Fifo<number>(4);
    const expected: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the ring wraps several times while growing.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3 + (round % 7); i++) {
        q.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < 2 + (round % 5) && expected.length > 0; i++) assert.equal(q.shift(), expected.shift());
      assert.equal(q.length, expected.length);
      assert.equal(q.peek(), expected[0]);
      assert.deepEqual([...q], expected);
      assert.equal(q.at(expected.length - 1), expected[expected.length - 1]);
    }
    assert.equal(q.at(-1), undefined);
    assert.equal(q.at(q.length), undefined);
  });

  test("empty queue answers undefined and clear empties it", () => {
    const q = new Fifo<string>();
    assert.equal(q.shift(), undefined);
    assert.equal(q.peek(), undefined);
    assert.ok(q.isEmpty());
    q.push("a");
    q.push("b");
    q.clear();
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
    q.push("c");
    assert.equal(q.shift(), "c");
  });

  test("one item at a time (kept without a ring), then a second while the first waits: same answers, same order", () => {
    const q = new Fifo<string>(8);
    for (const item of ["a", "b", "c"]) {
      q.push(item);
      assert.equal(q.length, 1);
      assert.equal(q.peek(), item);
      assert.equal(q.at(0), item);
      assert.equal(q.at(1), undefined);
      assert.deepEqual([...q], [item]);
      assert.equal(q.shift(), item);
      assert.equal(q.shift(), undefined);
      assert.ok(q.isEmpty());
    }
    q.push("x");
    q.clear();
    assert.equal(q.peek(), undefined);
    assert.deepEqual([...q], []);
    q.push("d");
    q.push("e");
    q.push("f");
    assert.deepEqual([...q], ["d", "e", "f"]);
    assert.equal(q.at(2), "f");
    assert.equal(q.shift(), "d");
    for (let i = 0; i < 20; i++) q.push(String(i));
    assert.deepEqual([...q], ["e", "f", ...Array.from({ length: 20 }, (_, i) => String(i))]);
  });

  test("queues that never held an item share no storage: filling one leaves a fresh one empty", () => {
    const untouched = new Fifo<number>(4);
    assert.deepEqual([...untouched], []);
    untouched.clear();
    assert.equal(untouched.at(0), undefined);
    const used = new Fifo<number>(4);
    for (let i = 0; i < 9; i++) used.push(i);
    const fresh = new Fifo<number>(4);
    assert.equal(fresh.length, 0);
    assert.equal(fresh.peek(), undefined);
    assert.deepEqual([...fresh], []);
    fresh.push(42);
    assert.deepEqual([...fresh], [42]);
    assert.deepEqual([...used], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("argument checks", () => {
  test("integers: TypeError for the wrong kind, RangeError outside the range, naming argument and range", () => {
    assert.throws(() => checkInt("3", "channels", 1, 255), { name: "TypeError", message: /channels must be an integer in 1\.\.255/ });
    assert.throws(() => checkInt(1.5, "channels", 1, 255), TypeError);
    assert.throws(() => checkInt(0, "channels", 1, 255), { name: "RangeError", message: /channels must be in 1\.\.255, got 0/ });
    checkInt(255, "channels", 1, 255);
  });

  test("64-bit integers accept bigint and safe numbers", () => {
    assert.equal(checkInt64(5, "id", 0n, 10n), 5n);
    assert.equal(checkInt64(2n ** 62n, "id", 0n, 2n ** 63n - 1n), 2n ** 62n);
    assert.throws(() => checkInt64(2 ** 60, "id", 0n, 2n ** 63n), RangeError);
    assert.throws(() => checkInt64(11n, "id", 0n, 10n), RangeError);
    assert.throws(() => checkInt64("1", "id", 0n, 10n), TypeError);
  });

  test("numbers, booleans, strings, bytes, enums", () => {
    assert.throws(() => checkNumber(Number.NaN, "timeout"), TypeError);
    assert.throws(() => checkNumber(Infinity, "timeout"), RangeError);
    assert.throws(() => checkNumber(-1, "timeout", 0), { name: "RangeError", message: /timeout must be a finite number in 0\.\.Infinity/ });
    checkNumber(0.5, "timeout", 0, 1);
    assert.throws(() => checkBool(1, "enabled"), { name: "TypeError", message: /enabled must be a boolean, got 1/ });
    assert.throws(() => checkString(3, "host"), TypeError);
    assert.throws(() => checkString("", "host", { nonEmpty: true }), RangeError);
    assert.throws(() => checkBytes([1, 2], "packet"), { name: "TypeError", message: /packet must be a Uint8Array, got an array/ });
    assert.throws(() => checkBytes(new Uint8Array(5), "packet", 4), RangeError);
    assert.throws(() => checkOneOf("godot5", "protocol", ["godot4", "godot3"] as const), { name: "RangeError", message: /"godot4", "godot3"/ });
    checkOneOf("godot3", "protocol", ["godot4", "godot3"] as const);
  });
});

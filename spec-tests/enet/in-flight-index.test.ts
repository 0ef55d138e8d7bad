import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { OutgoingCommand } from "../../src/enet/commands.ts";
import { InFlightIndex } from "../../src/enet/in-flight-index.ts";

function command(channelID: number, seq: number): OutgoingCommand {
  const c = new OutgoingCommand(0x86, channelID, null, 0, 0);
  c.reliableSequenceNumber = seq;
  return c;
}

describe("InFlightIndex (sent reliable commands by channel and sequence number)", () => {
  test("finds each command under its own channel and sequence number, and nothing else", () => {
    const index = new InFlightIndex();
    const a = command(0, 5);
    const b = command(1, 5);
    const c = command(255, 5);
    index.set(a);
    index.set(b);
    index.set(c);
    assert.equal(index.size, 3);
    assert.equal(index.get(0, 5), a);
    assert.equal(index.get(1, 5), b);
    assert.equal(index.get(255, 5), c);
    assert.equal(index.get(0, 6), undefined);
    assert.equal(index.get(2, 5), undefined);
    assert.equal(index.get(0, 5 + 64), undefined, "same slot, different sequence number");
    assert.equal(index.delete(0, 5 + 64), undefined, "deleting an absent key returns nothing");
    assert.equal(index.get(0, 5), a, "deleting an absent key leaves the slot's occupant");
    assert.equal(index.size, 3);
    assert.equal(index.delete(1, 5), b, "delete returns the command it removed");
    assert.equal(index.get(1, 5), undefined);
    assert.equal(index.size, 2);
  });

  test("sequence numbers that share a slot widen the table instead of replacing each other", () => {
    const index = new InFlightIndex();
    const seqs = [0, 64, 128, 4096, 65535, 32768, 1, 65];
    const cmds = seqs.map((s) => command(3, s));
    for (const c of cmds) index.set(c);
    assert.equal(index.size, seqs.length);
    for (const c of cmds) assert.equal(index.get(3, c.reliableSequenceNumber), c);
    for (const c of cmds.slice(0, 4)) index.delete(3, c.reliableSequenceNumber);
    assert.equal(index.size, 4);
    for (const c of cmds.slice(0, 4)) assert.equal(index.get(3, c.reliableSequenceNumber), undefined);
    for (const c of cmds.slice(4)) assert.equal(index.get(3, c.reliableSequenceNumber), c);
  });

  test("a span of sequence numbers across the 16-bit wrap, acknowledged in order and out of order", () => {
    const index = new InFlightIndex();
    const live = new Map<number, OutgoingCommand>();
    let next = 65000;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 97; i++) {
        const c = command(0, next);
        next = (next + 1) & 0xffff;
        index.set(c);
        live.set(c.reliableSequenceNumber, c);
      }
      const keys = [...live.keys()];
      for (let i = 0; i < keys.length; i += round % 3 === 0 ? 1 : 2) {
        index.delete(0, keys[i]!);
        live.delete(keys[i]!);
      }
      assert.equal(index.size, live.size);
      for (const [seq, c] of live) assert.equal(index.get(0, seq), c);
    }
  });

  test("setting the same key again replaces the entry without counting it twice; clear() forgets everything", () => {
    const index = new InFlightIndex();
    const a = command(0, 9);
    index.set(a);
    index.set(a);
    assert.equal(index.size, 1);
    const again = command(0, 9);
    index.set(again);
    assert.equal(index.size, 1);
    assert.equal(index.get(0, 9), again);
    index.clear();
    assert.equal(index.size, 0);
    assert.equal(index.get(0, 9), undefined);
    index.delete(0, 9);
    assert.equal(index.size, 0);
  });
});

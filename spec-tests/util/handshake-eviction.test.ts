// evictionCandidate: of the address holding the most entries, its oldest; none from an empty table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { evictionCandidate } from "../../src/util/handshake-eviction.ts";

interface Entry {
  address: string;
  since: number;
}
const pick = (entries: Entry[]): Entry | undefined => evictionCandidate(entries, (e) => e.address, (e) => e.since);

test("evicts the oldest entry of the address holding the most, whatever the other addresses' ages", () => {
  const slowHonest = { address: "10.0.0.2", since: 1 };
  const flood = [5, 3, 9, 4].map((since) => ({ address: "10.9.9.9", since }));
  assert.equal(pick([slowHonest, ...flood]), flood[1]);
});

test("one entry per address: the oldest of all goes; addresses tied for the most give up their oldest; an empty table gives none", () => {
  const a = { address: "a", since: 30 };
  const b = { address: "b", since: 10 };
  const c = { address: "c", since: 20 };
  assert.equal(pick([a, b, c]), b);
  const a2 = { address: "a", since: 40 };
  const c2 = { address: "c", since: 5 };
  assert.equal(pick([a, b, c, a2, c2]), c2, "a and c hold two each; c's oldest is the oldest of theirs; b holds fewer");
  assert.equal(pick([]), undefined);
});

// A seeded slice of the random-link sweep (link-sweep.ts); `npm run sweep:enet` runs it long.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { describeCase, drawCase, runCase } from "./link-sweep.ts";

const SEEDS = 30;

describe("ENet delivery rules over random links (simulated network, virtual clock)", () => {
  test(`${SEEDS} random links, compressions and traffic mixes: reliable exactly once in order, sequenced never backwards, unsequenced never twice, nothing corrupt, everything acknowledged in the end`, () => {
    const failed: string[] = [];
    let lossy = 0;
    let capped = 0;
    let owned = 0;
    const compressions = new Set<string>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = drawCase(seed);
      if (c.link.loss! >= 0.3) lossy++;
      if (c.link.bytesPerMs! > 0) capped++;
      if (c.link.ownedDelivery) owned++;
      compressions.add(`${c.hosts.compression}/${c.hosts.checksum}`);
      const outcome = runCase(c);
      if (outcome.problems.length > 0) failed.push(`${describeCase(c)}: ${outcome.problems.join("; ")}`);
    }
    assert.deepEqual(failed, []);
    // If drawCase changes, the slice must still cover the hard links (every case sends fragments by construction).
    assert.ok(lossy >= 6, `${lossy} of ${SEEDS} links lose 30 % or more`);
    assert.ok(capped >= 4, `${capped} of ${SEEDS} links have a bandwidth cap`);
    assert.ok(owned >= 8 && owned <= SEEDS - 8, `${owned} of ${SEEDS} links hand datagrams over owned`);
    assert.ok(compressions.size >= 8, `${compressions.size} of the 10 compression and checksum pairs: ${[...compressions].join(", ")}`);
  });
});

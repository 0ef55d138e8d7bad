// A seeded slice of the ENet-over-DTLS link sweep (link-sweep.ts; `npm run sweep:dtls` runs many
// seeds). Seed 176 loses the server's Finished three times: the client's handshake times out, it
// starts over from the same address and port, and the server must take the new handshake.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeDtlsCase, drawDtlsCase, runDtlsCase } from "./link-sweep.ts";

for (const seed of [...Array.from({ length: 30 }, (_, i) => 1 + i), 176]) {
  test(`DTLS link sweep seed ${seed}`, async () => {
    const outcome = await runDtlsCase(drawDtlsCase(seed));
    assert.deepEqual(outcome.problems, [], describeDtlsCase(outcome.case));
  });
}

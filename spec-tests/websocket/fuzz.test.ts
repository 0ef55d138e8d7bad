// A seeded slice of the WebSocket hostile-input fuzzing (fuzz-engine.ts) on every run: server and
// client cores fed honest, damaged and crafted frame streams in random chunks, owned and lent;
// a third of them with permessage-deflate agreed (random parameters), the honest side compressing.
// The long run: `npm run fuzz:websocket` (1,000,000 connections).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runWebSocketFuzz } from "./fuzz-engine.ts";

const CASES = 3000;

describe("WebSocket connection cores under hostile input", () => {
  test(`${CASES} connections, 60 % damaged: no throw, events in order, messages exact and never changed afterwards, failures with the right close code`, () => {
    const r = runWebSocketFuzz({ seed: 0x5eed, cases: CASES });
    assert.deepEqual(r.failures, []);
    assert.equal(r.cases, CASES);
    // Every kind of outcome was reached, so the rules above were checked on each path.
    for (const code of [1002, 1007, 1009]) assert.ok((r.failedWith.get(code) ?? 0) > 20, `failed with ${code}: ${r.failedWith.get(code) ?? 0}`);
    assert.ok(r.refused > 20, `handshakes refused: ${r.refused}`);
    assert.ok(r.cleanCloses > 200, `clean closes: ${r.cleanCloses}`);
    assert.ok(r.inPlaceViews > 100, `messages delivered as views: ${r.inPlaceViews}`);
    assert.ok(r.messagesChecked > 1000, `messages compared with what was sent: ${r.messagesChecked}`);
    assert.ok(r.comparedWithReference > CASES / 2, `connections compared with the reference reading: ${r.comparedWithReference}`);
    assert.equal(r.comparedUnchunked, CASES, "every connection compared with the same bytes in one piece");
    // permessage-deflate agreed on a share of them, with messages that went compressed.
    assert.ok(r.deflateConnections > CASES / 5, `connections with permessage-deflate: ${r.deflateConnections}`);
    assert.ok(r.compressedMessages > 1000, `compressed messages: ${r.compressedMessages}`);
  });
});

// Heap held by idle open WebSocket connections, measured in a child process with --expose-gc
// (idle-memory-child.ts: 300 connections, our client to our server, both in the child). The bound
// is generous, so the test is about the machine no more than a heap figure after full GCs is: an
// idle pair held 11.6 KB before the per-connection objects were trimmed (commit f469bb1 and after)
// and about 7.1 KB since, run through tsx as here; a change that makes every connection carry
// about a kilobyte and a half more again fails it. Node only (the child needs V8's gc()).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const CHILD = join(HERE, "idle-memory-child.ts");
const PAIRS = 300;
/** Bytes of heap (V8 heapUsed + external) per idle pair of connections, server side plus client side. */
const BOUND_PER_PAIR = 9000;

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "Node only: the child measures V8's heap after gc() (--expose-gc)" : false;

describe("idle WebSocket connections: heap per connection", () => {
  test(`an idle open pair (accepted + client) holds at most ${BOUND_PER_PAIR} bytes of heap`, { skip, timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", CHILD, String(PAIRS)], { cwd: ROOT, encoding: "utf8", timeout: 100_000 });
    assert.equal(r.status, 0, `child failed (${r.signal ?? r.status}): ${r.stderr}`);
    const line = r.stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
    assert.ok(line, `no result from the child: ${r.stdout}`);
    const { pairs, heapBytesPerPair } = JSON.parse(line) as { pairs: number; heapBytesPerPair: number };
    assert.equal(pairs, PAIRS);
    assert.ok(heapBytesPerPair > 0, `a positive figure (${heapBytesPerPair})`);
    assert.ok(heapBytesPerPair <= BOUND_PER_PAIR, `${Math.round(heapBytesPerPair)} bytes per idle pair, bound ${BOUND_PER_PAIR}`);
  });
});

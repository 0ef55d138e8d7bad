// The command line's stdin reader: lines as bytes (binary input unchanged, "\r\n" or "\n" ends a
// line), however the input is cut into chunks, and a bound on one line's length. In-process, so it
// runs on every runtime.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "../../src/cli/input.ts";

function split(chunks: Uint8Array[], maxBytes = 1 << 20): { lines: number[][]; tooLong: number[] } {
  const lines: number[][] = [];
  const tooLong: number[] = [];
  const s = new LineSplitter(maxBytes, (line) => lines.push([...line]), (n) => tooLong.push(n));
  for (const c of chunks) s.push(c);
  s.end();
  return { lines, tooLong };
}

describe("packetpeer stdin lines", () => {
  test("bytes that are not UTF-8 go through unchanged; \\n and \\r\\n end a line; a last line without a newline counts", () => {
    const input = Uint8Array.from([0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x68, 0x69, 0x0a, 0x0a, 0xc3, 0x28]);
    const expected = [[0x00, 0xff, 0xfe, 0x80], [0x68, 0x69], [], [0xc3, 0x28]];
    assert.deepEqual(split([input]).lines, expected);
    // The same, whatever the chunks: one byte at a time.
    assert.deepEqual(split([...input].map((b) => Uint8Array.of(b))).lines, expected);
    assert.deepEqual(split([]).lines, []);
  });

  test("a line longer than the bound is skipped and reported with its length; the lines around it are kept", () => {
    const long = new Uint8Array(100).fill(0x61);
    const r = split([Uint8Array.of(0x31, 0x0a), long.subarray(0, 40), long.subarray(40), Uint8Array.of(0x0a, 0x32, 0x0a)], 64);
    assert.deepEqual(r.lines, [[0x31], [0x32]]);
    assert.deepEqual(r.tooLong, [100]);
    // Exactly the bound is taken.
    assert.equal(split([new Uint8Array(64).fill(0x61), Uint8Array.of(0x0a)], 64).lines[0]!.length, 64);
    // A long last line without a newline is reported too.
    assert.deepEqual(split([long], 64).tooLong, [100]);
  });
});

/** Lines typed on stdin (or piped in), as packets to send. */
import process from "node:process";
import { createInterface } from "node:readline";
import { fromHex } from "./output.ts";

/**
 * Calls `onLine` with each stdin line as bytes (UTF-8, or decoded from hex with `hex`) and
 * `onEnd` once stdin closes. A bad hex line is reported and skipped, not fatal.
 */
export function readStdinLines(hex: boolean, onLine: (bytes: Uint8Array) => void, onEnd: () => void): () => void {
  const encoder = new TextEncoder();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  lines.on("line", (line) => {
    if (!hex) return onLine(encoder.encode(line));
    try {
      onLine(fromHex(line));
    } catch (err) {
      process.stderr.write(`packetpeer: skipped a line: ${(err as Error).message}\n`);
    }
  });
  lines.on("close", onEnd);
  return () => lines.close();
}

/** Resolves on the first SIGINT/SIGTERM, so a command can close its peers cleanly. */
export function untilSignal(): { promise: Promise<string>; dispose(): void } {
  let done: (signal: string) => void = () => {};
  const promise = new Promise<string>((resolve) => (done = resolve));
  const onInt = (): void => done("SIGINT");
  const onTerm = (): void => done("SIGTERM");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  return {
    promise,
    dispose() {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}

/** Lines typed on stdin (or piped in), as packets to send. */
import process from "node:process";
import { fromHex } from "./output.ts";

/**
 * The longest stdin line taken (bytes, newline excluded): room for ENet's largest packet
 * (32 MiB) typed as hex. A longer line is skipped, with a message, without being held whole.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Splits a byte stream into lines at "\n" (a "\r" before it dropped), as bytes: binary input
 * goes through unchanged, which a text decoder (node:readline) would not do. A line longer than
 * `maxBytes` is counted, not kept, and reported through `onTooLong` when its end comes.
 */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private length = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: Uint8Array) => void,
    private readonly onTooLong: (length: number) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      this.take(chunk.subarray(start, newline < 0 ? chunk.length : newline));
      if (newline < 0) return;
      this.finish();
      start = newline + 1;
    }
  }

  /** The end of the input: a last line without a newline still counts. */
  end(): void {
    if (this.length > 0) this.finish();
  }

  private take(piece: Uint8Array): void {
    this.length += piece.length;
    if (this.length > this.maxBytes) this.parts = [];
    else if (piece.length > 0) this.parts.push(piece.slice());
  }

  private finish(): void {
    const length = this.length;
    const parts = this.parts;
    this.parts = [];
    this.length = 0;
    if (length > this.maxBytes) return this.onTooLong(length);
    let line = parts.length === 1 ? parts[0]! : new Uint8Array(length);
    if (parts.length !== 1) {
      let at = 0;
      for (const p of parts) {
        line.set(p, at);
        at += p.length;
      }
    }
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    this.onLine(line);
  }
}

const textDecoder = new TextDecoder();

/**
 * Calls `onLine` with each stdin line as its bytes (decoded from hex with `hex`) and `onEnd`
 * once stdin closes. A bad hex line or one over MAX_LINE_BYTES is reported and skipped, not fatal.
 */
export function readStdinLines(hex: boolean, onLine: (bytes: Uint8Array) => void, onEnd: () => void, maxBytes = MAX_LINE_BYTES): () => void {
  const splitter = new LineSplitter(
    maxBytes,
    (line) => {
      if (!hex) return onLine(line);
      try {
        onLine(fromHex(textDecoder.decode(line)));
      } catch (err) {
        process.stderr.write(`packetpeer: skipped a line: ${(err as Error).message}\n`);
      }
    },
    (length) => process.stderr.write(`packetpeer: skipped a line of ${length} bytes (at most ${maxBytes} are taken)\n`),
  );
  const stdin = process.stdin;
  let ended = false;
  const onData = (chunk: Uint8Array | string): void => splitter.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  const finish = (): void => {
    if (ended) return;
    ended = true;
    splitter.end();
    onEnd();
  };
  stdin.on("data", onData);
  stdin.once("end", finish);
  stdin.once("close", finish);
  stdin.once("error", finish);
  return () => {
    ended = true;
    stdin.off("data", onData);
    stdin.off("end", finish);
    stdin.off("close", finish);
    stdin.off("error", finish);
    stdin.pause();
  };
}

/**
 * Connecting, after the end of stdin: whether `waitMs` (--wait) has passed since that end, or
 * since the connection opened when that came later, so that what arrives meanwhile has printed.
 */
export function stdinWaitOver(stdinEndedAt: number | null, connectedAt: number, waitMs: number): boolean {
  return stdinEndedAt !== null && Date.now() >= Math.max(stdinEndedAt, connectedAt) + waitMs;
}

/**
 * The exit code of a client stopped by `signal` before its connection opened: the shell's own
 * 128 + signal number (130 for Ctrl-C), so a script sees that no connection was made. A server, or a
 * client that did connect, stopping on a signal is a normal end (0).
 */
export function interruptedExitCode(signal: string): number {
  return signal === "SIGTERM" ? 143 : 130;
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

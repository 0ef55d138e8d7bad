/** Helpers for the WebSocket tests: bounded polling loops and child processes that are always killed. */
import { type ChildProcess, spawn } from "node:child_process";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";

export const PYTHON = "/usr/bin/python3";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `peers` every millisecond until `done()` is true; throws naming `what` after `ms`. */
export async function pollUntil(peers: WebSocketPeer[], done: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    for (const p of peers) p.poll();
    if (done()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(1);
  }
}

/** A client peer connected (OPEN) to `url`, or an error. */
export async function connectPeer(url: string, setup?: (p: WebSocketPeer) => void, ms = 5000): Promise<WebSocketPeer> {
  const peer = new WebSocketPeer();
  setup?.(peer);
  peer.connectToUrl(url);
  await pollUntil([peer], () => peer.getReadyState() !== WebSocketState.STATE_CONNECTING, ms, `connect to ${url}`);
  if (peer.getReadyState() !== WebSocketState.STATE_OPEN) throw new Error(`connect to ${url} failed (state ${peer.getReadyState()})`);
  return peer;
}

/** Wait for the server's next OPEN peer. */
export async function acceptPeer(server: WebSocketServer, ms = 5000): Promise<WebSocketPeer> {
  const end = Date.now() + ms;
  for (;;) {
    const p = server.takeConnection();
    if (p) return p;
    if (Date.now() > end) throw new Error(`no connection within ${ms} ms`);
    await sleep(1);
  }
}

/** Receive the next packet, polling. */
export async function nextPacket(peer: WebSocketPeer, ms = 5000): Promise<{ data: Uint8Array; isString: boolean }> {
  await pollUntil([peer], () => peer.getAvailablePacketCount() > 0 || peer.getReadyState() === WebSocketState.STATE_CLOSED, ms, "a packet");
  if (peer.getAvailablePacketCount() === 0) {
    throw new Error(`connection closed (code ${peer.getCloseCode()}, error "${peer.getLastError()}") while waiting for a packet`);
  }
  const data = peer.getPacket();
  return { data, isString: peer.wasStringPacket() };
}

export interface Child {
  proc: ChildProcess;
  /** stdout lines seen so far. */
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line matching `re`. */
  waitLine(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  kill(): void;
}

/** Spawn a helper process; every test must call kill() in a finally block. */
export function spawnChild(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Child {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], cwd: opts.cwd, env: opts.env ?? process.env });
  const lines: string[] = [];
  let partial = "";
  let err = "";
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  proc.stdout!.setEncoding("utf8");
  proc.stdout!.on("data", (d: string) => {
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const line = partial.slice(0, nl).replace(/\r$/, "");
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const m = line.match(waiters[i].re);
        if (m) {
          waiters[i].resolve(m);
          waiters.splice(i, 1);
        }
      }
    }
  });
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (d: string) => {
    if (err.length < 20000) err += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    // "close", not "exit": it fires after stdout/stderr are drained.
    proc.on("close", (code) => resolve(code));
    proc.on("error", () => resolve(-1));
  });
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    waitLine(re, ms) {
      for (const line of lines) {
        const m = line.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms; stdout: ${lines.join(" | ")}; stderr: ${err}`)), ms);
        waiters.push({ re, resolve: (m) => { clearTimeout(timer); resolve(m); } });
        void exited.then(() => setTimeout(() => { clearTimeout(timer); reject(new Error(`process exited before printing ${re}; stdout: ${lines.join(" | ")}; stderr: ${err}`)); }, 50));
      });
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      proc.stdout?.destroy();
      proc.stderr?.destroy();
    },
  };
}

export function waitExit(child: Child, ms: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process did not exit within ${ms} ms; stdout: ${child.lines.join(" | ")}; stderr: ${child.stderr()}`)), ms);
  });
  return Promise.race([child.exited, timeout]).finally(() => clearTimeout(timer));
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Deterministic payload of `n` bytes; ASCII so it is also valid text. */
export function asciiPayload(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 0x21 + ((i * 31 + seed) % 90);
  return out;
}

export function binaryPayload(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

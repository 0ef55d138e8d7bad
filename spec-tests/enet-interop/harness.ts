/**
 * Builds and drives the C ENet harness (enet_peer.c) for interop tests and capture making.
 * The binary is compiled at test time into .build/, named after a hash of its source,
 * so it is rebuilt only when the source changes.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(fileURLToPath(import.meta.url), "..", "..", "..");
const harnessSource = join(repoRoot, "spec-tests", "enet-interop", "enet_peer.c");
const buildDir = join(repoRoot, ".build");

const builtPrograms = new Map<string, { path: string } | { skip: string }>();

/** Compile a C ENet program (against libenet-dev) if needed. Returns the binary path, or a reason it is unavailable. */
export function buildCProgram(source: string): { path: string } | { skip: string } {
  const cached = builtPrograms.get(source);
  if (cached) return cached;
  const done = (result: { path: string } | { skip: string }): { path: string } | { skip: string } => {
    builtPrograms.set(source, result);
    return result;
  };
  if (!existsSync("/usr/include/enet/enet.h")) return done({ skip: "libenet-dev is not installed (no /usr/include/enet/enet.h)" });
  const text = readFileSync(source);
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const name = source.replace(/^.*\//, "").replace(/\.c$/, "");
  const path = join(buildDir, `${name}-${hash}`);
  if (existsSync(path)) return done({ path });
  mkdirSync(buildDir, { recursive: true });
  // Compile to a unique temporary name and rename, so parallel test files never see a half-written binary.
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const r = spawnSync("cc", ["-O2", "-Wall", "-o", tmp, source, "-lenet"], { encoding: "utf8" });
  if (r.error) return done({ skip: `no C compiler: ${r.error.message}` });
  if (r.status !== 0) throw new Error(`building ${name} failed:\n${r.stderr}`);
  renameSync(tmp, path);
  return done({ path });
}

/** Compile enet_peer.c if needed. Returns the binary path, or a reason the C peer is unavailable. */
export function buildEnetPeer(): { path: string } | { skip: string } {
  return buildCProgram(harnessSource);
}

export interface PeerEvent {
  ev: string;
  peer?: number;
  data?: number;
  ch?: number;
  flags?: number;
  len?: number;
  fnv?: string;
  hex?: string;
  port?: number;
  msg?: string;
  [key: string]: unknown;
}

/** FNV-1a 32 as the harness prints it (8 lowercase hex digits). */
export function fnv1a(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** The harness's `pat:LEN:SEED` payload: byte i = (seed + 7i + (i >> 8)) & 255. */
export function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (seed + 7 * i + (i >>> 8)) & 255;
  return out;
}

/**
 * A running child process that prints JSON lines (the C harness or a Godot script).
 * Every event is kept in `events`; `waitFor` resolves with the first event (seen before or later)
 * matching a predicate, or rejects after a bounded time.
 */
export class JsonLineProcess {
  readonly events: PeerEvent[] = [];
  readonly stderr: string[] = [];
  readonly otherOutput: string[] = [];
  private readonly child: ChildProcess;
  private buffer = "";
  private waiters: { pred: (e: PeerEvent) => boolean; from: number; resolve: (e: PeerEvent) => void }[] = [];
  private exited = false;
  readonly exitPromise: Promise<number | null>;

  constructor(command: string, args: string[], opts: { cwd?: string } = {}) {
    this.child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], cwd: opts.cwd });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => this.onChunk(chunk));
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => this.stderr.push(chunk));
    this.child.stdin!.on("error", () => {});
    this.exitPromise = new Promise((resolve) => {
      // "close", not "exit": it comes once stdout and stderr are drained, so every line the
      // process printed before it quit is in `events` by then ("exit" may come first).
      this.child.on("close", (code) => {
        this.exited = true;
        resolve(code);
      });
      this.child.on("error", () => {
        this.exited = true;
        resolve(null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /** Send command lines to the process's stdin. */
  command(...lines: string[]): void {
    if (this.exited) return;
    this.child.stdin!.write(lines.join("\n") + "\n");
  }

  /** Resolve with the first event at index >= `from` that matches. */
  waitFor(pred: (e: PeerEvent) => boolean, timeoutMs = 5000, from = 0): Promise<PeerEvent> {
    for (let i = from; i < this.events.length; i++) if (pred(this.events[i]!)) return Promise.resolve(this.events[i]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        from,
        resolve: (e: PeerEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for an event; saw:\n${this.events
              .slice(-15)
              .map((e) => JSON.stringify(e))
              .join("\n")}\nstderr: ${this.stderr.join("").slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Wait until `count` events match in total. */
  async waitForCount(pred: (e: PeerEvent) => boolean, count: number, timeoutMs = 5000): Promise<PeerEvent[]> {
    const deadline = Date.now() + timeoutMs;
    // Scan each event once: tests wait for tens of thousands of packets.
    const matched: PeerEvent[] = [];
    let scanned = 0;
    for (;;) {
      for (; scanned < this.events.length; scanned++) if (pred(this.events[scanned]!)) matched.push(this.events[scanned]!);
      if (matched.length >= count) return matched;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out: ${matched.length}/${count} events matched; last: ${JSON.stringify(this.events.slice(-5))}`);
      await this.waitFor(pred, remaining, this.events.length).catch(() => undefined);
    }
  }

  /** Close stdin (the harness then finishes its queue and exits) and wait a bounded time, then kill. */
  async close(graceMs = 2000): Promise<void> {
    if (!this.exited) {
      try {
        this.child.stdin!.end();
      } catch {
        // already closed
      }
      const t = setTimeout(() => this.kill(), graceMs);
      await this.exitPromise;
      clearTimeout(t);
    }
  }

  kill(): void {
    if (this.exited) return;
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  private onChunk(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.startsWith("{")) {
        if (line) this.otherOutput.push(line);
        continue;
      }
      let ev: PeerEvent;
      try {
        ev = JSON.parse(line) as PeerEvent;
      } catch {
        this.otherOutput.push(line);
        continue;
      }
      this.events.push(ev);
      const index = this.events.length - 1;
      for (const w of [...this.waiters]) {
        if (index >= w.from && w.pred(ev)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(ev);
        }
      }
    }
  }
}

export interface CPeerOptions {
  server?: boolean;
  port?: number;
  connect?: string;
  peers?: number;
  channels?: number;
  data?: number;
  checksum?: boolean;
  rangeCoder?: boolean;
  mtu?: number;
  timeout?: [number, number, number];
  pingInterval?: number;
  hexLimit?: number;
  echo?: boolean;
  script?: string;
  maxRuntimeMs?: number;
  /** Kernel socket buffer size (SO_RCVBUF/SO_SNDBUF) in bytes. */
  sockbuf?: number;
  /** Host bandwidth limits in bytes/second (0 = unlimited). */
  bandwidth?: [number, number];
}

export function cPeerArgs(o: CPeerOptions): string[] {
  const a: string[] = [o.server ? "--server" : "--client"];
  if (o.port !== undefined) a.push("--port", String(o.port));
  if (o.connect) a.push("--connect", o.connect);
  if (o.peers !== undefined) a.push("--peers", String(o.peers));
  if (o.channels !== undefined) a.push("--channels", String(o.channels));
  if (o.data !== undefined) a.push("--data", String(o.data));
  if (o.checksum) a.push("--checksum");
  if (o.rangeCoder) a.push("--range-coder");
  if (o.mtu !== undefined) a.push("--mtu", String(o.mtu));
  if (o.timeout) a.push("--timeout", o.timeout.join(","));
  if (o.pingInterval !== undefined) a.push("--ping-interval", String(o.pingInterval));
  if (o.hexLimit !== undefined) a.push("--hex-limit", String(o.hexLimit));
  if (o.echo) a.push("--echo");
  if (o.sockbuf !== undefined) a.push("--sockbuf", String(o.sockbuf));
  if (o.bandwidth) a.push("--bandwidth", o.bandwidth.join(","));
  if (o.script) a.push("--script", o.script);
  a.push("--max-runtime", String(o.maxRuntimeMs ?? 30000));
  return a;
}

/** Start the C peer; resolves once it printed `ready` (with its bound port). */
export async function startCPeer(binary: string, o: CPeerOptions): Promise<{ proc: JsonLineProcess; port: number }> {
  const proc = new JsonLineProcess(binary, cPeerArgs(o));
  try {
    const ready = await proc.waitFor((e) => e.ev === "ready" || e.ev === "error", 5000);
    if (ready.ev !== "ready") throw new Error(`C peer failed to start: ${JSON.stringify(ready)}`);
    return { proc, port: ready.port! };
  } catch (e) {
    proc.kill();
    throw e;
  }
}

/**
 * A recording loopback UDP relay: it sits between ENet peers and records every
 * datagram with its direction and time, so a real session can be stored as a
 * reference capture. Each client address gets its own upstream socket, so the
 * server sees one distinct peer per client, exactly as without the relay.
 *
 * Library use: `const relay = new UdpCaptureRelay({ targetPort }); const port = await relay.start();`
 * then point the client at `port`. CLI: `node --import tsx spec-tests/tools/udp-relay.ts
 * --target 127.0.0.1:7777 [--listen 0] [--out capture.json]` (writes on SIGINT/SIGTERM).
 */
import { createSocket, type Socket } from "node:dgram";

export type Direction = "c2s" | "s2c";

export interface RecordedDatagram {
  /** Milliseconds since the relay started. */
  t: number;
  dir: Direction;
  /** Which client connection (0-based, in order of first datagram). */
  client: number;
  hex: string;
  /** Set when the relay's filter dropped it: recorded, never forwarded. */
  dropped?: boolean;
  /** Set when `rewrite` changed it: what was forwarded instead (`hex` is the datagram as it arrived). */
  rewritten?: string;
}

export interface RelayOptions {
  targetAddress?: string;
  targetPort: number;
  listenAddress?: string;
  listenPort?: number;
  /**
   * Asked first, for each datagram: the bytes to pass on in its place (the same array when
   * unchanged; to take one command out of a datagram, say), or null to drop it. `filter` and
   * `schedule` then see the bytes it returned.
   */
  rewrite?: (dir: Direction, data: Uint8Array, client: number) => Uint8Array | null;
  /** Return false to drop a datagram instead of forwarding it (it is still recorded, with `dropped`). */
  filter?: (dir: Direction, data: Uint8Array, client: number) => boolean;
  /**
   * Asked after `filter` passes a datagram: one delay in milliseconds per copy to forward (`[0]`: at
   * once, as without it; `[]`: drop it; `[0, 7]`: a duplicate 7 ms later; `[12]`: reordered behind
   * what comes in the next 12 ms). A datagram with no copies is recorded as dropped.
   */
  schedule?: (dir: Direction, data: Uint8Array, client: number) => readonly number[];
  /** Keep every datagram in `records` (default true); a long soak keeps only counts. */
  keepRecords?: boolean;
}

/** How one direction's datagrams came and went: what a failure message needs to tell a stalled sender from a lossy stretch. */
export interface FlowStats {
  seen: number;
  dropped: number;
  /** When the last datagram came (ms since the relay started; -1: none yet). */
  lastAt: number;
  /** The longest time between two datagrams in this direction, and when it ended. */
  longestSilence: number;
  longestSilenceEndedAt: number;
  /** The most datagrams dropped one after the other, and when that run ended. */
  longestDropRun: number;
  longestDropRunEndedAt: number;
  dropRun: number;
}

const newFlow = (): FlowStats => ({ seen: 0, dropped: 0, lastAt: -1, longestSilence: 0, longestSilenceEndedAt: 0, longestDropRun: 0, longestDropRunEndedAt: 0, dropRun: 0 });

interface ClientLink {
  index: number;
  address: string;
  port: number;
  upstream: Socket;
}

export function toHex(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i++) s += data[i]!.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * A UDP socket with 4 MiB kernel buffers where the runtime supports setting them, so the relay
 * (which shares its event loop with the host under test) drops as little as possible under bursts.
 */
function relaySocket(): Socket {
  try {
    return createSocket({ type: "udp4", recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  } catch {
    return createSocket("udp4");
  }
}

function bindSocket(sock: Socket, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(port, address, () => {
      sock.off("error", reject);
      resolve(sock.address().port);
    });
  });
}

export class UdpCaptureRelay {
  readonly records: RecordedDatagram[] = [];
  private readonly opts: Required<Omit<RelayOptions, "rewrite" | "filter" | "schedule">> & Pick<RelayOptions, "rewrite" | "filter" | "schedule">;
  /** Datagrams seen, dropped and sent more than once (kept whether or not `records` are). */
  readonly counts = { seen: 0, dropped: 0, duplicated: 0, delayed: 0 };
  /** Per direction, all clients together (kept whether or not `records` are). */
  readonly flow: Record<Direction, FlowStats> = { c2s: newFlow(), s2c: newFlow() };
  private listener: Socket | undefined;
  private readonly links = new Map<string, ClientLink>();
  private started = 0;
  private closed = false;

  constructor(opts: RelayOptions) {
    this.opts = {
      targetAddress: opts.targetAddress ?? "127.0.0.1",
      targetPort: opts.targetPort,
      listenAddress: opts.listenAddress ?? "127.0.0.1",
      listenPort: opts.listenPort ?? 0,
      rewrite: opts.rewrite,
      filter: opts.filter,
      schedule: opts.schedule,
      keepRecords: opts.keepRecords ?? true,
    };
  }

  /** Bind the listening socket; resolves with its port. */
  async start(): Promise<number> {
    this.started = performance.now();
    const listener = relaySocket();
    this.listener = listener;
    listener.on("message", (msg, rinfo) => this.fromClient(new Uint8Array(msg), rinfo.address, rinfo.port));
    listener.on("error", () => {});
    const port = await bindSocket(listener, this.opts.listenAddress, this.opts.listenPort);
    listener.unref();
    return port;
  }

  /** Stop forwarding and close every socket. Records stay readable. */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.listener?.close();
    } catch {
      // already closed
    }
    for (const link of this.links.values()) {
      try {
        link.upstream.close();
      } catch {
        // already closed
      }
    }
  }

  /**
   * One line per direction for a failure message: when its last datagram came, its longest
   * silence and its longest run of drops (times in ms since the relay started).
   */
  describeFlow(): string {
    const now = Math.round(performance.now() - this.started);
    const line = (dir: Direction): string => {
      const f = this.flow[dir];
      const r = Math.round;
      return `${dir} ${f.seen} seen, ${f.dropped} dropped, last at ${r(f.lastAt)}, longest silence ${r(f.longestSilence)} ms ending at ${r(f.longestSilenceEndedAt)}, longest drop run ${f.longestDropRun} ending at ${r(f.longestDropRunEndedAt)}`;
    };
    return `relay at ${now} ms: ${line("c2s")}; ${line("s2c")}`;
  }

  /** Records as stored in a capture file (times rounded to microseconds). */
  datagrams(): RecordedDatagram[] {
    return this.records.map((r) => ({ ...r, t: Math.round(r.t * 1000) / 1000 }));
  }

  /** The bytes to forward and the delays of their copies (none: dropped), after recording the datagram. */
  private record(dir: Direction, client: number, data: Uint8Array): { bytes: Uint8Array; delays: readonly number[] } {
    const rewritten = this.opts.rewrite ? this.opts.rewrite(dir, data, client) : data;
    const bytes = rewritten ?? data;
    const pass = rewritten !== null && (this.opts.filter ? this.opts.filter(dir, bytes, client) : true);
    const delays = !pass ? [] : this.opts.schedule ? this.opts.schedule(dir, bytes, client) : [0];
    this.counts.seen++;
    if (delays.length === 0) this.counts.dropped++;
    if (delays.length > 1) this.counts.duplicated++;
    if (delays.some((d) => d > 0)) this.counts.delayed++;
    const at = performance.now() - this.started;
    const f = this.flow[dir];
    f.seen++;
    if (f.lastAt >= 0 && at - f.lastAt > f.longestSilence) {
      f.longestSilence = at - f.lastAt;
      f.longestSilenceEndedAt = at;
    }
    f.lastAt = at;
    if (delays.length === 0) {
      f.dropped++;
      if (++f.dropRun > f.longestDropRun) {
        f.longestDropRun = f.dropRun;
        f.longestDropRunEndedAt = at;
      }
    } else {
      f.dropRun = 0;
    }
    if (this.opts.keepRecords) {
      const rec: RecordedDatagram = { t: at, dir, client, hex: toHex(data) };
      if (delays.length === 0) rec.dropped = true;
      else if (bytes !== data) rec.rewritten = toHex(bytes);
      this.records.push(rec);
    }
    return { bytes, delays };
  }

  private forward({ bytes, delays }: { bytes: Uint8Array; delays: readonly number[] }, send: (bytes: Uint8Array) => void): void {
    for (const delay of delays) {
      if (delay <= 0) send(bytes);
      else
        setTimeout(() => {
          if (!this.closed) send(bytes);
        }, delay).unref();
    }
  }

  private fromClient(data: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    const key = `${address}:${port}`;
    let link = this.links.get(key);
    if (!link) {
      const upstream = relaySocket();
      const created: ClientLink = { index: this.links.size, address, port, upstream };
      link = created;
      this.links.set(key, created);
      upstream.on("error", () => {});
      upstream.on("message", (msg) => {
        if (this.closed) return;
        const bytes = new Uint8Array(msg);
        this.forward(this.record("s2c", created.index, bytes), (out) => this.listener?.send(out, created.port, created.address));
      });
      // Bind before the first send so the reply path exists; the send below waits for it.
      upstream.bind(0, this.opts.listenAddress);
      upstream.unref();
    }
    const upstream = link.upstream;
    this.forward(this.record("c2s", link.index, data), (out) => upstream.send(out, this.opts.targetPort, this.opts.targetAddress));
  }
}

// CLI entry: run as a standalone relay that writes its records on exit.
const isMain = (() => {
  try {
    const argv1 = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1] ?? "";
    return argv1.endsWith("udp-relay.ts");
  } catch {
    return false;
  }
})();

if (isMain) {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const target = arg("--target");
  if (!target) {
    console.error("usage: udp-relay.ts --target HOST:PORT [--listen PORT] [--out FILE]");
    process.exit(2);
  }
  const colon = target.lastIndexOf(":");
  const relay = new UdpCaptureRelay({
    targetAddress: target.slice(0, colon),
    targetPort: Number(target.slice(colon + 1)),
    listenPort: Number(arg("--listen") ?? 0),
  });
  const port = await relay.start();
  console.log(JSON.stringify({ ev: "relay", port }));
  const keepAlive = setInterval(() => {}, 1 << 30);
  const finish = async () => {
    clearInterval(keepAlive);
    relay.stop();
    const out = arg("--out");
    const text = JSON.stringify({ datagrams: relay.datagrams() }, null, 1);
    if (out) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(out, text);
    } else {
      console.log(text);
    }
    process.exit(0);
  };
  process.on("SIGINT", finish);
  process.on("SIGTERM", finish);
}

// A seeded soak of our WebSocketPeer against real peers over 127.0.0.1: the `ws` package in this
// process (Deno and Bun load it through their npm compatibility) or python3-websockets 10.4 as a
// child process (peers/py_soak_peer.py). Each
// seed draws:
//  - the peer, our role (client or server) and how we read (getPacket() polling or `message` events);
//  - permessage-deflate off, on for one side only (no extension may be agreed), or on for both with
//    random parameters each side offers or accepts (context takeover either way, window bits
//    8..15 either way, our threshold and level);
//  - 20-200 messages each way, text (1- to 4-byte UTF-8 characters) and binary, sizes biased to
//    the frame-length boundaries (0, 1, 125, 126, 127, 65535, 65536, 65537, and a byte either
//    side) with at most two of 1-4 MiB a side, some repetitive (so deflate has something to find),
//    sent in bursts with pauses and pings between them; the peer fragments some of its messages at
//    random byte offsets (inside UTF-8 sequences too: we never fragment) with pings between
//    fragments;
//  - who closes, with 1000, 1001 or 3000-4999 and a reason of 0-123 bytes of multi-byte text.
// Checked: every message arrives once, in order, with its type and bytes, on both sides; every
// ping gets its pong (ws: with its payload; ours: counted, since a pong's payload is not exposed);
// both sides agree on the extension (and there is none when only one side wanted it); the close
// code and reason arrive on both sides (each side answers a close with the same code and reason,
// so both read the closer's); no error on either side; all within the bound.
// Both sides send a marker message once they have all the other's messages and every pong to their
// own pings, and the closing side closes only after the other's marker, so no message can race the
// close frame (a poll-driven reader loses what arrives with the close, as in Godot).
// Used by soak.test.ts (a few seeds in npm test) and soak-run.ts (npm run soak:websocket).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { GodotError } from "../../src/errors.ts";
import { type WebSocketConnectionCore, WebSocketState } from "../../src/websocket/connection-core.ts";
import type { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent } from "../../src/websocket/events.ts";
import { WebSocketPeer, WriteMode } from "../../src/websocket/peer.ts";
import type { PerMessageDeflateOptions } from "../../src/websocket/permessage-deflate.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { type SoakContentSpec, soakContent, soakText } from "./soak-content.ts";
import { PYTHON } from "./support.ts";

/** Sent by each side once it has every message of the other and a pong for each of its pings. */
export const DONE_MARKER = "\u0000soak-done";
const DONE_BYTES = new TextEncoder().encode(DONE_MARKER);
/** Frame payload lengths where RFC 6455 5.2's length encoding changes (7-bit, 16-bit, 64-bit). */
const LENGTH_BOUNDARIES = [0, 1, 125, 126, 127, 65535, 65536, 65537] as const;
/** RFC 6455 5.5: a control frame's payload is at most 125 bytes; a close reason 123 after the code. */
const MAX_CONTROL_PAYLOAD = 125;
const MAX_CLOSE_REASON_BYTES = 123;
const MIB = 1024 * 1024;
/** Messages of 1-4 MiB a side may draw, at most (they dominate a seed's time). */
const BIG_MESSAGES_PER_SIDE = 2;
/** Both sides accept messages up to this (the largest drawn is 4 MiB). */
const MAX_MESSAGE = 8 * MIB;
const PY_SOAK_PEER = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "peers", "py_soak_peer.py");

export type SoakPeerKind = "ws" | "python";

export interface SoakPing {
  index: number;
  /** Hex. */
  payload: string;
}

export interface SoakMessage extends SoakContentSpec {
  /** Peer side only: byte offsets where the message is cut into frames (ascending; equal ones make empty frames). */
  fragments?: number[];
  /** Per cut, a ping sent between the two frames, or null. */
  pingsBetween?: (SoakPing | null)[];
}

export type SoakStep = { op: "send"; message: number } | ({ op: "ping" } & SoakPing) | { op: "pause"; ms: number };

export interface SoakSide {
  messages: SoakMessage[];
  steps: SoakStep[];
  /** Pings this side sends (steps and between fragments). */
  pings: number;
}

/** A side's permessage-deflate request, in RFC 7692's terms (null window: not named). */
export interface SoakDeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | null;
  clientMaxWindowBits: number | null;
  /** ws only (python compresses every message). */
  threshold: number;
}

export interface SoakPlan {
  seed: number;
  peer: SoakPeerKind;
  ourRole: "client" | "server";
  reader: "getPacket" | "events";
  /** Null: that side does not offer or accept permessage-deflate. */
  ourDeflate: PerMessageDeflateOptions | null;
  peerDeflate: SoakDeflateParams | null;
  ours: SoakSide;
  theirs: SoakSide;
  closeBy: "us" | "peer";
  closeCode: number;
  closeReason: string;
  /**
   * ws 8 as a server answers 400 ("Invalid or unacceptable Sec-WebSocket-Extensions header")
   * instead of going on without the extension when its configured window is larger than the one
   * the offer names (server_max_window_bits, or a client_max_window_bits value): RFC 7692 lets a
   * server decline an offer, and ws declines the connection. Then our client must report that
   * refusal, and nothing else happens.
   */
  peerRefusesHandshake: boolean;
  /**
   * Our `outboundBufferSize`: half the seeds just above our largest message, so a burst fills it
   * and send() returns ERR_OUT_OF_MEMORY until the socket drains (the sender waits and retries,
   * as a Godot game would), half far above everything we send.
   */
  outboundBufferSize: number;
}

function drawSize(rng: SeededRandom, side: { big: number }): number {
  const r = rng.nextFloat();
  if (r < 0.4) return LENGTH_BOUNDARIES[rng.nextInt(LENGTH_BOUNDARIES.length)]!;
  if (r < 0.55) return Math.max(0, LENGTH_BOUNDARIES[rng.nextInt(LENGTH_BOUNDARIES.length)]! - 2 + rng.nextInt(5));
  if (r < 0.97 || side.big >= BIG_MESSAGES_PER_SIDE) return Math.floor(2 ** (rng.nextFloat() * 17)) - 1;
  side.big++;
  return MIB + rng.nextInt(3 * MIB + 1);
}

function hexBytes(rng: SeededRandom, n: number, prefixIndex?: number): string {
  const bytes: number[] = [];
  // python-websockets refuses a second ping whose payload equals one still waiting for its pong.
  if (prefixIndex !== undefined) bytes.push((prefixIndex >>> 24) & 0xff, (prefixIndex >>> 16) & 0xff, (prefixIndex >>> 8) & 0xff, prefixIndex & 0xff);
  while (bytes.length < n) bytes.push(rng.nextInt(256));
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
}

function drawPing(rng: SeededRandom, index: number, unique: boolean): SoakPing {
  const length = unique ? 4 + rng.nextInt(MAX_CONTROL_PAYLOAD - 3) : rng.nextInt(MAX_CONTROL_PAYLOAD + 1);
  return { index, payload: hexBytes(rng, length, unique ? index : undefined) };
}

function drawSide(rng: SeededRandom, isPeer: boolean, uniquePings: boolean): SoakSide {
  const count = 20 + rng.nextInt(181);
  const messages: SoakMessage[] = [];
  const steps: SoakStep[] = [];
  const budget = { big: 0 };
  let pings = 0;
  let burstLeft = 1 + rng.nextInt(30);
  for (let i = 0; i < count; i++) {
    const size = drawSize(rng, budget);
    const m: SoakMessage = {
      text: rng.chance(0.5),
      size,
      seed: rng.nextU32(),
      period: rng.chance(0.5) ? 1 + rng.nextInt(4096) : 0,
    };
    if (isPeer && rng.chance(0.25)) {
      const cuts = Array.from({ length: 1 + rng.nextInt(5) }, () => rng.nextInt(size + 1)).sort((a, b) => a - b);
      m.fragments = cuts;
      m.pingsBetween = cuts.map(() => (rng.chance(0.3) ? drawPing(rng, pings++, uniquePings) : null));
    }
    messages.push(m);
    if (rng.chance(0.08)) steps.push({ op: "ping", ...drawPing(rng, pings++, uniquePings) });
    steps.push({ op: "send", message: i });
    if (--burstLeft === 0) {
      steps.push({ op: "pause", ms: rng.chance(0.5) ? 0 : 1 + rng.nextInt(15) });
      burstLeft = 1 + rng.nextInt(30);
    }
  }
  if (rng.chance(0.3)) steps.push({ op: "ping", ...drawPing(rng, pings++, uniquePings) });
  return { messages, steps, pings };
}

/** Window bits 8..15, or null (not named) half the time; `min` raises the floor. */
function drawWindow(rng: SeededRandom, min = 8): number | null {
  return rng.chance(0.5) ? null : min + rng.nextInt(16 - min);
}

export function websocketSoakPlan(seed: number): SoakPlan {
  const rng = new SeededRandom(seed);
  const peer: SoakPeerKind = rng.chance(0.5) ? "ws" : "python";
  const ourRole = rng.chance(0.5) ? "client" : "server";
  const reader = rng.chance(0.5) ? "getPacket" : "events";
  const mode = rng.nextFloat();
  const oursOn = mode < 0.45 || (mode >= 0.9 && mode < 0.95);
  const peerOn = mode < 0.45 || mode >= 0.95;
  // python-websockets 10.4 makes its compressor with zlib's windowBits -N as agreed, and zlib
  // (1.2.9 on; 1.2.13 here) refuses -8: a python side that must compress in a 256-byte window
  // fails, as a server at the handshake (HTTP 500) and otherwise at its first message
  // (docs/websocket.md). So neither side asks for 8 in the direction python compresses. Node's
  // zlib, under ws, takes 8 for raw deflate and compresses with 9 bits, whose matches reach back
  // at most 2^9 - 262 = 250 bytes: valid for a 256-byte window, so ws gets 8 too.
  const pythonSends = ourRole === "client" ? "server" : "client";
  const minBits = (direction: "server" | "client"): number => (peer === "python" && direction === pythonSends ? 9 : 8);
  let ourDeflate: PerMessageDeflateOptions | null = null;
  if (oursOn) {
    ourDeflate = {
      serverNoContextTakeover: rng.chance(0.3),
      clientNoContextTakeover: rng.chance(0.3),
      threshold: [0, 0, 1, 64, 1024][rng.nextInt(5)]!,
      level: 1 + rng.nextInt(9),
    };
    const server = drawWindow(rng, minBits("server"));
    const client = drawWindow(rng, minBits("client"));
    if (server !== null) ourDeflate.serverMaxWindowBits = server;
    if (client !== null) ourDeflate.clientMaxWindowBits = client;
  }
  const peerDeflate: SoakDeflateParams | null = peerOn
    ? {
        serverNoContextTakeover: rng.chance(0.3),
        clientNoContextTakeover: rng.chance(0.3),
        serverMaxWindowBits: drawWindow(rng, minBits("server")),
        clientMaxWindowBits: drawWindow(rng, minBits("client")),
        threshold: rng.chance(0.5) ? 0 : 1024,
      }
    : null;
  const ours = drawSide(rng, false, false);
  const theirs = drawSide(rng, true, peer === "python");
  const closeBy = rng.chance(0.5) ? "us" : "peer";
  const codeDraw = rng.nextInt(4);
  const closeCode = codeDraw === 0 ? 1000 : codeDraw === 1 ? 1001 : 3000 + rng.nextInt(2000);
  const closeReason = soakText(rng.nextU32(), rng.nextInt(MAX_CLOSE_REASON_BYTES + 1));
  const wsRefuses =
    peer === "ws" &&
    ourRole === "client" &&
    ourDeflate !== null &&
    peerDeflate !== null &&
    ((ourDeflate.serverMaxWindowBits !== undefined && peerDeflate.serverMaxWindowBits !== null && peerDeflate.serverMaxWindowBits > ourDeflate.serverMaxWindowBits) ||
      (ourDeflate.clientMaxWindowBits !== undefined && peerDeflate.clientMaxWindowBits !== null && peerDeflate.clientMaxWindowBits > ourDeflate.clientMaxWindowBits));
  // Drawn apart, so adding it left every other draw of a seed as it was.
  const tight = new SeededRandom(seed ^ 0x0b0f).chance(0.5);
  const largest = Math.max(...ours.messages.map((m) => m.size));
  const outboundBufferSize = tight ? largest + 64 * 1024 : 4 * MAX_MESSAGE;
  return { seed, peer, ourRole, reader, ourDeflate, peerDeflate, ours, theirs, closeBy, closeCode, closeReason, peerRefusesHandshake: wsRefuses, outboundBufferSize };
}

export interface SoakResult {
  plan: SoakPlan;
  failures: string[];
  ms: number;
  /** The agreed Sec-WebSocket-Extensions as we read it ("" for none). */
  extensions: string;
  stats: ReturnType<WebSocketPeer["getStats"]> | null;
  /** Turns our sender waited for room in the outgoing buffer (send() gave ERR_OUT_OF_MEMORY). */
  outOfMemoryWaits: number;
  /** Bytes of messages each way. */
  bytesToPeer: number;
  bytesToUs: number;
}

/** Whether the python peer can run here: the interpreter, with the websockets package (Debian's python3-websockets). */
export function pythonPeerAvailable(): true | { skip: string } {
  if (!existsSync(PYTHON)) return { skip: `${PYTHON} not found` };
  const probe = spawnSync(PYTHON, ["-c", "import websockets"], { timeout: 10_000 });
  if (probe.status !== 0) return { skip: `${PYTHON} cannot import websockets` };
  return true;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function describeMessage(m: SoakMessage): string {
  const frags = m.fragments ? `, cut at ${JSON.stringify(m.fragments)}` : "";
  return `${m.text ? "text" : "binary"} ${m.size} B (seed ${m.seed}, period ${m.period}${frags})`;
}

/** What differs between a received message and the one sent, or null. */
function difference(got: Uint8Array, gotText: boolean, want: Uint8Array, m: SoakMessage): string | null {
  if (gotText !== m.text) return `arrived as ${gotText ? "text" : "binary"}`;
  if (got.length !== want.length) return `arrived with ${got.length} B`;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) return `byte ${i} is 0x${got[i]!.toString(16)}, sent 0x${want[i]!.toString(16)} (${hex(got.subarray(i, i + 8))}... for ${hex(want.subarray(i, i + 8))}...)`;
  }
  return null;
}

/** Extension header parameters in a canonical order, to compare the two sides' readings. */
function canonicalExtensions(header: string): string {
  if (header.trim() === "" || header.trim() === "-") return "";
  return header
    .split(",")
    .map((e) => e.split(";").map((p) => p.trim().toLowerCase().replace(/\s*=\s*/, "=").replace(/"/g, "")))
    .map(([name, ...params]) => [name, ...params.sort()].join("; "))
    .join(", ");
}

/** Receives messages in order and checks each against what the other side sent. */
class Inbox {
  count = 0;
  markerSeen = false;
  constructor(
    private readonly where: string,
    private readonly expected: SoakMessage[],
    private readonly payloads: Uint8Array[],
    private readonly failures: string[],
  ) {}

  get complete(): boolean {
    return this.count === this.expected.length;
  }

  take(data: Uint8Array, isText: boolean): void {
    if (this.count === this.expected.length) {
      if (!this.markerSeen && isText && data.length === DONE_BYTES.length && DONE_BYTES.every((b, i) => data[i] === b)) this.markerSeen = true;
      else this.failures.push(`${this.where}: a message after the last one (${isText ? "text" : "binary"} ${data.length} B)`);
      return;
    }
    const i = this.count++;
    const m = this.expected[i]!;
    const diff = difference(data, isText, this.payloads[i]!, m);
    if (diff !== null) this.failures.push(`${this.where}: message ${i} (${describeMessage(m)}) ${diff}`);
  }

  /** The python peer reports a digest, not the bytes. */
  takeDigest(index: number, kind: string, length: number, digest: string): void {
    if (index !== this.count || this.count >= this.expected.length) {
      this.failures.push(`${this.where}: message ${index} reported when ${this.count} was next of ${this.expected.length}`);
      return;
    }
    this.count++;
    const m = this.expected[index]!;
    const want = this.payloads[index]!;
    if ((kind === "text") !== m.text) this.failures.push(`${this.where}: message ${index} (${describeMessage(m)}) arrived as ${kind}`);
    else if (length !== want.length) this.failures.push(`${this.where}: message ${index} (${describeMessage(m)}) arrived with ${length} B`);
    else if (digest !== sha256(want)) this.failures.push(`${this.where}: message ${index} (${describeMessage(m)}) arrived with other bytes (sha256 ${digest})`);
  }
}

/** The peer's side, whichever it is. */
interface PeerDriver {
  /** ws://127.0.0.1:port when the peer is the server. */
  readonly url: string | null;
  /** Starts (or accepts) the connection: a peer server waits for ours, a peer client connects to `url`. */
  start(url: string | null): void;
  /** The extension header the peer agreed to, once open ("" for none); null before. */
  readonly extensions: string | null;
  readonly received: Inbox;
  /** Pings of its own answered (ws: with their payload). */
  readonly pongs: number;
  /** Set once the connection has closed: the code and reason the peer read. */
  readonly closed: { code: number; reason: Uint8Array } | null;
  /** True once everything it was to do is over (python: the process exited). */
  readonly finished: boolean;
  stop(): Promise<void>;
}

function wsDeflateOptions(p: SoakDeflateParams | null, asServer: boolean): Record<string, unknown> | false {
  if (p === null) return false;
  const o: Record<string, unknown> = { threshold: p.threshold };
  // As a server, ws declines an offer asking for no context takeover when told `false`: leave unset.
  if (p.serverNoContextTakeover) o.serverNoContextTakeover = true;
  if (p.clientNoContextTakeover) o.clientNoContextTakeover = true;
  if (p.serverMaxWindowBits !== null) o.serverMaxWindowBits = p.serverMaxWindowBits;
  if (p.clientMaxWindowBits !== null) o.clientMaxWindowBits = p.clientMaxWindowBits;
  else if (!asServer) o.clientMaxWindowBits = true;
  return o;
}

/** The ws package in this process. */
async function wsDriver(plan: SoakPlan, theirPayloads: Uint8Array[], ourPayloads: Uint8Array[], failures: string[]): Promise<PeerDriver> {
  const { WebSocket: WsClient, WebSocketServer: WsServer } = await import("ws");
  type WsSocket = InstanceType<typeof WsClient>;
  const side = plan.theirs;
  const received = new Inbox("at ws", plan.ours.messages, ourPayloads, failures);
  let wss: InstanceType<typeof WsServer> | null = null;
  let socket: WsSocket | null = null;
  let responseExtensions = "";
  const driver = {
    url: null as string | null,
    extensions: null as string | null,
    received,
    pongs: 0,
    closed: null as { code: number; reason: Uint8Array } | null,
    finished: false,
    start(url: string | null): void {
      if (url === null) return;
      const ws = new WsClient(url, { maxPayload: MAX_MESSAGE, perMessageDeflate: wsDeflateOptions(plan.peerDeflate, false) });
      // ws.extensions names the extensions only: the parameters are in the response.
      ws.once("upgrade", (res: { headers: Record<string, string | undefined> }) => (responseExtensions = res.headers["sec-websocket-extensions"] ?? ""));
      run(ws);
    },
    async stop(): Promise<void> {
      socket?.terminate();
      if (wss) {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((resolve) => wss!.close(() => resolve()));
      }
    },
  };
  const pingsWaiting: string[] = [];
  const ping = (ws: WsSocket, p: SoakPing): void => {
    pingsWaiting.push(p.payload);
    ws.ping(Buffer.from(p.payload, "hex"));
  };
  function run(ws: WsSocket): void {
    socket = ws;
    ws.on("error", (e: Error) => {
      const next = plan.ours.messages[received.count];
      failures.push(`ws error: ${e.message} (while message ${received.count} was next: ${next ? describeMessage(next) : "none"})`);
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      received.take(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), !isBinary);
      maybeFinish();
    });
    ws.on("pong", (payload: Buffer) => {
      const want = pingsWaiting.shift();
      if (want !== payload.toString("hex")) failures.push(`at ws: pong ${payload.toString("hex")} for ping ${want ?? "(none)"}`);
      driver.pongs++;
      maybeFinish();
    });
    ws.on("close", (code: number, reason: Buffer) => {
      driver.closed = { code, reason: new Uint8Array(reason) };
      driver.finished = true;
    });
    let stepsDone = false;
    let doneSent = false;
    let closeSent = false;
    function maybeFinish(): void {
      if (!doneSent && stepsDone && received.complete && driver.pongs === side.pings) {
        doneSent = true;
        ws.send(DONE_MARKER);
      }
      if (plan.closeBy === "peer" && doneSent && received.markerSeen && !closeSent) {
        closeSent = true;
        ws.close(plan.closeCode, plan.closeReason);
      }
    }
    const sendAll = async (): Promise<void> => {
      for (const step of side.steps) {
        if (ws.readyState !== WsClient.OPEN) return;
        if (step.op === "pause") await sleep(step.ms);
        else if (step.op === "ping") ping(ws, step);
        else {
          const m = side.messages[step.message]!;
          const data = Buffer.from(theirPayloads[step.message]!);
          const cuts = m.fragments ?? [];
          const bounds = [0, ...cuts, data.length];
          for (let k = 0; k + 1 < bounds.length; k++) {
            ws.send(data.subarray(bounds[k], bounds[k + 1]), { binary: !m.text, fin: k + 2 === bounds.length, compress: true });
            const between = m.pingsBetween?.[k];
            if (k + 2 < bounds.length && between) ping(ws, between);
          }
        }
      }
      stepsDone = true;
      maybeFinish();
    };
    const opened = (): void => {
      driver.extensions = responseExtensions;
      void sendAll();
    };
    if (ws.readyState === WsClient.OPEN) opened();
    else ws.once("open", opened);
  }
  if (plan.ourRole === "client") {
    wss = new WsServer({ host: "127.0.0.1", port: 0, maxPayload: MAX_MESSAGE, perMessageDeflate: wsDeflateOptions(plan.peerDeflate, true) });
    await new Promise<void>((resolve) => wss!.once("listening", () => resolve()));
    wss.on("headers", (headers: string[]) => {
      const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
      responseExtensions = line === undefined ? "" : line.slice(line.indexOf(":") + 1).trim();
    });
    wss.on("connection", (ws: WsSocket) => {
      if (socket !== null) failures.push("ws server: a second connection");
      else run(ws);
    });
    driver.url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/soak`;
  }
  return driver;
}

/** python3-websockets in a child process (peers/py_soak_peer.py). */
async function pythonDriver(plan: SoakPlan, ourPayloads: Uint8Array[], failures: string[], limitMs: number): Promise<PeerDriver> {
  const received = new Inbox("at python", plan.ours.messages, ourPayloads, failures);
  const role = plan.ourRole === "client" ? "server" : "client";
  const proc = spawn(PYTHON, [PY_SOAK_PEER], { stdio: ["pipe", "pipe", "pipe"] });
  const killTimer = setTimeout(() => proc.kill("SIGKILL"), limitMs);
  let stderr = "";
  let partial = "";
  let ready: (port: number) => void = () => undefined;
  const readyPort = new Promise<number>((resolve) => (ready = resolve));
  const driver = {
    url: null as string | null,
    extensions: null as string | null,
    received,
    pongs: 0,
    closed: null as { code: number; reason: Uint8Array } | null,
    finished: false,
    exitCode: null as number | null,
    started: false,
    start(url: string | null): void {
      if (driver.started) return;
      driver.started = true;
      const p = plan.peerDeflate;
      const deflate = p && { ...p, threshold: undefined };
      const json = JSON.stringify({
        role,
        url,
        deflate,
        maxSize: MAX_MESSAGE,
        messages: plan.theirs.messages,
        steps: plan.theirs.steps,
        expectMessages: plan.ours.messages.length,
        closeBy: plan.closeBy,
        closeCode: plan.closeCode,
        closeReason: plan.closeReason,
      });
      proc.stdin!.end(json + "\n");
    },
    async stop(): Promise<void> {
      clearTimeout(killTimer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      proc.stdout?.destroy();
      proc.stderr?.destroy();
      if (stderr.trim() !== "") failures.push(`python wrote to stderr: ${stderr.trim().split("\n").slice(-6).join(" | ")}`);
    },
  };
  const pongsSeen = new Set<number>();
  proc.stdout!.setEncoding("utf8");
  proc.stdout!.on("data", (chunk: string) => {
    partial += chunk;
    for (let nl = partial.indexOf("\n"); nl >= 0; nl = partial.indexOf("\n")) {
      const words = partial.slice(0, nl).split(" ");
      partial = partial.slice(nl + 1);
      if (words[0] === "READY") ready(Number(words[1]));
      else if (words[0] === "OPEN") driver.extensions = words.slice(1).join(" ");
      else if (words[0] === "MSG") received.takeDigest(Number(words[1]), words[2]!, Number(words[3]), words[4]!);
      else if (words[0] === "PONG") {
        const index = Number(words[1]);
        if (pongsSeen.has(index)) failures.push(`at python: a second pong for ping ${index}`);
        pongsSeen.add(index);
        driver.pongs = pongsSeen.size;
      } else if (words[0] === "CLOSED") driver.closed = { code: Number(words[1]), reason: words[2] === "-" ? new Uint8Array(0) : new Uint8Array(Buffer.from(words[2]!, "hex")) };
      else failures.push(`python said: ${words.join(" ").slice(0, 200)}`);
    }
  });
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (d: string) => {
    if (stderr.length < 20_000) stderr += d;
  });
  proc.on("error", (e) => failures.push(`python could not start: ${e.message}`));
  proc.on("close", (code) => {
    driver.exitCode = code;
    driver.finished = true;
    if (code !== 0) failures.push(`python exited with ${code}`);
  });
  if (role === "server") {
    // The plan first: python reads it before it listens.
    driver.start(null);
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const port = await Promise.race([readyPort, new Promise<number>((resolve) => (giveUp = setTimeout(() => resolve(-1), limitMs)))]);
    clearTimeout(giveUp);
    if (port < 0) failures.push("python server never listened");
    driver.url = `ws://127.0.0.1:${port}/soak`;
  }
  return driver;
}

/** Sends a ping through the connection core: WebSocketPeer has no ping method (Godot's has none). */
function sendOurPing(peer: WebSocketPeer, payload: Uint8Array): void {
  const conn = (peer as unknown as { conn: WebSocketConnectionCore | null }).conn;
  conn?.sendPing(payload);
  peer.poll();
}

/** Runs one seed. Never throws for a failed check; `failures` lists them. */
export async function runWebSocketSoak(seed: number, limitMs = 20_000): Promise<SoakResult> {
  const plan = websocketSoakPlan(seed);
  const failures: string[] = [];
  const started = Date.now();
  const deadline = started + limitMs;
  const ourPayloads = plan.ours.messages.map(soakContent);
  const theirPayloads = plan.theirs.messages.map(soakContent);
  const bytesToPeer = ourPayloads.reduce((n, p) => n + p.length, 0);
  const bytesToUs = theirPayloads.reduce((n, p) => n + p.length, 0);
  const received = new Inbox("at ours", plan.theirs.messages, theirPayloads, failures);
  const driver = plan.peer === "ws" ? await wsDriver(plan, theirPayloads, ourPayloads, failures) : await pythonDriver(plan, ourPayloads, failures, limitMs);
  const peerOptions = { inboundBufferSize: MAX_MESSAGE, outboundBufferSize: plan.outboundBufferSize, ...(plan.ourDeflate ? { perMessageDeflate: plan.ourDeflate } : {}) };
  let server: WebSocketServer | null = null;
  let peer: WebSocketPeer | null = null;
  let ourClose: { code: number; reason: string; wasClean: boolean } | null = null;
  const ourErrors: string[] = [];
  const listen = (p: WebSocketPeer): void => {
    p.addEventListener("error", (e: WebSocketErrorEvent) => {
      const next = plan.theirs.messages[received.count];
      ourErrors.push(`our error event: ${e.message} (while message ${received.count} was next: ${next ? describeMessage(next) : "none"})`);
    });
    p.addEventListener("close", (e: WebSocketCloseEvent) => (ourClose = { code: e.code, reason: e.reason, wasClean: e.wasClean }));
    if (plan.reader === "events") p.addEventListener("message", (e: WebSocketMessageEvent) => received.take(e.data, e.isString));
  };
  const drain = (p: WebSocketPeer): void => {
    while (p.getAvailablePacketCount() > 0) {
      const data = p.getPacket();
      received.take(data, p.wasStringPacket());
    }
  };
  const late = (what: string): boolean => {
    if (Date.now() <= deadline) return false;
    failures.push(`timed out after ${limitMs} ms ${what}`);
    return true;
  };
  let stats: SoakResult["stats"] = null;
  let outOfMemoryWaits = 0;
  let extensions = "";
  try {
    if (plan.ourRole === "client") {
      if (driver.url === null) throw new Error("the peer server has no address");
      peer = new WebSocketPeer();
      peer.inboundBufferSize = peerOptions.inboundBufferSize;
      peer.outboundBufferSize = peerOptions.outboundBufferSize;
      if (plan.ourDeflate) peer.perMessageDeflate = plan.ourDeflate;
      listen(peer);
      peer.connectToUrl(driver.url);
      driver.start(null);
    } else {
      server = new WebSocketServer(peerOptions);
      await server.listen(0, "127.0.0.1");
      driver.start(`ws://127.0.0.1:${server.getLocalPort()}/soak`);
    }
    // Open.
    for (;;) {
      if (server !== null && peer === null) {
        peer = server.takeConnection();
        if (peer !== null) {
          // Messages that came with the handshake are already queued: take them before the listener does the rest.
          drain(peer);
          listen(peer);
        }
      }
      peer?.poll();
      if (peer !== null && peer.getReadyState() !== WebSocketState.STATE_CONNECTING) break;
      if (driver.finished || late("waiting for the connection")) break;
      await sleep(1);
    }
    if (plan.peerRefusesHandshake) {
      const state = peer?.getReadyState();
      if (state !== WebSocketState.STATE_CLOSED || !/^handshake refused: server answered 400\b/.test(peer?.getLastError() ?? "") || ourErrors.length !== 1) {
        failures.push(`expected ws to refuse our offer with 400: our state ${state}, last error "${peer?.getLastError()}", ${ourErrors.length} error events`);
      }
      return { plan, failures, ms: Date.now() - started, extensions, stats, bytesToPeer, bytesToUs, outOfMemoryWaits };
    }
    failures.push(...ourErrors.splice(0));
    if (peer === null || peer.getReadyState() !== WebSocketState.STATE_OPEN) {
      failures.push(`no connection (our state ${peer?.getReadyState() ?? "none"}, ${peer?.getLastError() ?? ""})`);
      return { plan, failures, ms: Date.now() - started, extensions, stats, bytesToPeer, bytesToUs, outOfMemoryWaits };
    }
    extensions = peer.getExtensions();
    // Exchange, then close.
    const steps = plan.ours.steps;
    let next = 0;
    let resumeAt = 0;
    let pingsSent = 0;
    let doneSent = false;
    let closeSent = false;
    const p = peer;
    while (p.getReadyState() !== WebSocketState.STATE_CLOSED) {
      p.poll();
      if (plan.reader === "getPacket") drain(p);
      while (next < steps.length && Date.now() >= resumeAt && p.getReadyState() === WebSocketState.STATE_OPEN) {
        const step = steps[next]!;
        if (step.op === "pause") resumeAt = Date.now() + step.ms;
        else if (step.op === "ping") {
          sendOurPing(p, new Uint8Array(Buffer.from(step.payload, "hex")));
          pingsSent++;
        } else {
          const m = plan.ours.messages[step.message]!;
          const err = p.send(ourPayloads[step.message]!, m.text ? WriteMode.WRITE_MODE_TEXT : WriteMode.WRITE_MODE_BINARY);
          // A full outgoing buffer is the caller's to wait out, as in Godot.
          if (err === GodotError.ERR_OUT_OF_MEMORY) {
            outOfMemoryWaits++;
            break;
          }
          if (err !== GodotError.OK) failures.push(`our send of message ${step.message} returned ${err}`);
        }
        next++;
        if (step.op === "pause") break;
      }
      const s = p.getStats();
      if (!doneSent && next === steps.length && received.complete && s.pongsReceived >= pingsSent) {
        doneSent = true;
        p.sendText(DONE_MARKER);
      }
      if (plan.closeBy === "us" && doneSent && received.markerSeen && !closeSent) {
        closeSent = true;
        p.close(plan.closeCode, plan.closeReason);
      }
      if (late(`exchanging (we have ${received.count}/${plan.theirs.messages.length} messages and sent ${next}/${steps.length} steps, the peer ${driver.received.count}/${plan.ours.messages.length}; state ${p.getReadyState()})`)) break;
      await sleep(1);
    }
    stats = p.getStats();
    // The peer's end.
    while (!driver.finished && !late("for the peer to finish")) await sleep(2);
    const closedMs = Date.now() - started;
    failures.push(...ourErrors.splice(0));
    // Checks.
    if (!received.complete) failures.push(`at ours: ${received.count} of ${plan.theirs.messages.length} messages arrived`);
    if (!driver.received.complete) failures.push(`at ${plan.peer}: ${driver.received.count} of ${plan.ours.messages.length} messages arrived`);
    if (plan.closeBy === "us" && received.complete && !received.markerSeen) failures.push("the peer's marker never arrived");
    if (stats.pongsReceived !== pingsSent) failures.push(`at ours: ${stats.pongsReceived} pongs for ${pingsSent} pings`);
    if (stats.pingsReceived !== plan.theirs.pings) failures.push(`at ours: ${stats.pingsReceived} pings received, the peer sent ${plan.theirs.pings}`);
    if (driver.pongs !== plan.theirs.pings) failures.push(`at ${plan.peer}: ${driver.pongs} pongs for ${plan.theirs.pings} pings`);
    if (stats.protocolErrors !== 0) failures.push(`our protocol errors: ${stats.protocolErrors}`);
    if (p.getLastError() !== "") failures.push(`our last error: ${p.getLastError()}`);
    const reasonBytes = new TextEncoder().encode(plan.closeReason);
    const close = ourClose as { code: number; reason: string; wasClean: boolean } | null;
    if (close === null) failures.push("no close event at ours");
    else if (close.code !== plan.closeCode || close.reason !== plan.closeReason || !close.wasClean) {
      failures.push(`our close event ${close.code} ${JSON.stringify(close.reason)} clean ${close.wasClean}, expected ${plan.closeCode} ${JSON.stringify(plan.closeReason)} clean`);
    }
    if (p.getCloseCode() !== plan.closeCode || p.getCloseReason() !== plan.closeReason) failures.push(`our getCloseCode/Reason ${p.getCloseCode()} ${JSON.stringify(p.getCloseReason())}`);
    if (driver.closed === null) failures.push(`${plan.peer} saw no close`);
    else if (driver.closed.code !== plan.closeCode || hex(driver.closed.reason) !== hex(reasonBytes)) {
      failures.push(`${plan.peer} closed with ${driver.closed.code} ${JSON.stringify(new TextDecoder().decode(driver.closed.reason))}, expected ${plan.closeCode} ${JSON.stringify(plan.closeReason)}`);
    }
    // The extension: both sides read the same one, and none unless both wanted it.
    const theirs = canonicalExtensions(driver.extensions ?? "");
    if (canonicalExtensions(extensions) !== theirs) failures.push(`extensions: ours "${extensions}", ${plan.peer}'s "${driver.extensions}"`);
    if ((plan.ourDeflate === null || plan.peerDeflate === null) && extensions !== "") failures.push(`extension "${extensions}" agreed though one side did not want it`);
    // Our server accepts any offer it can read, and ws and python offer only what RFC 7692 allows.
    if (plan.ourDeflate !== null && plan.peerDeflate !== null && plan.ourRole === "server" && extensions === "") failures.push("our server declined the peer's permessage-deflate offer");
    if (closedMs > limitMs) failures.push(`finished after ${closedMs} ms`);
  } catch (e) {
    failures.push(`threw: ${(e as Error).stack ?? String(e)}`);
  } finally {
    peer?.close(-1);
    await server?.stop();
    await driver.stop();
  }
  return { plan, failures, ms: Date.now() - started, extensions, stats, bytesToPeer, bytesToUs, outOfMemoryWaits };
}

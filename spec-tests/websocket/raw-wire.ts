/**
 * Raw RFC 6455 bytes for the case runner, built independently of src/websocket so the
 * runner does not share bugs with the code under test. Uses node:net (also on Deno and Bun).
 */
import * as net from "node:net";
import { createHash } from "node:crypto";
import { concatBytes } from "../../src/util/copy-bytes.ts";

export const te = new TextEncoder();
export type Bytes = Uint8Array;

export const concat: (parts: Bytes[]) => Bytes = concatBytes;

export interface FrameOpts {
  fin?: boolean;
  /** RSV bits as 0..7 (RSV1 = 4). */
  rsv?: number;
  mask?: boolean;
  /** Declared length instead of the payload's (payload bytes are still what is sent). */
  declaredLength?: number;
  /** Force a 64-bit length field. */
  force64?: boolean;
}

/** One frame. Client frames are masked by default (key 0x11 0x22 0x33 0x44). */
export function frame(opcode: number, payload: Bytes | string = new Uint8Array(0), o: FrameOpts = {}): Bytes {
  const data = typeof payload === "string" ? te.encode(payload) : payload;
  const mask = o.mask ?? true;
  const len = o.declaredLength ?? data.length;
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (len < 126 && !o.force64) head.push(m | len);
  else if (len <= 0xffff && !o.force64) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127);
    const big = BigInt(len);
    for (let i = 7; i >= 0; i--) head.push(Number((big >> BigInt(i * 8)) & 0xffn));
  }
  const key = [0x11, 0x22, 0x33, 0x44];
  if (mask) head.push(...key);
  const body = data.slice();
  if (mask) for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return concat([new Uint8Array(head), body]);
}

export function closePayload(code: number, reason: Bytes | string = ""): Bytes {
  const r = typeof reason === "string" ? te.encode(reason) : reason;
  return concat([new Uint8Array([code >> 8, code & 0xff]), r]);
}

export interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Bytes;
}

/** Parse a byte stream into frames (unmasking); stops at an incomplete tail. */
export function parseFrames(buf: Bytes): { frames: ParsedFrame[]; rest: Bytes } {
  const frames: ParsedFrame[] = [];
  let o = 0;
  for (;;) {
    if (buf.length - o < 2) break;
    const b0 = buf[o];
    const b1 = buf[o + 1];
    let len = b1 & 0x7f;
    let h = 2;
    if (len === 126) {
      if (buf.length - o < 4) break;
      len = (buf[o + 2] << 8) | buf[o + 3];
      h = 4;
    } else if (len === 127) {
      if (buf.length - o < 10) break;
      len = 0;
      for (let i = 0; i < 8; i++) len = len * 256 + buf[o + 2 + i];
      h = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const keyAt = o + h;
    if (masked) h += 4;
    if (buf.length - o < h + len) break;
    const payload = buf.slice(o + h, o + h + len);
    if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[keyAt + (i & 3)];
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0xf, masked, payload });
    o += h + len;
  }
  return { frames, rest: buf.slice(o) };
}

/** A frame as a short string for assertions: "text:abc", "binary:3", "pong:xyz", "close:1002", "close:none". */
export function describeFrame(f: ParsedFrame): string {
  switch (f.opcode) {
    case 1:
      return `text:${new TextDecoder().decode(f.payload)}`;
    case 2:
      return `binary:${f.payload.length}`;
    case 9:
      return `ping:${new TextDecoder().decode(f.payload)}`;
    case 10:
      return `pong:${new TextDecoder().decode(f.payload)}`;
    case 8:
      return f.payload.length >= 2 ? `close:${(f.payload[0] << 8) | f.payload[1]}` : "close:none";
    default:
      return `opcode${f.opcode}`;
  }
}

export function acceptFor(key: string): string {
  return createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
}

export const CLIENT_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

export function upgradeRequest(extra = "", opts: { version?: string; key?: string | null; method?: string; path?: string } = {}): string {
  let s = `${opts.method ?? "GET"} ${opts.path ?? "/"} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`;
  if (opts.key !== null) s += `Sec-WebSocket-Key: ${opts.key ?? CLIENT_KEY}\r\n`;
  s += `Sec-WebSocket-Version: ${opts.version ?? "13"}\r\n`;
  return s + extra + "\r\n";
}

/**
 * Open a TCP connection, send `chunks` (with `gapMs` between them), and collect everything
 * the other side sends until it closes the connection or `ms` pass.
 */
export function exchange(
  port: number,
  chunks: (Bytes | string)[],
  ms: number,
  gapMs = 0,
  /** Sent once `when(received so far)` is true (e.g. after the expected echoes arrived). */
  final?: { chunk: Bytes; when: (data: Bytes) => boolean },
): Promise<{ data: Bytes; closedByPeer: boolean; elapsed: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = net.connect({ host: "127.0.0.1", port });
    const got: Bytes[] = [];
    let done = false;
    const finish = (closedByPeer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: concat(got), closedByPeer, elapsed: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), ms);
    let finalSent = false;
    sock.on("data", (d: Buffer) => {
      got.push(new Uint8Array(d));
      if (final && !finalSent && final.when(concat(got))) {
        finalSent = true;
        sock.write(final.chunk);
      }
    });
    sock.on("end", () => finish(true));
    sock.on("close", () => finish(true));
    sock.on("error", () => finish(true));
    sock.on("connect", async () => {
      for (const c of chunks) {
        if (done) return;
        sock.write(typeof c === "string" ? Buffer.from(c, "latin1") : c);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/** Split a byte stream into the HTTP head (text) and what follows. */
export function splitHead(data: Bytes): { head: string; rest: Bytes } {
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] === 13 && data[i + 1] === 10 && data[i + 2] === 13 && data[i + 3] === 10) {
      return { head: Buffer.from(data.subarray(0, i + 4)).toString("latin1"), rest: data.slice(i + 4) };
    }
  }
  return { head: Buffer.from(data).toString("latin1"), rest: new Uint8Array(0) };
}

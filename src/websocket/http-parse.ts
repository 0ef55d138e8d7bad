/**
 * Minimal HTTP/1.1 message-head parsing for the opening handshake (RFC 7230
 * section 3): the start line and header fields up to the empty line. Header
 * names are case-insensitive and stored lower-cased; repeated fields are joined
 * with ", " as RFC 7230 section 3.2.2 allows. Bodies are not supported (an
 * upgrade request has none).
 */

/** Godot's limit for the whole handshake head (WSL_MAX_HEADER_SIZE). */
export const MAX_HANDSHAKE_HEADER_SIZE = 4096;

export interface HttpHead {
  /** Request: method, target, version. Response: version, status code, reason phrase. */
  startLine: [string, string, string];
  /** Lower-cased name -> value (repeated fields comma-joined). */
  headers: Map<string, string>;
}

export enum HeadScanResult {
  /** More bytes are needed. */
  INCOMPLETE,
  COMPLETE,
  /** The head is larger than the limit. */
  TOO_LARGE,
}

/**
 * Accumulates bytes until the blank line that ends the head, without ever holding
 * more than `limit` bytes. Bytes after the head (the first WebSocket frames, if
 * the peer pipelined them) are kept for the caller.
 */
export class HttpHeadCollector {
  /**
   * Grown as bytes arrive, up to `limit` (a head usually comes in one read of a few hundred
   * bytes: a server accepting a burst of connections would otherwise hold `limit` bytes of
   * native memory for each until its handshake is done).
   */
  private buffer: Uint8Array = NO_BYTES;
  private fill = 0;
  /** Bytes after the end of the head, available once COMPLETE. */
  rest: Uint8Array = NO_BYTES;
  headLength = 0;

  constructor(readonly limit: number = MAX_HANDSHAKE_HEADER_SIZE) {}

  push(chunk: Uint8Array): HeadScanResult {
    // Resume the terminator search a few bytes back so a CRLFCRLF split across chunks is found.
    const from = Math.max(0, this.fill - 3);
    const room = this.limit - this.fill;
    const take = Math.min(room, chunk.length);
    const needed = this.fill + take;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.limit, Math.max(needed, this.buffer.length * 2)));
      grown.set(this.buffer.subarray(0, this.fill));
      this.buffer = grown;
    }
    this.buffer.set(chunk.subarray(0, take), this.fill);
    this.fill += take;
    const b = this.buffer;
    for (let i = from; i + 3 < this.fill; i++) {
      if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
        this.headLength = i + 4;
        const afterInBuffer = b.subarray(this.headLength, this.fill);
        const afterInChunk = chunk.subarray(take);
        if (afterInChunk.length === 0) this.rest = afterInBuffer.slice();
        else {
          const rest = new Uint8Array(afterInBuffer.length + afterInChunk.length);
          rest.set(afterInBuffer);
          rest.set(afterInChunk, afterInBuffer.length);
          this.rest = rest;
        }
        return HeadScanResult.COMPLETE;
      }
    }
    return this.fill >= this.limit ? HeadScanResult.TOO_LARGE : HeadScanResult.INCOMPLETE;
  }

  /** The head's text (Latin-1, as HTTP field values are octets). */
  headText(): string {
    // One String.fromCharCode call per 8 KiB gives a flat string (a head is at most `limit`, 4 KiB
    // by default): a string built a character at a time stays a chain of pieces, which costs a
    // connection that keeps its request head (WebSocketConnectionCore) more than its text.
    const b = this.buffer;
    let s = "";
    for (let at = 0; at < this.headLength; at += 8192) {
      s += String.fromCharCode.apply(null, b.subarray(at, Math.min(this.headLength, at + 8192)) as unknown as number[]);
    }
    return s;
  }
}

const NO_BYTES = new Uint8Array(0);

/** One character an HTTP token may hold (RFC 7230 tchar). */
export const HTTP_TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** An HTTP token (RFC 7230 3.2.6): header names, subprotocols, extension names and parameters. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parse a complete head (ending in CRLFCRLF). Returns null when malformed. */
export function parseHttpHead(text: string): HttpHead | null {
  const lines = text.split("\r\n");
  // The head ends with an empty line, giving two trailing empty strings.
  if (lines.length < 3 || lines[lines.length - 1] !== "" || lines[lines.length - 2] !== "") return null;
  const first = lines[0] ?? "";
  const sp1 = first.indexOf(" ");
  const sp2 = sp1 < 0 ? -1 : first.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 < 0) return null;
  const startLine: [string, string, string] = [first.slice(0, sp1), first.slice(sp1 + 1, sp2), first.slice(sp2 + 1)];
  const headers = new Map<string, string>();
  for (const line of lines.slice(1, -2)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return null; // also rejects obsolete line folding (leading whitespace)
    const name = line.slice(0, colon);
    if (!HTTP_TOKEN.test(name)) return null;
    const value = line.slice(colon + 1).trim();
    const key = name.toLowerCase();
    const prev = headers.get(key);
    headers.set(key, prev === undefined ? value : prev + ", " + value);
  }
  return { startLine, headers };
}

/** The comma-separated elements of a header value, trimmed, empty ones dropped. */
export function headerList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.trim();
    if (t) out.push(t);
  }
  return out;
}

/** Whether a comma-separated header value contains `token` (case-insensitive). */
export function headerHasToken(value: string | undefined, token: string): boolean {
  const want = token.toLowerCase();
  return headerList(value).some((t) => t.toLowerCase() === want);
}

/**
 * The opening handshake (RFC 6455 section 4): building and checking the HTTP
 * upgrade request and response. Pure functions over strings and parsed heads.
 */
import { sha1 } from "@noble/hashes/legacy.js";
import { HTTP_TOKEN, type HttpHead, headerHasToken, headerList } from "./http-parse.ts";
import { parseExtensionHeader } from "./extension-header.ts";
import { type DeflateAgreement, type DeflateSettings, checkDeflateResponse } from "./permessage-deflate.ts";

/** RFC 6455 section 1.3: appended to the client key before hashing. */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
export const WEBSOCKET_VERSION = "13";

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`. */
export function computeAcceptKey(clientKey: string): string {
  const input = clientKey + WEBSOCKET_GUID;
  const bytes = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) bytes[i] = input.charCodeAt(i) & 0xff;
  return base64(sha1(bytes));
}

/** A `Sec-WebSocket-Key` from 16 fresh random bytes: their base64 (section 4.1). */
export function encodeClientKey(raw: Uint8Array): string {
  return base64(raw);
}

/** Whether a key is base64 of exactly 16 bytes (section 4.2.1 item 5). */
export function isValidClientKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{22}==$/.test(key);
}

/** A field name token, a colon, and a value of visible Latin-1 characters, spaces and tabs (RFC 7230 3.2). */
const HEADER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

/** Check a `handshakeHeaders` entry ("Name: value"); throws TypeError naming the property. */
export function checkExtraHeader(line: string): void {
  if (typeof line !== "string" || !HEADER_LINE.test(line)) {
    throw new TypeError(`handshakeHeaders entries must be "Name: value" lines of Latin-1 text without control characters, got ${JSON.stringify(line)}`);
  }
}

export function checkProtocolName(name: string): void {
  if (typeof name !== "string" || !HTTP_TOKEN.test(name)) {
    throw new TypeError(`supportedProtocols entries must be HTTP tokens, got ${JSON.stringify(name)}`);
  }
}

export interface ClientRequestOptions {
  /** Value of the Host header (host, plus ":port" when not the scheme's default). */
  hostHeader: string;
  /** Path and query, starting with "/". */
  resource: string;
  key: string;
  protocols: readonly string[];
  extraHeaders: readonly string[];
  /** `Sec-WebSocket-Extensions` value to offer ("" for none). */
  extensions?: string;
}

export function buildClientRequest(o: ClientRequestOptions): string {
  let s =
    `GET ${o.resource} HTTP/1.1\r\n` +
    `Host: ${o.hostHeader}\r\n` +
    "Upgrade: websocket\r\n" +
    "Connection: Upgrade\r\n" +
    `Sec-WebSocket-Key: ${o.key}\r\n` +
    `Sec-WebSocket-Version: ${WEBSOCKET_VERSION}\r\n`;
  if (o.protocols.length > 0) s += `Sec-WebSocket-Protocol: ${o.protocols.join(", ")}\r\n`;
  if (o.extensions) s += `Sec-WebSocket-Extensions: ${o.extensions}\r\n`;
  for (const h of o.extraHeaders) s += h + "\r\n";
  return s + "\r\n";
}

export type HandshakeCheck<T> = ({ ok: true } & T) | { ok: false; reason: string };

/**
 * Check the server's answer (section 4.1, client requirements 1-6). Subprotocol by
 * Godot's rule: when the client offered any, the server must pick one of them. Extensions: only
 * permessage-deflate, and only when offered (`deflate` non-null), as RFC 7692 section 7.1 allows.
 */
export function checkServerResponse(
  head: HttpHead,
  key: string,
  offeredProtocols: readonly string[],
  deflate: DeflateSettings | null = null,
): HandshakeCheck<{ protocol: string; deflate: DeflateAgreement | null }> {
  const [version, status] = head.startLine;
  if (!version.startsWith("HTTP/1.")) return { ok: false, reason: `not an HTTP/1.x response (${version})` };
  if (status !== "101") return { ok: false, reason: `server answered ${status} ${head.startLine[2]}` };
  const h = head.headers;
  if (!headerHasToken(h.get("upgrade"), "websocket")) return { ok: false, reason: "missing Upgrade: websocket" };
  if (!headerHasToken(h.get("connection"), "upgrade")) return { ok: false, reason: "missing Connection: Upgrade" };
  if (h.get("sec-websocket-accept") !== computeAcceptKey(key)) return { ok: false, reason: "wrong Sec-WebSocket-Accept" };
  const extensions = parseExtensionHeader(h.get("sec-websocket-extensions"));
  if (extensions === null) return { ok: false, reason: "malformed Sec-WebSocket-Extensions" };
  const agreement = checkDeflateResponse(extensions, deflate);
  if (typeof agreement === "string") return { ok: false, reason: agreement };
  const selected = headerList(h.get("sec-websocket-protocol"));
  if (selected.length > 1) return { ok: false, reason: "server selected more than one subprotocol" };
  const protocol = selected[0] ?? "";
  if (protocol !== "" && !offeredProtocols.includes(protocol)) {
    return { ok: false, reason: `server selected subprotocol "${protocol}" which was not offered` };
  }
  if (protocol === "" && offeredProtocols.length > 0) {
    return { ok: false, reason: "server selected none of the offered subprotocols" };
  }
  return { ok: true, protocol, deflate: agreement };
}

export interface UpgradeRequest {
  resource: string;
  key: string;
  protocol: string;
  headers: Map<string, string>;
}

export type RequestCheck = ({ ok: true } & UpgradeRequest) | { ok: false; status: number; reason: string };

/**
 * Check a client's upgrade request (section 4.2.1). A wrong version answers 426
 * (with Sec-WebSocket-Version: 13, added by the caller); every other defect 400.
 * Subprotocol by Godot's rule: the first client-offered protocol the server supports;
 * when the server supports some and none of the client's offers match, refuse.
 */
export function checkClientRequest(head: HttpHead, supportedProtocols: readonly string[]): RequestCheck {
  const [method, resource, version] = head.startLine;
  if (method !== "GET") return { ok: false, status: 400, reason: `method ${method} is not GET` };
  if (version !== "HTTP/1.1") return { ok: false, status: 400, reason: `version ${version} is not HTTP/1.1` };
  if (!resource.startsWith("/") && !/^wss?:\/\//i.test(resource)) {
    return { ok: false, status: 400, reason: "bad request target" };
  }
  const h = head.headers;
  if (!h.has("host")) return { ok: false, status: 400, reason: "missing Host" };
  if (!headerHasToken(h.get("upgrade"), "websocket")) return { ok: false, status: 400, reason: "missing Upgrade: websocket" };
  if (!headerHasToken(h.get("connection"), "upgrade")) return { ok: false, status: 400, reason: "missing Connection: Upgrade" };
  const key = h.get("sec-websocket-key") ?? "";
  if (!isValidClientKey(key)) return { ok: false, status: 400, reason: "missing or malformed Sec-WebSocket-Key" };
  const versions = headerList(h.get("sec-websocket-version"));
  if (!versions.includes(WEBSOCKET_VERSION)) {
    return { ok: false, status: 426, reason: "unsupported Sec-WebSocket-Version" };
  }
  let protocol = "";
  const offered = headerList(h.get("sec-websocket-protocol"));
  if (offered.length > 0 && supportedProtocols.length > 0) {
    protocol = offered.find((p) => supportedProtocols.includes(p)) ?? "";
    if (protocol === "") return { ok: false, status: 400, reason: "none of the offered subprotocols is supported" };
  }
  return { ok: true, resource, key, protocol, headers: h };
}

/** The 101 response; `extensions` is the `Sec-WebSocket-Extensions` value agreed ("" for none). */
export function buildServerResponse(clientKey: string, protocol: string, extraHeaders: readonly string[], extensions = ""): string {
  let s =
    "HTTP/1.1 101 Switching Protocols\r\n" +
    "Upgrade: websocket\r\n" +
    "Connection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${computeAcceptKey(clientKey)}\r\n`;
  if (protocol) s += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  if (extensions) s += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  for (const h of extraHeaders) s += h + "\r\n";
  return s + "\r\n";
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
};

/** A refusal; the connection is closed after it is sent. */
export function buildErrorResponse(status: number): string {
  let s = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nConnection: close\r\nContent-Length: 0\r\n`;
  if (status === 426) s += `Sec-WebSocket-Version: ${WEBSOCKET_VERSION}\r\n`;
  return s + "\r\n";
}

export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

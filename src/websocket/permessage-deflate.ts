/**
 * Negotiating the permessage-deflate extension (RFC 7692 sections 5 and 7.1): the client's
 * offer, the server's choice among the offers and its response, and the client's check of that
 * response. The compression itself is in message-compression.ts.
 */
import { type ExtensionElement, formatExtension } from "./extension-header.ts";

export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** Smallest and largest LZ77 window (as a power of two) a `*_max_window_bits` parameter may name. */
export const MIN_WINDOW_BITS = 8;
export const MAX_WINDOW_BITS = 15;

/**
 * permessage-deflate settings of one side (`perMessageDeflate` on WebSocketPeer, the server
 * options and WebSocketMultiplayerPeer). Each `*NoContextTakeover` / `*MaxWindowBits` is what
 * this side asks for: a client puts them in its offer, a server in its response. The peer's own
 * requests are honoured either way.
 */
export interface PerMessageDeflateOptions {
  /** The server starts every message with an empty LZ77 window (saves the client 32 KiB per connection). */
  serverNoContextTakeover?: boolean;
  /** The client starts every message with an empty window (saves the server 32 KiB per connection). */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window the server may use, 8..15 (2^bits bytes); default 15. */
  serverMaxWindowBits?: number;
  /** Largest LZ77 window the client may use, 8..15; default 15. */
  clientMaxWindowBits?: number;
  /** Messages shorter than this many bytes are sent uncompressed (default 1024, as in the ws package). */
  threshold?: number;
  /** DEFLATE level 1..9 for outgoing messages (default 6, zlib's). */
  level?: number;
}

/** The settings with their defaults filled in and checked. */
export interface DeflateSettings {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** 0 when not set (then the parameter is not sent and 15 applies). */
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
  threshold: number;
  level: number;
}

/** What both sides agreed on: how each direction is compressed. */
export interface DeflateAgreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export const DEFAULT_DEFLATE_THRESHOLD = 1024;
export const DEFAULT_DEFLATE_LEVEL = 6;

/** `true` means every default; `false`/`undefined` means off (null). Throws TypeError on a bad value. */
export function resolveDeflateOptions(o: boolean | PerMessageDeflateOptions | undefined): DeflateSettings | null {
  if (o === undefined || o === false) return null;
  const given: PerMessageDeflateOptions = o === true ? {} : o;
  if (typeof given !== "object" || given === null) throw new TypeError("perMessageDeflate must be a boolean or an options object");
  const flag = (v: unknown, name: string): boolean => {
    if (v !== undefined && typeof v !== "boolean") throw new TypeError(`perMessageDeflate.${name} must be a boolean`);
    return v === true;
  };
  const int = (v: unknown, name: string, min: number, max: number, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new TypeError(`perMessageDeflate.${name} must be an integer in ${min}..${max}, got ${String(v)}`);
    }
    return v;
  };
  return {
    serverNoContextTakeover: flag(given.serverNoContextTakeover, "serverNoContextTakeover"),
    clientNoContextTakeover: flag(given.clientNoContextTakeover, "clientNoContextTakeover"),
    serverMaxWindowBits: int(given.serverMaxWindowBits, "serverMaxWindowBits", MIN_WINDOW_BITS, MAX_WINDOW_BITS, 0),
    clientMaxWindowBits: int(given.clientMaxWindowBits, "clientMaxWindowBits", MIN_WINDOW_BITS, MAX_WINDOW_BITS, 0),
    threshold: int(given.threshold, "threshold", 0, Number.MAX_SAFE_INTEGER, DEFAULT_DEFLATE_THRESHOLD),
    level: int(given.level, "level", 1, 9, DEFAULT_DEFLATE_LEVEL),
  };
}

/** Settings back as the options that give them (for the `perMessageDeflate` getters). */
export function deflateOptionsOf(s: DeflateSettings | null): PerMessageDeflateOptions | false {
  if (s === null) return false;
  const o: PerMessageDeflateOptions = {
    serverNoContextTakeover: s.serverNoContextTakeover,
    clientNoContextTakeover: s.clientNoContextTakeover,
    threshold: s.threshold,
    level: s.level,
  };
  if (s.serverMaxWindowBits > 0) o.serverMaxWindowBits = s.serverMaxWindowBits;
  if (s.clientMaxWindowBits > 0) o.clientMaxWindowBits = s.clientMaxWindowBits;
  return o;
}

/**
 * The client's offer. It always names `client_max_window_bits` (without a value unless one is
 * set): that tells the server it may limit our window, which our sender can always honour.
 */
export function buildDeflateOffer(s: DeflateSettings): string {
  const params: [string, string | true][] = [];
  if (s.serverNoContextTakeover) params.push(["server_no_context_takeover", true]);
  if (s.clientNoContextTakeover) params.push(["client_no_context_takeover", true]);
  if (s.serverMaxWindowBits > 0) params.push(["server_max_window_bits", String(s.serverMaxWindowBits)]);
  params.push(["client_max_window_bits", s.clientMaxWindowBits > 0 ? String(s.clientMaxWindowBits) : true]);
  return formatExtension({ name: PERMESSAGE_DEFLATE, params });
}

/** A window-bits value 8..15 written as plain decimal digits; NaN otherwise. */
function windowBits(v: string | true): number {
  if (v === true || !/^[0-9]{1,2}$/.test(v)) return Number.NaN;
  const n = Number(v);
  return n >= MIN_WINDOW_BITS && n <= MAX_WINDOW_BITS ? n : Number.NaN;
}

interface ParsedParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** 0 absent. */
  serverMaxWindowBits: number;
  /** 0 absent, -1 present without a value (offers only). */
  clientMaxWindowBits: number;
}

/** The parameters of one permessage-deflate element; a string says what is wrong. */
function parseParams(e: ExtensionElement, isOffer: boolean): ParsedParams | string {
  const p: ParsedParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 0, clientMaxWindowBits: 0 };
  const seen = new Set<string>();
  for (const [name, value] of e.params) {
    if (seen.has(name)) return `parameter ${name} given twice`;
    seen.add(name);
    if (name === "server_no_context_takeover" || name === "client_no_context_takeover") {
      if (value !== true) return `${name} takes no value`;
      if (name === "server_no_context_takeover") p.serverNoContextTakeover = true;
      else p.clientNoContextTakeover = true;
    } else if (name === "server_max_window_bits") {
      const bits = windowBits(value);
      if (Number.isNaN(bits)) return `server_max_window_bits must be 8..15`;
      p.serverMaxWindowBits = bits;
    } else if (name === "client_max_window_bits") {
      if (value === true && isOffer) p.clientMaxWindowBits = -1;
      else {
        const bits = windowBits(value);
        if (Number.isNaN(bits)) return `client_max_window_bits must be 8..15`;
        p.clientMaxWindowBits = bits;
      }
    } else {
      return `unknown parameter ${name}`;
    }
  }
  return p;
}

/**
 * Server side: the first offer of permessage-deflate we can accept (RFC 7692 section 7.1: an
 * offer with an unknown, repeated or malformed parameter is declined, and the next one tried),
 * and the element to answer with. Null when there is none (the connection goes on without).
 */
export function acceptDeflateOffer(offers: readonly ExtensionElement[], s: DeflateSettings): { agreement: DeflateAgreement; response: string } | null {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const p = parseParams(offer, true);
    if (typeof p === "string") continue;
    const agreement: DeflateAgreement = {
      serverNoContextTakeover: p.serverNoContextTakeover || s.serverNoContextTakeover,
      clientNoContextTakeover: p.clientNoContextTakeover || s.clientNoContextTakeover,
      serverMaxWindowBits: Math.min(p.serverMaxWindowBits || MAX_WINDOW_BITS, s.serverMaxWindowBits || MAX_WINDOW_BITS),
      clientMaxWindowBits: MAX_WINDOW_BITS,
    };
    const params: [string, string | true][] = [];
    if (agreement.serverNoContextTakeover) params.push(["server_no_context_takeover", true]);
    if (agreement.clientNoContextTakeover) params.push(["client_no_context_takeover", true]);
    // Named whenever the offer named it (section 7.1.2.1), or when we limit ourselves.
    if (p.serverMaxWindowBits > 0 || s.serverMaxWindowBits > 0) params.push(["server_max_window_bits", String(agreement.serverMaxWindowBits)]);
    // The client's window may only be limited when the offer says the client supports it.
    if (p.clientMaxWindowBits !== 0) {
      const offered = p.clientMaxWindowBits > 0 ? p.clientMaxWindowBits : MAX_WINDOW_BITS;
      agreement.clientMaxWindowBits = Math.min(offered, s.clientMaxWindowBits || MAX_WINDOW_BITS);
      if (s.clientMaxWindowBits > 0 || p.clientMaxWindowBits > 0) params.push(["client_max_window_bits", String(agreement.clientMaxWindowBits)]);
    }
    return { agreement, response: formatExtension({ name: PERMESSAGE_DEFLATE, params }) };
  }
  return null;
}

/**
 * Client side: check the server's `Sec-WebSocket-Extensions` against our offer (RFC 7692 section
 * 7.1). No extension means no compression; anything we did not offer, or a parameter the
 * response may not carry, fails the handshake (a string says why).
 */
export function checkDeflateResponse(elements: readonly ExtensionElement[], s: DeflateSettings | null): DeflateAgreement | null | string {
  if (elements.length === 0) return null;
  if (s === null) return "server selected an extension that was not offered";
  if (elements.length > 1) return "server selected more than one extension";
  const e = elements[0]!;
  if (e.name !== PERMESSAGE_DEFLATE) return `server selected extension ${e.name}, which was not offered`;
  const p = parseParams(e, false);
  if (typeof p === "string") return `permessage-deflate response: ${p}`;
  if (s.serverMaxWindowBits > 0 && p.serverMaxWindowBits > s.serverMaxWindowBits) {
    return `permessage-deflate response: server_max_window_bits ${p.serverMaxWindowBits} is above the ${s.serverMaxWindowBits} offered`;
  }
  if (s.clientMaxWindowBits > 0 && p.clientMaxWindowBits > s.clientMaxWindowBits) {
    return `permessage-deflate response: client_max_window_bits ${p.clientMaxWindowBits} is above the ${s.clientMaxWindowBits} offered`;
  }
  return {
    serverNoContextTakeover: p.serverNoContextTakeover,
    clientNoContextTakeover: p.clientNoContextTakeover || s.clientNoContextTakeover,
    serverMaxWindowBits: p.serverMaxWindowBits || MAX_WINDOW_BITS,
    clientMaxWindowBits: p.clientMaxWindowBits || s.clientMaxWindowBits || MAX_WINDOW_BITS,
  };
}

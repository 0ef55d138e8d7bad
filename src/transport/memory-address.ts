/**
 * Address handling for the simulated network: IP literals are reduced to one canonical
 * text form (RFC 5952 for IPv6, IPv4-mapped IPv6 folded to IPv4) so "::1", "0:0::1" and
 * "0:0:0:0:0:0:0:1" all name the same virtual endpoint.
 */
import { GodotError, NetError } from "../errors.ts";

export const MEMORY_UDP_MAX_PAYLOAD_IPV4 = 65507;
export const MEMORY_UDP_MAX_PAYLOAD_IPV6 = 65527;
const PORT_MAX = 65535;

const DECIMAL_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const HOST_LABEL = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?$/;

function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!DECIMAL_OCTET.test(p)) return null;
    out.push(Number(p));
  }
  return out;
}

/** Eight 16-bit groups, or null. A `%zone` suffix is accepted and ignored (one virtual interface). */
function parseIPv6(text: string): number[] | null {
  let addr = text;
  const zone = addr.indexOf("%");
  if (zone !== -1) addr = addr.slice(0, zone);
  if (addr.length < 2 || addr.length > 45 || !addr.includes(":")) return null;
  let tail: number[] = [];
  const lastColon = addr.lastIndexOf(":");
  if (addr.slice(lastColon + 1).includes(".")) {
    const v4 = parseIPv4(addr.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    addr = addr.slice(0, lastColon + 1);
    // Keep a trailing "::" (zeros before the tail); drop a lone separator colon.
    if (!addr.endsWith("::")) addr = addr.slice(0, -1);
  }
  const groupsOf = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!HEX_GROUP.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const halves = addr.split("::");
  if (halves.length > 2) return null;
  if (halves.length === 2) {
    const head = groupsOf(halves[0]!);
    const rest = groupsOf(halves[1]!);
    if (head === null || rest === null) return null;
    const missing = 8 - head.length - rest.length - tail.length;
    if (missing < 1) return null;
    return [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail];
  }
  const groups = groupsOf(addr);
  if (groups === null || groups.length + tail.length !== 8) return null;
  return [...groups, ...tail];
}

function formatIPv6(g: number[]): string {
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (arr: number[]): string => arr.map((x) => x.toString(16)).join(":");
  if (bestStart === -1) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Canonical text of an IP literal, or null when `text` is not one. */
export function canonicalIp(text: string): string | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return v4.join(".");
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  const mapped = v6[0] === 0 && v6[1] === 0 && v6[2] === 0 && v6[3] === 0 && v6[4] === 0 && v6[5] === 0xffff;
  if (mapped) return `${v6[6]! >> 8}.${v6[6]! & 255}.${v6[7]! >> 8}.${v6[7]! & 255}`;
  return formatIPv6(v6);
}

/**
 * An IP literal in the text Godot's IPAddress prints: IPv4 dotted (IPv4-mapped IPv6 too), IPv6 as
 * all eight groups in lowercase hex without leading zeros or "::" ("0:0:0:0:0:0:0:1"), no %zone.
 * Null when `text` is not an IP literal.
 */
export function godotIpText(text: string): string | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return v4.join(".");
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  const canonical = canonicalIp(text);
  if (canonical !== null && !isCanonicalIPv6(canonical)) return canonical;
  return v6.map((g) => g.toString(16)).join(":");
}

export function isCanonicalIPv6(address: string): boolean {
  return address.includes(":");
}

/**
 * The other-family loopback address: a wildcard bind on a 127.0.0.1 host also gets ::1 and
 * the reverse, as a dual-stack socket on a real machine does.
 */
export function loopbackTwin(address: string): string | undefined {
  if (address === "127.0.0.1") return "::1";
  if (address === "::1") return "127.0.0.1";
  return undefined;
}

/** "*", "", "0.0.0.0" and "::" mean "any address of this host". */
export function isWildcardAddress(text: string): boolean {
  return text === "*" || text === "" || text === "0.0.0.0" || canonicalIp(text) === "::";
}

function isHostNameSyntax(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  return trimmed.split(".").every((label) => HOST_LABEL.test(label));
}

/**
 * Resolve `text` (IP literal or a name in `names`) to a canonical address.
 * Non-strings throw TypeError; malformed text NetError(ERR_INVALID_PARAMETER);
 * a well-formed but unknown name NetError(ERR_CANT_RESOLVE) — there is no DNS here.
 */
export function resolveMemoryAddress(text: unknown, what: string, names: ReadonlyMap<string, string>): string {
  if (typeof text !== "string") {
    throw new TypeError(`${what}: address must be a string (IP literal or host name), got ${typeof text}`);
  }
  const ip = canonicalIp(text);
  if (ip !== null) return ip;
  const known = names.get(text.toLowerCase());
  if (known !== undefined) return known;
  if (!isHostNameSyntax(text)) {
    throw new NetError(GodotError.ERR_INVALID_PARAMETER, `${what}: "${text}" is neither an IP address nor a valid host name`);
  }
  throw new NetError(GodotError.ERR_CANT_RESOLVE, `${what}: cannot resolve "${text}" on the simulated network (register it with setHostName)`);
}

/** Throw a RangeError naming the argument unless `port` is an integer in min..65535. */
export function checkMemoryPort(port: unknown, what: string, min: number): asserts port is number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < min || port > PORT_MAX) {
    throw new RangeError(`${what}: port must be an integer in ${min}..${PORT_MAX}, got ${String(port)}`);
  }
}

export function formatMemoryEndpoint(address: string, port: number): string {
  return isCanonicalIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

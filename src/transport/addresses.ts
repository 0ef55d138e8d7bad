/**
 * Address and port validation shared by the runtime adapters. Pure functions:
 * no runtime APIs, so every adapter applies exactly the same rules.
 */
import { GodotError, NetError } from "../errors.ts";

/** Largest UDP payload over IPv4: 65535 - 20 (IPv4 header) - 8 (UDP header). */
export const UDP_MAX_PAYLOAD_IPV4 = 65507;
/** Largest UDP payload over IPv6 without jumbograms: 65535 - 8 (UDP header). */
export const UDP_MAX_PAYLOAD_IPV6 = 65527;

/** The highest valid port number. */
export const PORT_MAX = 65535;

/**
 * Addresses meaning "every interface". `"*"` and `""` follow Godot's convention
 * (`bind_address = "*"`): both IPv4 and IPv6 where the OS allows a dual-stack socket.
 */
export function isWildcardAll(address: string): boolean {
  return address === "*" || address === "";
}

/** Throw a RangeError naming `name` unless `port` is an integer in `min..65535`. */
export function checkPort(port: number, name = "port", min = 0): void {
  if (typeof port !== "number" || !Number.isInteger(port) || port < min || port > PORT_MAX) {
    throw new RangeError(`${name} must be an integer in ${min}..${PORT_MAX}, got ${String(port)}`);
  }
}

/** Throw a TypeError unless `address` is a string. */
export function checkAddressType(address: unknown, name = "address"): asserts address is string {
  if (typeof address !== "string") {
    throw new TypeError(`${name} must be a string (IP literal or host name), got ${typeof address}`);
  }
}

const IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIPv4(address: string): boolean {
  const parts = address.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) if (!IPV4_PART.test(p)) return false;
  return true;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** IPv6 literal check (RFC 4291 text forms, optional embedded IPv4 tail, optional %zone). */
export function isIPv6(address: string): boolean {
  let addr = address;
  const zone = addr.indexOf("%");
  if (zone !== -1) {
    if (zone === addr.length - 1) return false;
    addr = addr.slice(0, zone);
  }
  if (addr.length < 2 || addr.length > 45) return false;
  const groupsAllowed = 8;
  const lastColon = addr.lastIndexOf(":");
  if (lastColon === -1) return false;
  const tail = addr.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIPv4(tail)) return false;
    addr = addr.slice(0, lastColon + 1) + "0:0";
  }
  const halves = addr.split("::");
  if (halves.length > 2) return false;
  const groupsOf = (s: string): string[] | null => {
    if (s === "") return [];
    const g = s.split(":");
    for (const x of g) if (!HEX_GROUP.test(x)) return null;
    return g;
  };
  if (halves.length === 2) {
    const a = groupsOf(halves[0]!);
    const b = groupsOf(halves[1]!);
    if (a === null || b === null) return false;
    return a.length + b.length <= groupsAllowed - 1;
  }
  const g = groupsOf(addr);
  return g !== null && g.length === groupsAllowed;
}

/** 127.0.0.0/8 or ::1 (in any of its spellings): the sender is this machine. */
export function isLoopback(address: string): boolean {
  const a = unmapIPv4(address);
  if (isIPv4(a)) return a.startsWith("127.");
  return isIPv6(a) && /^(0{0,4}:){1,7}:?0{0,3}1$/.test(a) && a.replace(/[:0]/g, "") === "1";
}

/** 4 or 6 for an IP literal, 0 otherwise. */
export function ipFamily(address: string): 0 | 4 | 6 {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return 0;
}

const HOST_LABEL = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?$/;

/** Could `name` be a DNS host name (RFC 1123 syntax, underscores tolerated)? */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  const labels = trimmed.split(".");
  for (const label of labels) if (!HOST_LABEL.test(label)) return false;
  // An all-numeric last label is a malformed IPv4 address ("256.1.1.1"), not a name:
  // top-level domains are never numeric (RFC 1123 section 2.1).
  return !/^\d+$/.test(labels[labels.length - 1]!);
}

/**
 * Reject strings that are neither IP literals nor syntactically valid host names
 * before they reach the OS resolver, so the error names the value instead of
 * surfacing as an obscure resolver failure.
 */
export function checkHostSyntax(address: string, what: string): void {
  if (ipFamily(address) !== 0 || isHostName(address)) return;
  throw new NetError(
    GodotError.ERR_INVALID_PARAMETER,
    `${what}: "${address}" is neither an IP address nor a valid host name`,
  );
}

/** "::ffff:1.2.3.4" -> "1.2.3.4", so peers are reported the same whatever socket family received them. */
export function unmapIPv4(address: string): string {
  // Tested on every datagram received: the first character rules out IPv4 senders without building a string.
  if (address.length > 7 && address.charCodeAt(0) === 0x3a /* ':' */ && address.slice(0, 7).toLowerCase() === "::ffff:") {
    const tail = address.slice(7);
    if (isIPv4(tail)) return tail;
  }
  return address;
}

/** Format "host:port", bracketing IPv6 literals. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** RangeError unless `size` fits in one UDP datagram to an address of `family`. */
export function checkDatagramSize(size: number, family: 4 | 6): void {
  const max = family === 4 ? UDP_MAX_PAYLOAD_IPV4 : UDP_MAX_PAYLOAD_IPV6;
  if (size > max) {
    throw new RangeError(`datagram of ${size} bytes exceeds the UDP maximum of ${max} bytes over IPv${family}`);
  }
}

/** Validation of StreamTransport connect/listen options, shared by every adapter. */
import { GodotError, NetError } from "../errors.ts";
import { checkAddressType, checkHostSyntax, checkPort, formatEndpoint, ipFamily, isWildcardAll } from "./addresses.ts";
import type { StreamConnectOptions, StreamListenOptions, TLSOptions } from "./types.ts";

export type StreamTarget =
  | { kind: "tcp"; host: string; port: number; tls: TLSOptions | undefined; label: string; local: LocalEndpoint | undefined }
  | { kind: "unix"; path: string; label: string };

/** Where a connect must come from. `address` "" means any local address, `port` 0 any port. */
export interface LocalEndpoint {
  address: string;
  port: number;
}

/** Largest unix socket path on Linux (sun_path is 108 bytes including the NUL). */
export const UNIX_PATH_MAX = 107;

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`path must be a non-empty string, got ${typeof path === "string" ? '""' : typeof path}`);
  }
  if (new TextEncoder().encode(path).length > UNIX_PATH_MAX) {
    throw new RangeError(`unix socket path must be at most ${UNIX_PATH_MAX} bytes, got "${path}"`);
  }
}

/** Validate connect options; throws TypeError/RangeError/NetError naming the bad value. */
export function checkConnectOptions(opts: StreamConnectOptions): StreamTarget {
  if (opts === null || typeof opts !== "object") throw new TypeError("connect options must be an object");
  if ("path" in opts && opts.path !== undefined) {
    checkPath(opts.path);
    return { kind: "unix", path: opts.path, label: `unix socket "${opts.path}"` };
  }
  const o = opts as { host: string; port: number; tls?: TLSOptions; localAddress?: string; localPort?: number };
  checkAddressType(o.host, "host");
  checkPort(o.port, "port", 1);
  const label = formatEndpoint(o.host, o.port);
  checkHostSyntax(o.host, `connect to ${label}`);
  return { kind: "tcp", host: o.host, port: o.port, tls: o.tls, label, local: checkLocalEndpoint(o.localAddress, o.localPort, label) };
}

/** Validate connect's localAddress/localPort; undefined when neither asks for anything. */
function checkLocalEndpoint(address: string | undefined, port: number | undefined, label: string): LocalEndpoint | undefined {
  if (address !== undefined) checkAddressType(address, "localAddress");
  if (port !== undefined) checkPort(port, "localPort", 0);
  const local = { address: address === undefined || isWildcardAll(address) ? "" : address, port: port ?? 0 };
  // Like Godot's bind, which takes an IPAddress: a literal, never a name to resolve.
  if (local.address !== "" && ipFamily(local.address) === 0) {
    throw new NetError(GodotError.ERR_INVALID_PARAMETER, `connect to ${label}: localAddress "${local.address}" is not an IP address`);
  }
  return local.address === "" && local.port === 0 ? undefined : local;
}

/**
 * Validate listen options. `host` "*" or "" means every interface (dual-stack where
 * the OS allows); it is returned as `""` so adapters can pick their own wildcard form.
 */
export function checkListenOptions(opts: StreamListenOptions): StreamTarget {
  if (opts === null || typeof opts !== "object") throw new TypeError("listen options must be an object");
  if ("path" in opts && opts.path !== undefined) {
    checkPath(opts.path);
    return { kind: "unix", path: opts.path, label: `unix socket "${opts.path}"` };
  }
  const o = opts as { host: string; port: number; tls?: TLSOptions };
  checkAddressType(o.host, "host");
  checkPort(o.port, "port", 0);
  const host = isWildcardAll(o.host) ? "" : o.host;
  if (host !== "") checkHostSyntax(host, `listen on ${formatEndpoint(o.host, o.port)}`);
  if (o.tls && (!o.tls.cert || !o.tls.key)) {
    throw new TypeError("tls.cert and tls.key (PEM strings) are required to listen with TLS");
  }
  return { kind: "tcp", host, port: o.port, tls: o.tls, label: formatEndpoint(o.host || "*", o.port), local: undefined };
}

/** NetError for a closed stream, naming the peer. */
export function closedStreamError(label: string): NetError {
  return new NetError(GodotError.ERR_CONNECTION_ERROR, `write on a closed stream (${label})`);
}

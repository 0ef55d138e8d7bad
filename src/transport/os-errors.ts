/**
 * Translate OS / runtime socket errors into NetError with Godot's codes.
 * Node and Bun put the errno name in `error.code`; Deno throws classes of
 * `Deno.errors` whose `name` says what happened ("AddrInUse", "PermissionDenied"...).
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { GodotError, NetError } from "../errors.ts";
import { rethrowLater } from "./rethrow-later.ts";

const BY_ERRNO: Record<string, GodotError> = {
  EADDRINUSE: GodotError.ERR_ALREADY_IN_USE,
  EACCES: GodotError.ERR_UNAUTHORIZED,
  EPERM: GodotError.ERR_UNAUTHORIZED,
  EADDRNOTAVAIL: GodotError.ERR_INVALID_PARAMETER,
  EINVAL: GodotError.ERR_INVALID_PARAMETER,
  EAFNOSUPPORT: GodotError.ERR_UNAVAILABLE,
  EPROTONOSUPPORT: GodotError.ERR_UNAVAILABLE,
  ENOTFOUND: GodotError.ERR_CANT_RESOLVE,
  EAI_AGAIN: GodotError.ERR_CANT_RESOLVE,
  EAI_NONAME: GodotError.ERR_CANT_RESOLVE,
  EAI_FAIL: GodotError.ERR_CANT_RESOLVE,
  ECONNREFUSED: GodotError.ERR_CANT_CONNECT,
  EHOSTUNREACH: GodotError.ERR_CANT_CONNECT,
  ENETUNREACH: GodotError.ERR_CANT_CONNECT,
  ENOENT: GodotError.ERR_CANT_CONNECT,
  ETIMEDOUT: GodotError.ERR_TIMEOUT,
  ECONNRESET: GodotError.ERR_CONNECTION_ERROR,
  EPIPE: GodotError.ERR_CONNECTION_ERROR,
  ECONNABORTED: GodotError.ERR_CONNECTION_ERROR,
  EMFILE: GodotError.ERR_CANT_ACQUIRE_RESOURCE,
  ENFILE: GodotError.ERR_CANT_ACQUIRE_RESOURCE,
  ENOBUFS: GodotError.ERR_OUT_OF_MEMORY,
  ENOMEM: GodotError.ERR_OUT_OF_MEMORY,
  ENAMETOOLONG: GodotError.ERR_INVALID_PARAMETER,
  // OpenSSL verification results as node:tls reports them.
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: GodotError.ERR_UNAUTHORIZED,
  UNABLE_TO_GET_ISSUER_CERT: GodotError.ERR_UNAUTHORIZED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: GodotError.ERR_UNAUTHORIZED,
  SELF_SIGNED_CERT_IN_CHAIN: GodotError.ERR_UNAUTHORIZED,
  DEPTH_ZERO_SELF_SIGNED_CERT: GodotError.ERR_UNAUTHORIZED,
  CERT_HAS_EXPIRED: GodotError.ERR_UNAUTHORIZED,
  CERT_NOT_YET_VALID: GodotError.ERR_UNAUTHORIZED,
  CERT_UNTRUSTED: GodotError.ERR_UNAUTHORIZED,
  CERT_REJECTED: GodotError.ERR_UNAUTHORIZED,
  ERR_TLS_CERT_ALTNAME_INVALID: GodotError.ERR_UNAUTHORIZED,
};

const BY_DENO_NAME: Record<string, GodotError> = {
  AddrInUse: GodotError.ERR_ALREADY_IN_USE,
  AddrNotAvailable: GodotError.ERR_INVALID_PARAMETER,
  PermissionDenied: GodotError.ERR_UNAUTHORIZED,
  NotCapable: GodotError.ERR_UNAUTHORIZED,
  ConnectionRefused: GodotError.ERR_CANT_CONNECT,
  ConnectionReset: GodotError.ERR_CONNECTION_ERROR,
  ConnectionAborted: GodotError.ERR_CONNECTION_ERROR,
  BrokenPipe: GodotError.ERR_CONNECTION_ERROR,
  NotConnected: GodotError.ERR_CONNECTION_ERROR,
  TimedOut: GodotError.ERR_TIMEOUT,
  NotFound: GodotError.ERR_CANT_CONNECT,
  InvalidData: GodotError.ERR_INVALID_DATA,
  NetworkUnreachable: GodotError.ERR_CANT_CONNECT,
  HostUnreachable: GodotError.ERR_CANT_CONNECT,
};

/** Godot code for an arbitrary thrown value, `fallback` when unknown. */
export function godotCodeOf(err: unknown, fallback: GodotError): GodotError {
  if (err instanceof NetError) return err.code;
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const byErrno = e && typeof e.code === "string" ? BY_ERRNO[e.code] : undefined;
  if (typeof byErrno === "number") return byErrno;
  const byName = e && typeof e.name === "string" ? BY_DENO_NAME[e.name] : undefined;
  if (typeof byName === "number") return byName;
  // Some runtimes only put the errno in the message ("... (os error 98)").
  const msg = e && typeof e.message === "string" ? e.message : "";
  const m = /\b(E[A-Z]{3,15})\b/.exec(msg);
  const byMessage = m?.[1] !== undefined ? BY_ERRNO[m[1]] : undefined;
  if (typeof byMessage === "number") return byMessage;
  if (/address already in use|os error 98\b/i.test(msg)) return GodotError.ERR_ALREADY_IN_USE;
  if (/connection refused|os error 111\b/i.test(msg)) return GodotError.ERR_CANT_CONNECT;
  if (/permission denied|os error 13\b/i.test(msg)) return GodotError.ERR_UNAUTHORIZED;
  if (/cannot assign requested address|os error 99\b/i.test(msg)) return GodotError.ERR_INVALID_PARAMETER;
  if (/connection reset|os error 104\b/i.test(msg)) return GodotError.ERR_CONNECTION_ERROR;
  if (/certificate|unknownissuer|handshake|tls|ssl/i.test(msg)) return GodotError.ERR_UNAUTHORIZED;
  return fallback;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Wrap `err` as a NetError whose message starts with `what` (which should name the address/port). */
export function toNetError(err: unknown, what: string, fallback: GodotError = GodotError.FAILED): NetError {
  if (err instanceof NetError) return err;
  const code = godotCodeOf(err, fallback);
  return new NetError(code, `${what}: ${GodotError[code]} (${describe(err)})`, { cause: err });
}

/**
 * Like toNetError, for bind/listen: there a missing file means the directory of a
 * unix socket path does not exist, which is a bad path, not a refused connection.
 */
export function toBindError(err: unknown, what: string, unixPath?: string): NetError {
  if (err instanceof NetError) return err;
  const e = err as { code?: unknown; name?: unknown } | null;
  // libuv reports a missing directory as EACCES, so look for ourselves.
  const missingDir = unixPath !== undefined && !existsSync(dirname(unixPath));
  if (missingDir || (e && (e.code === "ENOENT" || e.name === "NotFound"))) {
    return new NetError(GodotError.ERR_FILE_BAD_PATH, `${what}: ERR_FILE_BAD_PATH (${describe(err)})`, { cause: err });
  }
  return toNetError(err, what, GodotError.ERR_CANT_CREATE);
}

/** An Error suitable for `onClose(error)` (keeps NetError, wraps the rest). */
export function closeErrorOf(err: unknown, what: string): Error {
  return toNetError(err, what, GodotError.ERR_CONNECTION_ERROR);
}

/**
 * Call a user callback from inside a socket event without letting its exception
 * break the adapter's own loop: the exception is re-thrown on a fresh task, where
 * it surfaces as the runtime's usual uncaught-exception report.
 */
export function deliver<A extends unknown[]>(cb: ((...args: A) => void) | undefined, ...args: A): void {
  if (!cb) return;
  try {
    cb(...args);
  } catch (err) {
    rethrowLater(err);
  }
}

/**
 * deliver() for a received datagram, the one call made per datagram: a function of its own
 * keeps that call site monomorphic and builds no rest array.
 */
export function deliverDatagram(
  cb: ((data: Uint8Array, address: string, port: number, owned: boolean) => void) | undefined,
  data: Uint8Array,
  address: string,
  port: number,
  owned: boolean,
): void {
  if (cb === undefined) return;
  try {
    cb(data, address, port, owned);
  } catch (err) {
    rethrowLater(err);
  }
}

/**
 * A DTLS server's limits, checked apart from the DTLS machinery so that ENetConnection can refuse
 * bad limits without loading it (the DTLS layer and its crypto load on the first dtls*Setup).
 */

/** A DTLS server's limits (ENetConnection.dtlsServerSetup's second argument); docs/dtls.md explains each. */
export interface DtlsServerLimits {
  /** Sessions at most, handshaking or connected (default 4096). */
  maxSessions?: number;
  /** Sessions still handshaking at most (default 256); when full, a new handshake evicts an unfinished one. */
  maxHandshaking?: number;
  /** New handshakes one address (IP) may start per second, and at once (default 10; loopback exempt; see handshake-rate.ts). */
  handshakesPerSecondPerAddress?: number;
  /** New handshakes all clients together may start per second, and at once (default 100). */
  handshakesPerSecond?: number;
}

const LIMIT_NAMES: readonly string[] = ["maxSessions", "maxHandshaking", "handshakesPerSecondPerAddress", "handshakesPerSecond"];

/**
 * `limits` as a public API takes them (dtlsServerSetup, DTLSServer.setup): checked, and a field
 * that is none of the four (a misspelt one) refused with a TypeError naming it, instead of ignored.
 */
export function checkPublicServerLimits(limits: DtlsServerLimits): DtlsServerLimits {
  if (typeof limits === "object" && limits !== null)
    for (const name of Object.keys(limits))
      if (!LIMIT_NAMES.includes(name)) throw new TypeError(`limits: unknown field ${JSON.stringify(name)} (known: ${LIMIT_NAMES.join(", ")})`);
  return checkServerLimits(limits);
}

/** `limits` checked (TypeError or RangeError naming the field), with only the known fields. */
export function checkServerLimits(limits: DtlsServerLimits): DtlsServerLimits {
  if (typeof limits !== "object" || limits === null) throw new TypeError("limits must be an object");
  const out: DtlsServerLimits = {};
  for (const name of ["maxSessions", "maxHandshaking"] as const) {
    const v = limits[name];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
    out[name] = v;
  }
  for (const name of ["handshakesPerSecondPerAddress", "handshakesPerSecond"] as const) {
    const v = limits[name];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a positive number, got ${String(v)}`);
    out[name] = v;
  }
  return out;
}

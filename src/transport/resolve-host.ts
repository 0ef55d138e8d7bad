/**
 * Host name resolution for bind/connect/listen and Godot's IP. Uses node:dns `lookup` (the OS
 * resolver, getaddrinfo) on every runtime: Deno's own Deno.resolveDns queries DNS
 * servers directly and ignores /etc/hosts, so "localhost" would not resolve.
 */
import * as dns from "node:dns";
import { GodotError, NetError } from "../errors.ts";
import { checkHostSyntax, ipFamily } from "./addresses.ts";
import { toNetError } from "./os-errors.ts";

/** Resolve a host name to one address (IP literals pass through); NetError(ERR_CANT_RESOLVE) on failure. */
export async function lookupHost(host: string, what: string): Promise<{ address: string; family: 4 | 6 }> {
  const fam = ipFamily(host);
  if (fam !== 0) return { address: host, family: fam };
  checkHostSyntax(host, what);
  try {
    const r = await dns.promises.lookup(host);
    return { address: r.address, family: r.family === 6 ? 6 : 4 };
  } catch (err) {
    throw toNetError(err, `${what}: cannot resolve "${host}"`, GodotError.ERR_CANT_RESOLVE);
  }
}

/**
 * Every address of a host name, `family` 4 or 6 only that family, 0 both (with ADDRCONFIG, as
 * Godot asks getaddrinfo), in the resolver's order; NetError(ERR_CANT_RESOLVE) on failure.
 */
export async function lookupAllHosts(host: string, family: 0 | 4 | 6, what: string): Promise<{ address: string; family: 4 | 6 }[]> {
  checkHostSyntax(host, what);
  try {
    const found = await dns.promises.lookup(host, { all: true, family, hints: family === 0 ? dns.ADDRCONFIG : 0 });
    return found.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
  } catch (err) {
    throw toNetError(err, `${what}: cannot resolve "${host}"`, GodotError.ERR_CANT_RESOLVE);
  }
}

/**
 * Connect to `host` by trying its addresses in the resolver's order until one accepts, as Godot's
 * WebSocket client does with its candidates (and Node's net.connect, with autoSelectFamily):
 * "localhost" resolves to ::1 first on Debian and macOS, where a server bound to 127.0.0.1 (our
 * servers' default) refuses it. An IP literal is the one candidate. A certificate refusal
 * (ERR_UNAUTHORIZED) ends the attempts, since every address serves the same name; otherwise the
 * last address's error is the one reported, naming every address tried.
 */
export async function connectToCandidates<T>(host: string, what: string, attempt: (address: string) => Promise<T>): Promise<T> {
  let candidates = [host];
  if (ipFamily(host) === 0) {
    checkHostSyntax(host, what);
    try {
      // All of lookupHost's answers (no ADDRCONFIG: a machine with loopback alone still resolves "localhost").
      candidates = (await dns.promises.lookup(host, { all: true })).map((c) => c.address);
    } catch (err) {
      throw toNetError(err, `${what}: cannot resolve "${host}"`, GodotError.ERR_CANT_RESOLVE);
    }
  }
  let failure: unknown = new NetError(GodotError.ERR_CANT_RESOLVE, `${what}: "${host}" has no address`);
  const tried: string[] = [];
  for (const address of candidates) {
    tried.push(address);
    try {
      return await attempt(address);
    } catch (err) {
      failure = err;
      if (err instanceof NetError && err.code === GodotError.ERR_UNAUTHORIZED) break;
    }
  }
  if (tried.length > 1 && failure instanceof NetError) {
    throw new NetError(failure.code, `${failure.message} (each address of "${host}" tried: ${tried.join(", ")})`, { cause: failure.cause ?? failure });
  }
  throw failure;
}

/**
 * The one rule for where a bound socket (UDP bind, TCP/TLS listen) opens, shared by
 * the three adapters so they cannot drift apart.
 */
import { GodotError } from "../errors.ts";
import { isWildcardAll } from "./addresses.ts";
import { isIPv6Wildcard } from "./datagram-rules.ts";
import { toNetError } from "./os-errors.ts";
import { lookupHost } from "./resolve-host.ts";

/**
 * Call `open` with the address a socket bound to `host` should use. The wildcard
 * ("*" or "") is one dual-stack IPv6 socket where the OS allows it, and IPv4 only
 * when IPv6 is missing; any other host is resolved once, to its first address.
 * `dualStack` says whether the opened socket also carries IPv4.
 */
export async function openOnHost<T>(
  host: string,
  what: string,
  open: (address: string, family: 4 | 6, dualStack: boolean) => T | Promise<T>,
): Promise<T> {
  if (isWildcardAll(host)) {
    try {
      return await open("::", 6, true);
    } catch (err) {
      // A port taken on "::" is taken for IPv4 too; only a missing IPv6 stack falls back.
      if (toNetError(err, what).code === GodotError.ERR_ALREADY_IN_USE) throw err;
      return await open("0.0.0.0", 4, false);
    }
  }
  const target = await lookupHost(host, what);
  return await open(target.address, target.family, isIPv6Wildcard(target.address));
}

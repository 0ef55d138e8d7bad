// Where a client given the name "localhost" goes first. That depends on the machine: 127.0.0.1
// where /etc/hosts names only that, ::1 where it also lists "::1 localhost" and IPv6 loopback is
// up (getaddrinfo sorts ::1 first; the usual Debian and Ubuntu file). Our connects now try each
// address in turn (4082f34), so a server on 127.0.0.1 is still reached there, but after a refused
// ::1; when they tried the first only, such a machine failed each test using this with
// ECONNREFUSED ::1. A test server that clients reach by that name (to check the name in a
// certificate) listens here, so that every machine takes the same path: the first address accepts.
import { lookup } from "node:dns/promises";

let first: Promise<string> | undefined;

/** The address "localhost" resolves to first on this machine and runtime (the one our clients try first). */
export function localhostAddress(): Promise<string> {
  first ??= lookup("localhost").then((r) => r.address);
  return first;
}

// Where a client that is given the name "localhost" goes. Our connect resolves a host name to one
// address (the OS resolver's first, as Godot's StreamPeerTCP does) and tries only that one, and
// which address comes first depends on the machine: 127.0.0.1 where /etc/hosts names only that,
// ::1 where it also lists "::1 localhost" and IPv6 loopback is up (getaddrinfo sorts ::1 first;
// the usual Debian and Ubuntu file). A test server that a client reaches by that name, so that
// the name in a certificate is checked, listens here rather than on a fixed 127.0.0.1; there a
// refusal test would otherwise pass on the TCP connect's ECONNREFUSED before TLS is ever tried.
import { lookup } from "node:dns/promises";

let first: Promise<string> | undefined;

/** The address "localhost" resolves to first on this machine and runtime (the one our clients connect to). */
export function localhostAddress(): Promise<string> {
  first ??= lookup("localhost").then((r) => r.address);
  return first;
}

/**
 * The argument and state rules every DatagramTransport applies, in one place so
 * the three adapters cannot drift apart.
 */
import { GodotError, NetError } from "../errors.ts";
import { checkAddressType, checkDatagramSize, checkPort, formatEndpoint, ipFamily } from "./addresses.ts";

export type DatagramSocketState = "new" | "binding" | "bound" | "closed";

/** Validate bind arguments and state; throws RangeError/TypeError/NetError. */
export function checkBind(address: string, port: number, state: DatagramSocketState): void {
  checkAddressType(address);
  checkPort(port);
  if (state !== "new") {
    throw new NetError(
      state === "closed" ? GodotError.ERR_UNCONFIGURED : GodotError.ERR_ALREADY_IN_USE,
      `bind ${formatEndpoint(address, port)}: this socket is already ${state}`,
    );
  }
}

/**
 * The last destination's address family. A host sends almost every datagram to the same few
 * peers, and parsing the address again for each one showed up in ENet's send profile.
 */
let lastDestination = "";
let lastDestinationFamily: 0 | 4 | 6 = 0;
/** The last destination written as IPv4-mapped IPv6, for dual-stack sockets (no string built per datagram). */
let lastMapped = "";

function familyOfDestination(address: string): 0 | 4 | 6 {
  if (address !== lastDestination) {
    lastDestinationFamily = ipFamily(address);
    lastDestination = address;
    lastMapped = "";
  }
  return lastDestinationFamily;
}

/**
 * Validate one send (`family`/`dualStack` describe the bound socket) and return the address to hand to the OS: IPv4 destinations
 * are written as IPv4-mapped IPv6 on a dual-stack socket.
 */
export function checkSend(
  data: Uint8Array,
  address: string,
  port: number,
  state: DatagramSocketState,
  family: 4 | 6,
  dualStack: boolean,
): string {
  if (!(data instanceof Uint8Array)) throw new TypeError("data must be a Uint8Array");
  checkAddressType(address);
  checkPort(port, "port", 1);
  if (state !== "bound") {
    throw new NetError(GodotError.ERR_UNCONFIGURED, `send to ${formatEndpoint(address, port)}: socket is ${state === "closed" ? "closed" : "not bound"}`);
  }
  const destFamily = familyOfDestination(address);
  if (destFamily === 0) {
    throw new NetError(GodotError.ERR_INVALID_PARAMETER, `send: "${address}" is not an IP address (resolve host names before sending)`);
  }
  checkDatagramSize(data.byteLength, destFamily);
  if (destFamily === family) return address;
  if (family === 6 && dualStack) return lastMapped === "" ? (lastMapped = "::ffff:" + address) : lastMapped;
  throw new NetError(
    GodotError.ERR_INVALID_PARAMETER,
    `send to ${formatEndpoint(address, port)}: socket is bound to an IPv${family} address and cannot reach IPv${destFamily}`,
  );
}

/** Is `address` the IPv6 wildcard (a socket bound to it is dual-stack where the OS allows)? */
export function isIPv6Wildcard(address: string): boolean {
  return address === "::" || address === "0:0:0:0:0:0:0:0";
}

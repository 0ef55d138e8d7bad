import { networkInterfaces } from "node:os";

/** Null when ::1 is configured, else the reason IPv6 loopback tests are skipped. */
export function ipv6LoopbackMissing(): string | null {
  try {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (a.address === "::1") return null;
    }
    return "this machine has no ::1 (IPv6 loopback) interface";
  } catch (err) {
    return `cannot list network interfaces: ${String(err)}`;
  }
}

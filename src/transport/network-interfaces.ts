/**
 * The machine's network interfaces, through node:os (present on Node, Deno and Bun): Godot names
 * a multicast interface ("eth0") where the runtimes want the interface's own address (IPv4) or a
 * scoped wildcard (IPv6), and Godot's IP lists the interfaces with their addresses. One place
 * for the three adapters.
 */
import { readFileSync } from "node:fs";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { GodotError, NetError } from "../errors.ts";
import { ipFamily } from "./addresses.ts";
import type { LocalInterface } from "./types.ts";

/**
 * The `multicastInterface` argument node:dgram and Bun take for `interfaceName`: undefined for ""
 * (the OS chooses), an IP literal as given, else the named interface's first address of the
 * group's family (IPv4) or "::%name" (IPv6). NetError(ERR_INVALID_PARAMETER) for an unknown name.
 */
export function multicastInterfaceFor(group: string, interfaceName: string): string | undefined {
  if (interfaceName === "") return undefined;
  if (ipFamily(interfaceName) !== 0) return interfaceName;
  const family = ipFamily(group);
  const entries = networkInterfaces()[interfaceName];
  if (!entries) throw new NetError(GodotError.ERR_INVALID_PARAMETER, `multicast: no network interface named "${interfaceName}"`);
  if (family === 6) return `::%${interfaceName}`;
  const v4 = entries.find((e) => e.family === "IPv4");
  if (!v4) throw new NetError(GodotError.ERR_INVALID_PARAMETER, `multicast: interface "${interfaceName}" has no IPv4 address`);
  return v4.address;
}

/**
 * node:os has no if_nametoindex. Linux publishes the index in sysfs; elsewhere a link-local IPv6
 * address's scope id is the index of its interface; 0 (if_nametoindex's failure value) otherwise.
 */
function interfaceIndex(name: string, entries: readonly NetworkInterfaceInfo[]): number {
  if (/^[\w.:-]+$/.test(name)) {
    try {
      const index = Number.parseInt(readFileSync(`/sys/class/net/${name}/ifindex`, "utf8"), 10);
      if (Number.isInteger(index) && index > 0) return index;
    } catch {
      // Not Linux, or no read permission (Deno without --allow-read): use the scope id below.
    }
  }
  for (const e of entries) if (e.family === "IPv6" && e.scopeid) return e.scopeid;
  return 0;
}

/** RuntimeAdapter.localInterfaces for Node, Deno and Bun. */
export function listLocalInterfaces(): LocalInterface[] {
  let table: NodeJS.Dict<NetworkInterfaceInfo[]>;
  try {
    table = networkInterfaces();
  } catch (err) {
    // Deno without --allow-sys refuses here.
    throw new NetError(GodotError.ERR_UNAVAILABLE, `IP.getLocalInterfaces: the runtime refused to list network interfaces (${(err as Error).message})`);
  }
  const out: LocalInterface[] = [];
  for (const [name, entries] of Object.entries(table)) {
    if (!entries || entries.length === 0) continue;
    out.push({
      name,
      index: interfaceIndex(name, entries),
      addresses: entries.map((e) => ({ address: e.address, family: e.family === "IPv6" ? 6 : 4 })),
    });
  }
  return out;
}

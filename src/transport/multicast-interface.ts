/**
 * Godot names a multicast interface ("eth0"); the runtimes want the interface's own address
 * (IPv4) or a scoped wildcard (IPv6). One translation for the three adapters.
 */
import { networkInterfaces } from "node:os";
import { GodotError, NetError } from "../errors.ts";
import { ipFamily } from "./addresses.ts";

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

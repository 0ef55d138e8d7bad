/**
 * What Godot 4.6 returns when the OS refuses to bind an IP socket. Its NetSocket answers every
 * failed bind() (port taken, address not on this machine, permission denied) with
 * ERR_UNAVAILABLE, and PacketPeerUDP.bind, UDPServer.listen and StreamPeerTCP.bind pass that on;
 * the transports name the reason more precisely, so those methods translate it back here.
 */
import { GodotError, NetError } from "../errors.ts";
import { ipFamily, isWildcardAll } from "../transport/addresses.ts";

/** The codes the transports give a refused bind(): EADDRINUSE, EADDRNOTAVAIL, EACCES / EPERM. */
const REFUSED_BIND = new Set<GodotError>([GodotError.ERR_ALREADY_IN_USE, GodotError.ERR_INVALID_PARAMETER, GodotError.ERR_UNAUTHORIZED]);

/**
 * `err`, from binding `address`, as Godot reports a refused bind: a NetError(ERR_UNAVAILABLE)
 * naming the reason. Unchanged for anything else, and for a host name (Godot binds only "*" and
 * IP addresses, so what a name's bind gives has no Godot answer to match).
 */
export function asGodotBindFailure(err: unknown, address: string): unknown {
  if (!isWildcardAll(address) && ipFamily(address) === 0) return err;
  if (!(err instanceof NetError) || !REFUSED_BIND.has(err.code)) return err;
  return new NetError(GodotError.ERR_UNAVAILABLE, `${err.message} (Godot reports every refused bind as ERR_UNAVAILABLE)`, { cause: err });
}

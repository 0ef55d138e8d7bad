/**
 * A unix socket file nobody listens on any more (its server crashed or was killed): Godot 4.6's
 * UDSServer.listen removes an existing socket file and listens. Ours removes it only when a
 * connect to it is refused, so a listen never takes the path of a server that is still up.
 */
import { GodotError, NetError } from "../errors.ts";
import type { StreamTransport } from "./types.ts";

/** How long the probe waits for a server that is up but slow to accept. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * True when `path` was a socket file whose connect was refused and is now removed; false when it
 * is not a socket (or is gone), or a server answered (or did not refuse in time).
 */
export async function removeStaleUnixSocket(path: string, connect: StreamTransport["connect"]): Promise<boolean> {
  // Loaded on demand: Node, Deno and Bun all provide node:fs, and only a listen that meets an
  // existing file needs it.
  const fs = await import("node:fs/promises");
  try {
    if (!(await fs.lstat(path)).isSocket()) return false;
  } catch {
    return false;
  }
  const probe = connect({ path });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), PROBE_TIMEOUT_MS);
  });
  try {
    const answer = await Promise.race([probe, late]);
    if (answer === "late") {
      probe.then((stream) => stream.close(), () => undefined);
      return false;
    }
    answer.close();
    return false;
  } catch (err) {
    // ERR_CANT_CONNECT is the adapters' answer to ECONNREFUSED (and to a file gone meanwhile).
    if (!(err instanceof NetError) || err.code !== GodotError.ERR_CANT_CONNECT) return false;
  } finally {
    clearTimeout(timer);
  }
  try {
    await fs.unlink(path);
  } catch {
    return false;
  }
  return true;
}

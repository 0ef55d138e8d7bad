/**
 * Where the library reads an environment variable (today only PACKETPEER_PURE_JS_CRYPTO). The
 * entries for Node, Deno and Bun install the runtime's reader (transport/environment.ts, which on
 * Deno reads only what the program may already read: asking would stop it on a terminal with a
 * permission prompt); `packetpeer/core` and the browser install none, and read nothing.
 */
export type EnvironmentReader = (name: string) => string | undefined;

let installed: EnvironmentReader | null = null;

export function installEnvironmentReader(reader: EnvironmentReader): void {
  installed = reader;
}

/** The variable's value, or undefined (unset, unreadable, or no reader installed). Never throws. */
export function readEnvironment(name: string): string | undefined {
  try {
    return installed?.(name);
  } catch {
    return undefined;
  }
}

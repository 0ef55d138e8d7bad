/**
 * The runtimes' environment variables for util/environment.ts. On Deno a variable is read only
 * when the env permission for it is already granted: reading it otherwise makes Deno ask the user
 * on a terminal (and throw elsewhere), which a library must never cause.
 */
interface DenoEnvironment {
  permissions?: { querySync?(descriptor: { name: "env"; variable: string }): { state: string } };
  env?: { get?(name: string): string | undefined };
}

export function runtimeEnvironment(name: string): string | undefined {
  const g = globalThis as { Deno?: DenoEnvironment; process?: { env?: Record<string, string | undefined> } };
  const deno = g.Deno;
  if (deno !== undefined) {
    if (deno.permissions?.querySync?.({ name: "env", variable: name }).state !== "granted") return undefined;
    if (typeof deno.env?.get === "function") return deno.env.get(name);
  }
  return g.process?.env?.[name];
}

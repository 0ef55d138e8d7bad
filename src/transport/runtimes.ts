/**
 * Registers the server runtimes (Deno, Bun, Node) with the runtime registry. The main
 * `packetpeer` entry imports this for its side effect; `packetpeer/core` does not, so the
 * codecs and sans-IO cores load without any `node:` module.
 */
import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";
import { nodeRuntime } from "./node.ts";
import { registerRuntime } from "./registry.ts";
import { nodeRsaPlatform } from "./node-rsa.ts";
import { installRsaPlatform } from "../util/rsa-platform.ts";
import { installEnvironmentReader } from "../util/environment.ts";
import { runtimeEnvironment } from "./environment.ts";

const g = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: { node?: string } } };

// Deno and Bun first: both also provide Node-compatible globals.
registerRuntime({ name: "deno", isCurrent: () => typeof g.Deno === "object" && g.Deno !== null, adapter: denoRuntime });
registerRuntime({ name: "bun", isCurrent: () => typeof g.Bun === "object" && g.Bun !== null, adapter: bunRuntime });
registerRuntime({ name: "node", isCurrent: () => typeof g.process?.versions?.node === "string", adapter: nodeRuntime });

// RSA private-key operations for Crypto, DTLS and StreamPeerTLS, installed by a call rather than a
// bare side-effect import, which bundlers drop under the package's "sideEffects" list.
installRsaPlatform(nodeRsaPlatform);
// Environment variables (PACKETPEER_PURE_JS_CRYPTO), the same way.
installEnvironmentReader(runtimeEnvironment);

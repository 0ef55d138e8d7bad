// The public surface of packetpeer for Node, Deno and Bun: the shared exports (public-api.ts),
// the three runtime adapters, and their registration (packetpeer/core registers none; see src/core.ts).
import "./transport/runtimes.ts";
import { installMessageCompression } from "./websocket/compression-hook.ts";
import { permessageDeflateCodecs } from "./websocket/message-compression.ts";
export * from "./public-api.ts";
export { nodeRuntime } from "./transport/node.ts";
export { denoRuntime } from "./transport/deno.ts";
export { bunRuntime } from "./transport/bun.ts";

installMessageCompression(permessageDeflateCodecs);

// Preloaded by scripts/test-all.mjs on every runtime: specs import modules by path rather than
// through the package entry, so the Node/Deno/Bun adapters are registered here, as the main
// `packetpeer` entry does for users.
import "../src/transport/runtimes.ts";
import { installMessageCompression } from "../src/websocket/compression-hook.ts";
import { permessageDeflateCodecs } from "../src/websocket/message-compression.ts";
installMessageCompression(permessageDeflateCodecs);

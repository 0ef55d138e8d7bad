// Installs permessage-deflate's codecs for every WebSocket connection core (compression-hook.ts).
// Imported for its effect by the Node/Deno/Bun entries, not by the browser entry.
import { installMessageCompression } from "./compression-hook.ts";
import { MessageDeflater, MessageInflater } from "./message-compression.ts";

installMessageCompression({
  compressor: (windowBits, noContextTakeover, level, threshold) => new MessageDeflater(windowBits, noContextTakeover, level, threshold),
  decompressor: (windowBits, noContextTakeover) => new MessageInflater(windowBits, noContextTakeover),
});

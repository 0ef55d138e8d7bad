/**
 * How connection cores reach permessage-deflate's codecs without importing them. The entries for
 * Node, Deno and Bun (`packetpeer`, `packetpeer/core`, the command line) install them
 * (`permessageDeflateCodecs` in message-compression.ts); the browser entry does not, since the page's own WebSocket
 * compresses there, which keeps fflate's compressor out of the browser bundle. A core with no
 * codecs installed neither offers nor accepts the extension, whatever its settings.
 */

/** Compresses one outgoing message: the payload to send with RSV1, or null to send it plain. */
export interface MessageCompressor {
  compress(data: Uint8Array): Uint8Array | null;
}

/** Inflates one received compressed message, or returns INFLATE_CORRUPT / INFLATE_TOO_LARGE. */
export interface MessageDecompressor {
  inflate(payload: Uint8Array, limit: number): Uint8Array | number;
}

export interface MessageCompressionCodecs {
  compressor(windowBits: number, noContextTakeover: boolean, level: number, threshold: number): MessageCompressor;
  decompressor(windowBits: number, noContextTakeover: boolean): MessageDecompressor;
}

let installed: MessageCompressionCodecs | null = null;

export function installMessageCompression(codecs: MessageCompressionCodecs): void {
  installed = codecs;
}

/** The installed codecs, or null. */
export function messageCompression(): MessageCompressionCodecs | null {
  return installed;
}

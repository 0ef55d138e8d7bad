// Public surface of src/websocket: re-exports only. The sans-IO codec (frames, masking,
// UTF-8 validation, handshake, the connection core) stays internal: import it from its
// file under src/websocket/ in tests, tools and benchmarks.
export { WebSocketPeer, WriteMode, WriteMode as WebSocketWriteMode, type WebSocketPeerOptions } from "./peer.ts";
export { WebSocketServer, WebSocketConnectionEvent, type WebSocketServerPeerOptions } from "./server.ts";
export { WebSocketState } from "./connection-core.ts";
export { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent, type WebSocketListener } from "./events.ts";
export { CloseCode as WebSocketCloseCode } from "./close-codes.ts";
export type { PerMessageDeflateOptions } from "./permessage-deflate.ts";

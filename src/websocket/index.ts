// Public surface of src/websocket: re-exports only.
export { WebSocketPeer, WriteMode, WriteMode as WebSocketWriteMode } from "./peer.ts";
export {
  DEFAULT_CLOSE_TIMEOUT as WEBSOCKET_DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_HANDSHAKE_TIMEOUT as WEBSOCKET_DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_INBOUND_BUFFER_SIZE as WEBSOCKET_DEFAULT_INBOUND_BUFFER_SIZE,
  DEFAULT_MAX_QUEUED_PACKETS as WEBSOCKET_DEFAULT_MAX_QUEUED_PACKETS,
  DEFAULT_OUTBOUND_BUFFER_SIZE as WEBSOCKET_DEFAULT_OUTBOUND_BUFFER_SIZE,
} from "./peer.ts";
export { WebSocketServer, WebSocketConnectionEvent, type WebSocketServerPeerOptions } from "./server.ts";
export { WebSocketState, WebSocketConnection, ConnectionRole as WebSocketRole } from "./connection.ts";
export type { ConnectionOptions as WebSocketConnectionOptions, ConnectionSink as WebSocketConnectionSink } from "./connection.ts";
export { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent } from "./events.ts";
export { CloseCode as WebSocketCloseCode, isValidCloseCode as isValidWebSocketCloseCode } from "./close-codes.ts";
// Codec pieces, exported for benchmarks and tools.
export { Opcode as WebSocketOpcode, encodeFrame as encodeWebSocketFrame, writeFrameHeader as writeWebSocketFrameHeader } from "./frame.ts";
export { FrameReceiver as WebSocketFrameReceiver, type FrameReceiverHandler as WebSocketFrameReceiverHandler } from "./frame-receiver.ts";
export { applyMask as applyWebSocketMask } from "./mask.ts";
export { Utf8Validator as WebSocketUtf8Validator } from "./utf8.ts";
export { computeAcceptKey as computeWebSocketAcceptKey } from "./handshake.ts";

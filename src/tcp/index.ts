// Public surface of src/tcp: re-exports only.
export { StreamPeer, STREAM_PEER_MAX_LENGTH } from "./stream-peer.ts";
export { StreamPeerBuffer } from "./stream-peer-buffer.ts";
export {
  StreamPeerSocket,
  StreamPeerSocketStatus,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_INBOUND_BUFFER_LIMIT,
  DEFAULT_OUTBOUND_BUFFER_LIMIT,
} from "./stream-peer-socket.ts";
export type { StreamPeerSocketOptions } from "./stream-peer-socket.ts";
export { StreamPeerTCP } from "./tcp.ts";
export type { StreamPeerTCPOptions } from "./tcp.ts";
export { SocketServer, DEFAULT_MAX_PENDING_CONNECTIONS } from "./socket-server.ts";
export type { SocketServerOptions } from "./socket-server.ts";
export { TCPServer } from "./server.ts";
export type { TCPServerOptions } from "./server.ts";
export { StreamPeerUDS, UDSServer } from "./uds.ts";
export type { StreamPeerUDSOptions, UDSServerOptions } from "./uds.ts";

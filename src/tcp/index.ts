// Public surface of src/tcp: re-exports only.
export { StreamPeer } from "./stream-peer.ts";
export { StreamPeerBuffer } from "./stream-peer-buffer.ts";
export { StreamPeerSocket, StreamPeerSocketStatus } from "./stream-peer-socket.ts";
export type { StreamPeerSocketOptions } from "./stream-peer-socket.ts";
export { StreamPeerTCP } from "./tcp.ts";
export type { StreamPeerTCPOptions } from "./tcp.ts";
export { SocketServer } from "./socket-server.ts";
export type { SocketServerOptions } from "./socket-server.ts";
export { TCPServer } from "./server.ts";
export type { TCPServerOptions } from "./server.ts";
export { StreamPeerUDS, UDSServer } from "./uds.ts";
export type { StreamPeerUDSOptions, UDSServerOptions } from "./uds.ts";
export { PacketPeerStream, PACKET_PEER_STREAM_DEFAULT_BUFFER_MAX_SIZE } from "./packet-peer-stream.ts";
export { StreamPeerGZIP } from "./stream-peer-gzip.ts";

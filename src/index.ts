// The public surface of packetpeer for Node, Deno and Bun: re-exports, plus the registration of
// those three runtimes (packetpeer/core registers none; see src/core.ts).
import "./transport/runtimes.ts";
export { GodotError, NetError } from "./errors.ts";
export type {
  BoundAddress,
  Clock,
  DatagramTransport,
  IoOptions,
  Listener,
  RuntimeAdapter,
  Stream,
  StreamConnectOptions,
  StreamListenOptions,
  StreamTransport,
  /** The shape the runtimes' native TLS takes (a Godot `TLSOptions` satisfies it). */
  TLSOptions as TLSStreamOptions,
  WebSocketLink,
  WebSocketLinkEvent,
} from "./transport/types.ts";
export * from "./crypto/index.ts";
export * from "./dtls/index.ts";
export * from "./tls/index.ts";
export * from "./transport/index.ts";
export * from "./compress/index.ts";
export * from "./enet/index.ts";
export * from "./tcp/index.ts";
export * from "./websocket/index.ts";
export * from "./multiplayer/index.ts";
export * from "./variant/index.ts";
export * from "./scene/index.ts";
export type { PacketPeer } from "./core/packet-peer.ts";

// The public surface of packetpeer: re-exports only.
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
  TLSOptions,
} from "./transport/types.ts";
export * from "./transport/index.ts";
export * from "./compress/index.ts";
export * from "./enet/index.ts";
export * from "./tcp/index.ts";
export * from "./websocket/index.ts";
export * from "./multiplayer/index.ts";
export * from "./variant/index.ts";
export * from "./scene/index.ts";
export type { PacketPeer } from "./core/packet-peer.ts";

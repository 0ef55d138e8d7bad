// Everything the `packetpeer` entries export alike, with no runtime registered and no runtime
// adapter imported: src/index.ts adds Node, Deno and Bun, src/browser.ts the browser.
export { GodotError, NetError } from "./errors.ts";
export type {
  BoundAddress,
  Clock,
  DatagramTransport,
  DatagramTriple,
  IoOptions,
  Listener,
  RuntimeAdapter,
  Stream,
  StreamConnectOptions,
  StreamListenOptions,
  StreamSink,
  StreamTransport,
  /** The shape the runtimes' native TLS takes (a Godot `TLSOptions` satisfies it). */
  TLSOptions as TLSStreamOptions,
  WebSocketLink,
  WebSocketLinkEvent,
} from "./transport/types.ts";
export { detectRuntime, registerRuntime, registeredRuntimes, resolveIo, type RuntimeCandidate } from "./transport/registry.ts";
export { realClock } from "./transport/real-clock.ts";
export { MemoryNetwork } from "./transport/memory.ts";
export type { MemoryNetworkOptions, MemoryNetworkStats, LinkOptions, TraceRecord, TraceFate } from "./transport/memory.ts";
export { VirtualClock } from "./transport/virtual-clock.ts";
export type { VirtualClockOptions } from "./transport/virtual-clock.ts";
export * from "./crypto/index.ts";
export * from "./dtls/index.ts";
export * from "./tls/index.ts";
export * from "./compress/index.ts";
export * from "./enet/index.ts";
export * from "./tcp/index.ts";
export * from "./udp/index.ts";
export * from "./ip/index.ts";
export * from "./websocket/index.ts";
export * from "./multiplayer/index.ts";
export * from "./variant/index.ts";
export * from "./scene/index.ts";
export type { PacketPeer } from "./core/packet-peer.ts";

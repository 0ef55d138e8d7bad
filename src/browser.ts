// The public surface of packetpeer in a web page (the package's "browser" export condition): the
// same names as the main entry, with the browser registered as the runtime instead of Node, Deno
// and Bun. WebSocketPeer and WebSocketMultiplayerPeer clients run over the page's own WebSocket;
// the Variant encoding, compression, StreamPeerBuffer, SceneMultiplayer and MemoryNetwork work as
// everywhere; ENet, TCP, unix sockets and servers reject with NetError(ERR_UNAVAILABLE) saying why.
import { browserRuntime } from "./transport/browser.ts";
import { registerRuntime } from "./transport/registry.ts";

registerRuntime({ name: "browser", isCurrent: () => typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function", adapter: browserRuntime });

export { browserRuntime };
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
export * from "./websocket/index.ts";
export * from "./multiplayer/index.ts";
export * from "./variant/index.ts";
export * from "./scene/index.ts";
export type { PacketPeer } from "./core/packet-peer.ts";

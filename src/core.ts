// `packetpeer/core`: the wire codecs and sans-IO protocol cores with no runtime attached. Nothing
// here (or below it) imports a `node:` module, Deno or Bun, so it bundles for any JavaScript
// environment; I/O comes from a RuntimeAdapter you register (registerRuntime) or pass in, or from
// MemoryNetwork. spec-tests/architecture/core-entry.test.ts loads it with `node:` imports refused.
import { installMessageCompression } from "./websocket/compression-hook.ts";
import { permessageDeflateCodecs } from "./websocket/message-compression.ts";
export { GodotError, NetError } from "./errors.ts";
export type {
  BoundAddress,
  Clock,
  DatagramTransport,
  DatagramTriple,
  IoOptions,
  Listener,
  ResolvedAddress,
  RuntimeAdapter,
  Stream,
  StreamConnectOptions,
  StreamListenOptions,
  StreamSink,
  StreamTransport,
} from "./transport/types.ts";
export { detectRuntime, registerRuntime, registeredRuntimes, resolveIo, type RuntimeCandidate } from "./transport/registry.ts";
export { MemoryNetwork } from "./transport/memory.ts";
export type { MemoryNetworkOptions, MemoryNetworkStats, LinkOptions, TraceRecord, TraceFate } from "./transport/memory.ts";
export { VirtualClock } from "./transport/virtual-clock.ts";
export type { VirtualClockOptions } from "./transport/virtual-clock.ts";
export * from "./compress/index.ts";
export * from "./variant/index.ts";
export { StreamPeer } from "./tcp/stream-peer.ts";
export { StreamPeerBuffer } from "./tcp/stream-peer-buffer.ts";
export type { PacketPeer } from "./core/packet-peer.ts";
export {
  HostCore as ENetHostCore,
  type HostCoreOptions as ENetHostCoreOptions,
  type HostEvent as ENetHostEvent,
  type DropCounters as ENetDropCounters,
  type Transmit as ENetTransmit,
  SendResult as ENetSendResult,
} from "./enet/host-core.ts";
export type { PeerView as ENetPeerView } from "./enet/peer-core.ts";
export { EventType, PacketFlags, PeerState, PeerStatistic, HostStatistic } from "./enet/enums.ts";
export {
  WebSocketConnectionCore,
  WebSocketState,
  type ConnectionEvent as WebSocketConnectionEvent,
  type ConnectionStats as WebSocketConnectionStats,
} from "./websocket/connection-core.ts";
export { CloseCode as WebSocketCloseCode } from "./websocket/close-codes.ts";
export { DtlsSession, DtlsStatus } from "./dtls/session.ts";
export { CIPHER_SUITES } from "./dtls/cipher-suites.ts";
export * from "./crypto/index.ts";

// permessage-deflate for the WebSocket connection core (the browser entry leaves it out).
installMessageCompression(permessageDeflateCodecs);

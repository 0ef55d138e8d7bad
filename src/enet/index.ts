// Public surface of src/enet: re-exports only.
export { ENetConnection, type ENetConnectOptions, type ENetEvent, type ENetHostOptions } from "./connection.ts";
export { ENetPacketPeer } from "./packet-peer.ts";
export { EventType, PacketFlags, PeerState, PeerStatistic, HostStatistic } from "./enums.ts";
export { HostCore as ENetHostCore, type HostCoreOptions as ENetHostCoreOptions, type HostEvent as ENetHostEvent, type DropCounters as ENetDropCounters, type Transmit as ENetTransmit } from "./host-core.ts";

// Public surface of src/enet: re-exports only.
export { ENetConnection, type ENetConnectOptions, type ENetEvent, type ENetEventFields, type ENetHostOptions } from "./connection.ts";
export type { ConnectCounters as ENetConnectCounters } from "./admission.ts";
export { ENetPacketPeer } from "./packet-peer.ts";
export { EventType, PacketFlags, PeerState, PeerStatistic, HostStatistic } from "./enums.ts";
export { HostCore as ENetHostCore, type HostCoreOptions as ENetHostCoreOptions, type HostEvent as ENetHostEvent, type DropCounters as ENetDropCounters, type Transmit as ENetTransmit, SendResult as ENetSendResult } from "./host-core.ts";
export type { PeerView as ENetPeerView } from "./peer-core.ts";

export { PacketPeerUDP, DEFAULT_RECV_BUFFER_SIZE, PACKET_RECORD_OVERHEAD } from "./packet-peer-udp.ts";
export type { UdpDropCounters } from "./packet-peer-udp.ts";
export { UDPServer } from "./udp-server.ts";
export type { UDPServerCounters } from "./udp-server.ts";

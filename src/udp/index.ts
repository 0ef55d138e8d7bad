export { PacketPeerUDP, DEFAULT_RECV_BUFFER_SIZE, MAX_RECV_BUFFER_SIZE, MAX_SENDS_WHILE_OPENING, PACKET_RECORD_OVERHEAD } from "./packet-peer-udp.ts";
export type { UdpDropCounters } from "./packet-peer-udp.ts";
export { UDPServer, DEFAULT_MAX_PENDING_UDP_CONNECTIONS, MAX_PENDING_UDP_CONNECTIONS_LIMIT } from "./udp-server.ts";
export type { UDPServerCounters } from "./udp-server.ts";

/** Host and peer defaults from C ENet's enet.h (1.3.17), named as there. */

export const ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL = 1000;
/** 1.3.18's default; 1.3.17 used 1400. The smaller side wins during the handshake, so both interoperate. */
export const ENET_HOST_DEFAULT_MTU = 1392;
export const ENET_HOST_DEFAULT_MAXIMUM_PACKET_SIZE = 32 * 1024 * 1024;
export const ENET_HOST_DEFAULT_MAXIMUM_WAITING_DATA = 32 * 1024 * 1024;
/** Ours, not ENet's: what all peers of a host may hold together before each is held to its share (incoming.ts). */
export const HOST_DEFAULT_MAXIMUM_HOST_WAITING_DATA = 8 * ENET_HOST_DEFAULT_MAXIMUM_WAITING_DATA;
/** Ours, not ENet's: packets one peer may have queued or unacknowledged before send() refuses more (host-core.ts). */
export const HOST_DEFAULT_MAXIMUM_OUTGOING_DATA = 2 * ENET_HOST_DEFAULT_MAXIMUM_PACKET_SIZE;
/** Ours, not ENet's: what all peers of a host may have queued or unacknowledged together before each is held to its share (host-core.ts). */
export const HOST_DEFAULT_MAXIMUM_HOST_OUTGOING_DATA = 4 * HOST_DEFAULT_MAXIMUM_OUTGOING_DATA;

export const ENET_PEER_DEFAULT_ROUND_TRIP_TIME = 500;
export const ENET_PEER_DEFAULT_PACKET_THROTTLE = 32;
export const ENET_PEER_PACKET_THROTTLE_SCALE = 32;
export const ENET_PEER_PACKET_THROTTLE_COUNTER = 7;
export const ENET_PEER_PACKET_THROTTLE_ACCELERATION = 2;
export const ENET_PEER_PACKET_THROTTLE_DECELERATION = 2;
export const ENET_PEER_PACKET_THROTTLE_INTERVAL = 5000;
export const ENET_PEER_PACKET_LOSS_SCALE = 1 << 16;
export const ENET_PEER_PACKET_LOSS_INTERVAL = 10000;
export const ENET_PEER_WINDOW_SIZE_SCALE = 64 * 1024;
export const ENET_PEER_TIMEOUT_LIMIT = 32;
export const ENET_PEER_TIMEOUT_MINIMUM = 5000;
export const ENET_PEER_TIMEOUT_MAXIMUM = 30000;
export const ENET_PEER_PING_INTERVAL = 500;
/**
 * Ours, not C ENet's: the longest wait between two sends of one reliable command. C ENet doubles
 * a command's retransmission timeout on every loss without bound; with timeouts raised through
 * setTimeout() (the way to survive heavy loss) a burst of losses then stalls the channel for
 * minutes or hours. The doubled timeout still decides when the peer times out, exactly as in C ENet.
 */
export const RETRANSMIT_DELAY_MAXIMUM = 5000;
export const ENET_PEER_UNSEQUENCED_WINDOWS = 64;
export const ENET_PEER_UNSEQUENCED_WINDOW_SIZE = 1024;
export const ENET_PEER_FREE_UNSEQUENCED_WINDOWS = 32;
export const ENET_PEER_RELIABLE_WINDOWS = 16;
export const ENET_PEER_RELIABLE_WINDOW_SIZE = 0x1000;
export const ENET_PEER_FREE_RELIABLE_WINDOWS = 8;

/** Not from ENet: how many undelivered unreliable commands one channel may hold while waiting for their reliable predecessor. */
export const MAX_PENDING_UNRELIABLE_PER_CHANNEL = 4096;
/**
 * Not from ENet: received commands one peer may have queued (out of order, or waiting for a
 * predecessor). Bounds memory when a hostile peer sends many empty packets, which do not count
 * toward the waiting-data limit. Honest traffic stays far below (the reliable window holds 64 KiB).
 */
export const MAX_QUEUED_INCOMING_COMMANDS = 65536;
/** Not from ENet: datagrams the host keeps queued for sending before it reports backpressure by dropping the oldest. */
export const MAX_QUEUED_TRANSMITS = 65536;

/**
 * Fragments a peer may hold in reassembly: as many as the bytes a peer may have reserved (its
 * waiting data, plus the one packet admitted last) take when cut into the smallest fragments an
 * ENet sender makes (at the minimum MTU, 576, a fragment other than a packet's last carries
 * 576 - 4 - 24 - 4 = 544 bytes; 512 leaves room), and at least 65,536. An honest sender never
 * meets it; a hostile one sending 1-byte fragments cannot hold millions of records.
 */
export function maximumHeldFragments(maximumWaitingData: number, maximumPacketSize: number): number {
  return Math.max(65536, Math.ceil((maximumWaitingData + maximumPacketSize) / 512));
}

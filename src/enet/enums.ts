/**
 * Godot's ENetConnection / ENetPacketPeer enums: Godot's exact names and numeric values
 * (`EventType.EVENT_RECEIVE`, `PeerState.STATE_CONNECTED`, ...). The short names the first
 * releases used (`EventType.RECEIVE`, `PacketFlags.RELIABLE`) stay as aliases of the same
 * values; reverse lookups (`EventType[3]`) give Godot's name.
 */

/** ENetConnection.EventType. */
export enum EventType {
  ERROR = -1,
  NONE = 0,
  CONNECT = 1,
  DISCONNECT = 2,
  RECEIVE = 3,
  /** service() failed: the socket could not send (Godot: destroy and recreate the host). */
  EVENT_ERROR = -1,
  EVENT_NONE = 0,
  EVENT_CONNECT = 1,
  EVENT_DISCONNECT = 2,
  EVENT_RECEIVE = 3,
}

/** ENetPacketPeer FLAG_* (ENetPacketFlag). */
export enum PacketFlags {
  RELIABLE = 1,
  UNSEQUENCED = 2,
  UNRELIABLE_FRAGMENT = 8,
  FLAG_RELIABLE = 1,
  FLAG_UNSEQUENCED = 2,
  FLAG_UNRELIABLE_FRAGMENT = 8,
}

/** ENetPacketPeer.PeerState (ENetPeerState). */
export enum PeerState {
  STATE_DISCONNECTED = 0,
  STATE_CONNECTING = 1,
  STATE_ACKNOWLEDGING_CONNECT = 2,
  STATE_CONNECTION_PENDING = 3,
  STATE_CONNECTION_SUCCEEDED = 4,
  STATE_CONNECTED = 5,
  STATE_DISCONNECT_LATER = 6,
  STATE_DISCONNECTING = 7,
  STATE_ACKNOWLEDGING_DISCONNECT = 8,
  STATE_ZOMBIE = 9,
}

/** ENetPacketPeer.PeerStatistic. */
export enum PeerStatistic {
  PEER_PACKET_LOSS = 0,
  PEER_PACKET_LOSS_VARIANCE = 1,
  PEER_PACKET_LOSS_EPOCH = 2,
  PEER_ROUND_TRIP_TIME = 3,
  PEER_ROUND_TRIP_TIME_VARIANCE = 4,
  PEER_LAST_ROUND_TRIP_TIME = 5,
  PEER_LAST_ROUND_TRIP_TIME_VARIANCE = 6,
  PEER_PACKET_THROTTLE = 7,
  PEER_PACKET_THROTTLE_LIMIT = 8,
  PEER_PACKET_THROTTLE_COUNTER = 9,
  PEER_PACKET_THROTTLE_EPOCH = 10,
  PEER_PACKET_THROTTLE_ACCELERATION = 11,
  PEER_PACKET_THROTTLE_DECELERATION = 12,
  PEER_PACKET_THROTTLE_INTERVAL = 13,
}

/** ENetConnection.HostStatistic. */
export enum HostStatistic {
  HOST_TOTAL_SENT_DATA = 0,
  HOST_TOTAL_SENT_PACKETS = 1,
  HOST_TOTAL_RECEIVED_DATA = 2,
  HOST_TOTAL_RECEIVED_PACKETS = 3,
}

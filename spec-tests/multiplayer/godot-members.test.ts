// Conformance: MultiplayerPeer (through both transports) and ENetMultiplayerPeer have every member
// of Godot 4.6's class reference (camelCase). Fails naming what is missing.
import { describe, test } from "node:test";
import { ENetMultiplayerPeer, WebSocketMultiplayerPeer } from "../../src/index.ts";
import { checkMembers, type GodotClassMembers } from "../tcp/godot-members.ts";

const PACKET_PEER: GodotClassMembers = {
  methods: ["get_available_packet_count", "get_packet", "get_packet_error", "put_packet", "get_var", "put_var", "get_encode_buffer_max_size", "set_encode_buffer_max_size"],
  properties: ["encode_buffer_max_size"],
};
const MULTIPLAYER_PEER: GodotClassMembers = {
  methods: [
    "close", "disconnect_peer", "generate_unique_id", "get_connection_status", "get_packet_channel", "get_packet_mode", "get_packet_peer",
    "get_unique_id", "is_server_relay_supported", "poll", "set_target_peer",
  ],
  properties: ["refuse_new_connections", "transfer_channel", "transfer_mode"],
  constants: [
    "TARGET_PEER_BROADCAST", "TARGET_PEER_SERVER", "CONNECTION_DISCONNECTED", "CONNECTION_CONNECTING", "CONNECTION_CONNECTED",
    "TRANSFER_MODE_UNRELIABLE", "TRANSFER_MODE_UNRELIABLE_ORDERED", "TRANSFER_MODE_RELIABLE",
  ],
};
const ENET_MULTIPLAYER_PEER: GodotClassMembers = {
  methods: ["add_mesh_peer", "create_client", "create_mesh", "create_server", "get_peer", "set_bind_ip"],
  properties: ["host"],
};

describe("Godot 4 class reference: multiplayer classes", () => {
  test("every PacketPeer / MultiplayerPeer / ENetMultiplayerPeer member is present", () => {
    const enet = new ENetMultiplayerPeer();
    const ws = new WebSocketMultiplayerPeer();
    const rows = [
      ...checkMembers("PacketPeer", ENetMultiplayerPeer, enet, PACKET_PEER),
      ...checkMembers("MultiplayerPeer", ENetMultiplayerPeer, enet, MULTIPLAYER_PEER),
      ...checkMembers("MultiplayerPeer", WebSocketMultiplayerPeer, ws, MULTIPLAYER_PEER),
      ...checkMembers("ENetMultiplayerPeer", ENetMultiplayerPeer, enet, ENET_MULTIPLAYER_PEER),
    ];
    if (process.env.PACKETPEER_CONFORMANCE) console.log(rows.join("\n"));
  });
});

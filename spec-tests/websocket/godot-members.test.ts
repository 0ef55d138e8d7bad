// Conformance: WebSocketPeer and WebSocketMultiplayerPeer have every member of Godot 4.6's
// class reference (camelCase), plus Godot 3 / Redot 3.6 WebSocketPeer names. Fails naming what is missing.
import { describe, test } from "node:test";
import { WebSocketMultiplayerPeer, WebSocketPeer } from "../../src/index.ts";
import { checkMembers, type GodotClassMembers } from "../tcp/godot-members.ts";

const PACKET_PEER: GodotClassMembers = {
  methods: ["get_available_packet_count", "get_packet", "get_packet_error", "put_packet", "get_var", "put_var", "get_encode_buffer_max_size", "set_encode_buffer_max_size"],
  properties: ["encode_buffer_max_size"],
};
const WEBSOCKET_PEER: GodotClassMembers = {
  methods: [
    "accept_stream", "close", "connect_to_url", "get_close_code", "get_close_reason", "get_connected_host", "get_connected_port",
    "get_current_outbound_buffered_amount", "get_ready_state", "get_requested_url", "get_selected_protocol", "poll", "send",
    "send_text", "set_no_delay", "was_string_packet",
  ],
  properties: ["handshake_headers", "heartbeat_interval", "inbound_buffer_size", "max_queued_packets", "outbound_buffer_size", "supported_protocols"],
  constants: ["WRITE_MODE_TEXT", "WRITE_MODE_BINARY", "STATE_CONNECTING", "STATE_OPEN", "STATE_CLOSING", "STATE_CLOSED"],
};
/** Godot 3.x / Redot 3.6 names kept for ports of Godot 3 code. */
const WEBSOCKET_PEER_GODOT3: GodotClassMembers = { methods: ["get_write_mode", "set_write_mode", "is_connected_to_host"] };
const WEBSOCKET_MULTIPLAYER_PEER: GodotClassMembers = {
  methods: ["create_client", "create_server", "get_peer", "get_peer_address", "get_peer_port"],
  properties: ["handshake_headers", "handshake_timeout", "inbound_buffer_size", "max_queued_packets", "outbound_buffer_size", "supported_protocols"],
};

describe("Godot 4 class reference: WebSocket classes", () => {
  test("every PacketPeer / WebSocketPeer (Godot 4 and Godot 3 names) / WebSocketMultiplayerPeer member is present", () => {
    const ws = new WebSocketPeer();
    const rows = [
      ...checkMembers("PacketPeer", WebSocketPeer, ws, PACKET_PEER),
      ...checkMembers("WebSocketPeer", WebSocketPeer, ws, WEBSOCKET_PEER),
      ...checkMembers("WebSocketPeer (Godot 3)", WebSocketPeer, ws, WEBSOCKET_PEER_GODOT3),
      ...checkMembers("WebSocketMultiplayerPeer", WebSocketMultiplayerPeer, new WebSocketMultiplayerPeer(), WEBSOCKET_MULTIPLAYER_PEER),
    ];
    if (process.env.PACKETPEER_CONFORMANCE) console.log(rows.join("\n"));
  });
});

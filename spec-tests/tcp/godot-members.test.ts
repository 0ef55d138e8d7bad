// Conformance: StreamPeer, StreamPeerBuffer, StreamPeerTCP, StreamPeerUDS, TCPServer, UDSServer
// have every member of Godot 4.6's class reference (camelCase). Fails naming what is missing.
import { describe, test } from "node:test";
import { StreamPeerBuffer, StreamPeerTCP, StreamPeerUDS, TCPServer, UDSServer } from "../../src/index.ts";
import { checkMembers, type GodotClassMembers } from "./godot-members.ts";

const STREAM_PEER: GodotClassMembers = {
  methods: [
    "get_16", "get_32", "get_64", "get_8", "get_available_bytes", "get_data", "get_double", "get_float", "get_half",
    "get_partial_data", "get_string", "get_u16", "get_u32", "get_u64", "get_u8", "get_utf8_string", "get_var",
    "put_16", "put_32", "put_64", "put_8", "put_data", "put_double", "put_float", "put_half", "put_partial_data",
    "put_string", "put_u16", "put_u32", "put_u64", "put_u8", "put_utf8_string", "put_var",
    "set_big_endian", "is_big_endian_enabled",
  ],
  properties: ["big_endian"],
};
const STREAM_PEER_BUFFER: GodotClassMembers = {
  methods: ["clear", "duplicate", "get_position", "get_size", "resize", "seek", "get_data_array", "set_data_array"],
  properties: ["data_array"],
};
const STREAM_PEER_SOCKET: GodotClassMembers = {
  methods: ["disconnect_from_host", "get_status", "poll"],
  constants: ["STATUS_NONE", "STATUS_CONNECTING", "STATUS_CONNECTED", "STATUS_ERROR"],
};
const STREAM_PEER_TCP: GodotClassMembers = {
  methods: ["bind", "connect_to_host", "get_connected_host", "get_connected_port", "get_local_port", "set_no_delay"],
};
const STREAM_PEER_UDS: GodotClassMembers = { methods: ["bind", "connect_to_host", "get_connected_path"] };
const SOCKET_SERVER: GodotClassMembers = { methods: ["is_connection_available", "is_listening", "stop", "take_connection"] };
const TCP_SERVER: GodotClassMembers = { methods: ["get_local_port", "listen"] };
const UDS_SERVER: GodotClassMembers = { methods: ["listen"] };

describe("Godot 4 class reference: stream classes", () => {
  test("every StreamPeer / StreamPeerBuffer / StreamPeerSocket / StreamPeerTCP / StreamPeerUDS / TCPServer / UDSServer member is present", () => {
    const tcp = new StreamPeerTCP();
    const uds = new StreamPeerUDS();
    const buffer = new StreamPeerBuffer();
    const rows = [
      ...checkMembers("StreamPeer", StreamPeerBuffer, buffer, STREAM_PEER),
      ...checkMembers("StreamPeer", StreamPeerTCP, tcp, STREAM_PEER),
      ...checkMembers("StreamPeerBuffer", StreamPeerBuffer, buffer, STREAM_PEER_BUFFER),
      ...checkMembers("StreamPeerSocket", StreamPeerTCP, tcp, STREAM_PEER_SOCKET),
      ...checkMembers("StreamPeerSocket", StreamPeerUDS, uds, STREAM_PEER_SOCKET),
      ...checkMembers("StreamPeerTCP", StreamPeerTCP, tcp, STREAM_PEER_TCP),
      ...checkMembers("StreamPeerUDS", StreamPeerUDS, uds, STREAM_PEER_UDS),
      ...checkMembers("SocketServer", TCPServer, new TCPServer(), SOCKET_SERVER),
      ...checkMembers("SocketServer", UDSServer, new UDSServer(), SOCKET_SERVER),
      ...checkMembers("TCPServer", TCPServer, new TCPServer(), TCP_SERVER),
      ...checkMembers("UDSServer", UDSServer, new UDSServer(), UDS_SERVER),
    ];
    if (process.env.PACKETPEER_CONFORMANCE) console.log(rows.join("\n"));
  });
});

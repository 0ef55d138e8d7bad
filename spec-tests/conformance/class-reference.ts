// Godot 4.6 class-reference member lists (methods, properties, class constants, signals) for every
// Godot class packetpeer provides, transcribed from doc/classes/*.xml and modules/*/doc_classes/*.xml.
// Inherited members sit on the base's own list and are checked on each subclass that inherits them.
// A member we provide under another shape is listed in `deliberate` with the reason, which
// docs/godot-api.md explains; anything else missing fails the conformance test.

export interface GodotClassMembers {
  methods: string[];
  properties?: string[];
  constants?: string[];
  /** Signals: checked against the class's exported list of event names. */
  signals?: string[];
  /**
   * Members provided under another shape, with the reason (no camelCase member expected). A reason
   * starting "property: " or "signal: " says what kind of member Godot's is (a method otherwise).
   */
  deliberate?: Record<string, string>;
}

const PACKET_PEER: GodotClassMembers = {
  methods: ["get_available_packet_count", "get_packet", "get_packet_error", "put_packet", "get_var", "put_var", "get_encode_buffer_max_size", "set_encode_buffer_max_size"],
  properties: ["encode_buffer_max_size"],
};

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

const STREAM_PEER_SOCKET: GodotClassMembers = {
  methods: ["disconnect_from_host", "get_status", "poll"],
  constants: ["STATUS_NONE", "STATUS_CONNECTING", "STATUS_CONNECTED", "STATUS_ERROR"],
};

const SOCKET_SERVER: GodotClassMembers = { methods: ["is_connection_available", "is_listening", "stop", "take_connection"] };

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

const MULTIPLAYER_API: GodotClassMembers = {
  methods: ["get_peers", "get_remote_sender_id", "get_unique_id", "has_multiplayer_peer", "is_server", "poll", "rpc"],
  properties: ["multiplayer_peer"],
  constants: ["RPC_MODE_DISABLED", "RPC_MODE_ANY_PEER", "RPC_MODE_AUTHORITY"],
  signals: ["connected_to_server", "connection_failed", "peer_connected", "peer_disconnected", "server_disconnected"],
  deliberate: {
    create_default_interface: "one implementation exists: construct `new SceneMultiplayer()`",
    get_default_interface: "no engine-wide default; the program holds its SceneMultiplayer",
    set_default_interface: "no engine-wide default; the program holds its SceneMultiplayer",
    object_configuration_add: "replication nodes are declared with `spawner(path)` / `synchronizer(path, root, options)` / `spawn()`",
    object_configuration_remove: "`despawn(node)` and dropping the spawner/synchronizer stand-in",
  },
};

const SCENE_MULTIPLAYER: GodotClassMembers = {
  methods: ["clear", "complete_auth", "disconnect_peer", "get_authenticating_peers", "send_auth", "send_bytes"],
  properties: ["allow_object_decoding", "auth_callback", "auth_timeout", "max_delta_packet_size", "max_sync_packet_size", "refuse_new_connections", "root_path", "server_relay"],
  signals: ["peer_authenticating", "peer_authentication_failed", "peer_packet"],
};

const MULTIPLAYER_SPAWNER: GodotClassMembers = {
  methods: [],
  properties: ["spawn_limit", "spawn_path"],
  deliberate: {
    add_spawnable_scene: "scenes are indexes: `spawn(spawner, name, { scene })` sends the index the Godot spawner's list has; the receiving `onSpawn` builds the node",
    clear_spawnable_scenes: "no scene list is held (see add_spawnable_scene)",
    get_spawnable_scene: "no scene list is held (see add_spawnable_scene)",
    get_spawnable_scene_count: "no scene list is held (see add_spawnable_scene)",
    spawn: "`SceneMultiplayer.spawn(spawner, name, { data, setup, synchronizers })`: stand-in nodes are made by the SceneMultiplayer",
    spawn_function: "property: `SpawnerOptions.onSpawn(node, sceneId, data)` on the receiving side, `spawn(..., { setup })` on the authority",
    spawned: "signal: `SpawnerOptions.onSpawn`",
    despawned: "signal: `SpawnerOptions.onDespawn`",
  },
};

const MULTIPLAYER_SYNCHRONIZER: GodotClassMembers = {
  methods: ["add_visibility_filter", "get_visibility_for", "remove_visibility_filter", "set_visibility_for", "update_visibility"],
  properties: ["delta_interval", "public_visibility", "replication_interval", "visibility_update_mode"],
  constants: ["VISIBILITY_PROCESS_IDLE", "VISIBILITY_PROCESS_PHYSICS", "VISIBILITY_PROCESS_NONE"],
  deliberate: {
    root_path: "property: given once, as `rootPath` of `SceneMultiplayer.synchronizer(path, rootPath, options)`; `root` is that node",
    replication_config: "property: `SynchronizerOptions.properties`: the SceneReplicationConfig's properties in its order; `properties` reads them",
    synchronized: "signal: `SynchronizerOptions.onSynchronized`",
    delta_synchronized: "signal: `SynchronizerOptions.onDeltaSynchronized`",
    visibility_changed: "signal: `SynchronizerOptions.onVisibilityChanged(forPeer)`",
  },
};

/** One class as the conformance table shows it: the Godot class, the members it owns, and which of ours carry them. */
export interface ConformanceClass {
  godot: string;
  members: GodotClassMembers;
  /** Our classes that must carry these members (a base's members are checked on each subclass). */
  ours: string[];
}

export const CLASS_REFERENCE: ConformanceClass[] = [
  { godot: "PacketPeer", members: PACKET_PEER, ours: ["ENetPacketPeer", "WebSocketPeer", "ENetMultiplayerPeer", "WebSocketMultiplayerPeer", "OfflineMultiplayerPeer", "PacketPeerUDP", "PacketPeerDTLS"] },
  { godot: "StreamPeer", members: STREAM_PEER, ours: ["StreamPeerBuffer", "StreamPeerTCP", "StreamPeerUDS"] },
  {
    godot: "StreamPeerBuffer",
    members: { methods: ["clear", "duplicate", "get_position", "get_size", "resize", "seek", "get_data_array", "set_data_array"], properties: ["data_array"] },
    ours: ["StreamPeerBuffer"],
  },
  { godot: "StreamPeerSocket", members: STREAM_PEER_SOCKET, ours: ["StreamPeerTCP", "StreamPeerUDS"] },
  { godot: "StreamPeerTCP", members: { methods: ["bind", "connect_to_host", "get_connected_host", "get_connected_port", "get_local_port", "set_no_delay"] }, ours: ["StreamPeerTCP"] },
  { godot: "StreamPeerUDS", members: { methods: ["bind", "connect_to_host", "get_connected_path"] }, ours: ["StreamPeerUDS"] },
  { godot: "SocketServer", members: SOCKET_SERVER, ours: ["TCPServer", "UDSServer"] },
  { godot: "TCPServer", members: { methods: ["get_local_port", "listen"] }, ours: ["TCPServer"] },
  { godot: "UDSServer", members: { methods: ["listen"] }, ours: ["UDSServer"] },
  {
    godot: "PacketPeerUDP",
    members: {
      methods: [
        "bind", "close", "connect_to_host", "get_local_port", "get_packet_ip", "get_packet_port", "is_bound", "is_socket_connected",
        "join_multicast_group", "leave_multicast_group", "set_broadcast_enabled", "set_dest_address", "wait",
      ],
    },
    ours: ["PacketPeerUDP"],
  },
  {
    godot: "UDPServer",
    members: { methods: ["get_local_port", "is_connection_available", "is_listening", "listen", "poll", "stop", "take_connection"], properties: ["max_pending_connections"] },
    ours: ["UDPServer"],
  },
  {
    godot: "IP",
    members: {
      methods: [
        "clear_cache", "erase_resolve_item", "get_local_addresses", "get_local_interfaces", "get_resolve_item_address", "get_resolve_item_addresses",
        "get_resolve_item_status", "resolve_hostname", "resolve_hostname_addresses", "resolve_hostname_queue_item",
      ],
      constants: [
        "RESOLVER_STATUS_NONE", "RESOLVER_STATUS_WAITING", "RESOLVER_STATUS_DONE", "RESOLVER_STATUS_ERROR", "RESOLVER_MAX_QUERIES", "RESOLVER_INVALID_ID",
        "TYPE_NONE", "TYPE_IPV4", "TYPE_IPV6", "TYPE_ANY",
      ],
    },
    ours: ["IP"],
  },
  {
    godot: "PacketPeerDTLS",
    members: {
      methods: ["connect_to_peer", "disconnect_from_peer", "get_status", "poll"],
      constants: ["STATUS_DISCONNECTED", "STATUS_HANDSHAKING", "STATUS_CONNECTED", "STATUS_ERROR", "STATUS_ERROR_HOSTNAME_MISMATCH"],
    },
    ours: ["PacketPeerDTLS"],
  },
  { godot: "DTLSServer", members: { methods: ["setup", "take_connection"] }, ours: ["DTLSServer"] },
  {
    godot: "ENetConnection",
    members: {
      methods: [
        "bandwidth_limit", "broadcast", "channel_limit", "compress", "connect_to_host", "create_host", "create_host_bound", "destroy",
        "dtls_client_setup", "dtls_server_setup", "flush", "get_local_port", "get_max_channels", "get_peers", "pop_statistic",
        "refuse_new_connections", "service", "socket_send",
      ],
      constants: [
        "COMPRESS_NONE", "COMPRESS_RANGE_CODER", "COMPRESS_FASTLZ", "COMPRESS_ZLIB", "COMPRESS_ZSTD",
        "EVENT_ERROR", "EVENT_NONE", "EVENT_CONNECT", "EVENT_DISCONNECT", "EVENT_RECEIVE",
        "HOST_TOTAL_SENT_DATA", "HOST_TOTAL_SENT_PACKETS", "HOST_TOTAL_RECEIVED_DATA", "HOST_TOTAL_RECEIVED_PACKETS",
      ],
    },
    ours: ["ENetConnection"],
  },
  {
    godot: "ENetPacketPeer",
    members: {
      methods: [
        "get_channels", "get_remote_address", "get_remote_port", "get_state", "get_statistic", "is_active", "peer_disconnect",
        "peer_disconnect_later", "peer_disconnect_now", "ping", "ping_interval", "reset", "send", "set_timeout", "throttle_configure",
      ],
      constants: [
        "STATE_DISCONNECTED", "STATE_CONNECTING", "STATE_ACKNOWLEDGING_CONNECT", "STATE_CONNECTION_PENDING", "STATE_CONNECTION_SUCCEEDED",
        "STATE_CONNECTED", "STATE_DISCONNECT_LATER", "STATE_DISCONNECTING", "STATE_ACKNOWLEDGING_DISCONNECT", "STATE_ZOMBIE",
        "PEER_PACKET_LOSS", "PEER_PACKET_LOSS_VARIANCE", "PEER_PACKET_LOSS_EPOCH", "PEER_ROUND_TRIP_TIME", "PEER_ROUND_TRIP_TIME_VARIANCE",
        "PEER_LAST_ROUND_TRIP_TIME", "PEER_LAST_ROUND_TRIP_TIME_VARIANCE", "PEER_PACKET_THROTTLE", "PEER_PACKET_THROTTLE_LIMIT",
        "PEER_PACKET_THROTTLE_COUNTER", "PEER_PACKET_THROTTLE_EPOCH", "PEER_PACKET_THROTTLE_ACCELERATION", "PEER_PACKET_THROTTLE_DECELERATION",
        "PEER_PACKET_THROTTLE_INTERVAL", "PACKET_LOSS_SCALE", "PACKET_THROTTLE_SCALE", "FLAG_RELIABLE", "FLAG_UNSEQUENCED", "FLAG_UNRELIABLE_FRAGMENT",
      ],
    },
    ours: ["ENetPacketPeer"],
  },
  {
    godot: "WebSocketPeer",
    members: {
      methods: [
        "accept_stream", "close", "connect_to_url", "get_close_code", "get_close_reason", "get_connected_host", "get_connected_port",
        "get_current_outbound_buffered_amount", "get_ready_state", "get_requested_url", "get_selected_protocol", "poll", "send",
        "send_text", "set_no_delay", "was_string_packet",
      ],
      properties: ["handshake_headers", "heartbeat_interval", "inbound_buffer_size", "max_queued_packets", "outbound_buffer_size", "supported_protocols"],
      constants: ["WRITE_MODE_TEXT", "WRITE_MODE_BINARY", "STATE_CONNECTING", "STATE_OPEN", "STATE_CLOSING", "STATE_CLOSED"],
    },
    ours: ["WebSocketPeer"],
  },
  // Godot 3.x / Redot 3.6 names, kept for ports of Godot 3 code.
  { godot: "WebSocketPeer (Godot 3 / Redot 3.6)", members: { methods: ["get_write_mode", "set_write_mode", "is_connected_to_host"] }, ours: ["WebSocketPeer"] },
  { godot: "MultiplayerPeer", members: MULTIPLAYER_PEER, ours: ["ENetMultiplayerPeer", "WebSocketMultiplayerPeer", "OfflineMultiplayerPeer"] },
  {
    godot: "ENetMultiplayerPeer",
    members: { methods: ["add_mesh_peer", "create_client", "create_mesh", "create_server", "get_peer", "set_bind_ip"], properties: ["host"] },
    ours: ["ENetMultiplayerPeer"],
  },
  {
    godot: "WebSocketMultiplayerPeer",
    members: {
      methods: ["create_client", "create_server", "get_peer", "get_peer_address", "get_peer_port"],
      properties: ["handshake_headers", "handshake_timeout", "inbound_buffer_size", "max_queued_packets", "outbound_buffer_size", "supported_protocols"],
    },
    ours: ["WebSocketMultiplayerPeer"],
  },
  { godot: "MultiplayerAPI", members: MULTIPLAYER_API, ours: ["SceneMultiplayer"] },
  { godot: "SceneMultiplayer", members: SCENE_MULTIPLAYER, ours: ["SceneMultiplayer"] },
  { godot: "MultiplayerSpawner", members: MULTIPLAYER_SPAWNER, ours: ["MultiplayerSpawner"] },
  { godot: "MultiplayerSynchronizer", members: MULTIPLAYER_SYNCHRONIZER, ours: ["MultiplayerSynchronizer"] },
  {
    godot: "PacketPeerStream",
    members: {
      methods: ["get_input_buffer_max_size", "get_output_buffer_max_size", "get_stream_peer", "set_input_buffer_max_size", "set_output_buffer_max_size", "set_stream_peer"],
      properties: ["input_buffer_max_size", "output_buffer_max_size", "stream_peer"],
    },
    ours: ["PacketPeerStream"],
  },
  { godot: "PacketPeer", members: PACKET_PEER, ours: ["PacketPeerStream"] },
  { godot: "StreamPeerGZIP", members: { methods: ["clear", "finish", "start_compression", "start_decompression"] }, ours: ["StreamPeerGZIP"] },
  { godot: "StreamPeer", members: STREAM_PEER, ours: ["StreamPeerGZIP"] },
  // TLS and the crypto classes it takes.
  {
    godot: "StreamPeerTLS",
    members: {
      methods: ["accept_stream", "connect_to_stream", "disconnect_from_stream", "get_status", "get_stream", "poll"],
      constants: ["STATUS_DISCONNECTED", "STATUS_HANDSHAKING", "STATUS_CONNECTED", "STATUS_ERROR", "STATUS_ERROR_HOSTNAME_MISMATCH"],
    },
    ours: ["StreamPeerTLS"],
  },
  { godot: "StreamPeer", members: STREAM_PEER, ours: ["StreamPeerTLS"] },
  {
    godot: "TLSOptions",
    members: {
      methods: ["client", "client_unsafe", "server", "get_common_name_override", "get_own_certificate", "get_private_key", "get_trusted_ca_chain", "is_server", "is_unsafe_client"],
    },
    ours: ["TLSOptions"],
  },
  {
    godot: "Crypto",
    members: {
      methods: [
        "constant_time_compare", "decrypt", "encrypt", "generate_random_bytes", "generate_rsa", "generate_self_signed_certificate", "hmac_digest", "sign", "verify",
      ],
    },
    ours: ["Crypto"],
  },
  {
    godot: "CryptoKey",
    members: {
      // load takes the PEM text or bytes instead of a path.
      methods: ["is_public_only", "load", "load_from_string", "save_to_string"],
      deliberate: { save: "no file system in the portable layers: the PEM goes through saveToString()" },
    },
    ours: ["CryptoKey"],
  },
  {
    godot: "X509Certificate",
    members: { methods: ["load", "load_from_string", "save_to_string"], deliberate: { save: "no file system in the portable layers: the PEM goes through saveToString()" } },
    ours: ["X509Certificate"],
  },
  { godot: "HashingContext", members: { methods: ["start", "update", "finish"], constants: ["HASH_MD5", "HASH_SHA1", "HASH_SHA256"] }, ours: ["HashingContext"] },
  { godot: "HMACContext", members: { methods: ["start", "update", "finish"] }, ours: ["HMACContext"] },
];

export type MemberKind = "method" | "property" | "constant" | "signal" | "deliberate";

export interface ConformanceRow {
  godot: string;
  member: string;
  kind: MemberKind;
  ours: string;
  /** Our name for it (camelCase method/property, the constant or signal name as is). */
  js: string;
  present: boolean;
  /** For `deliberate` rows: why the member has another shape. */
  note?: string;
}

export function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** What the check needs of one of our classes: the class (statics), an instance, and its signal names. */
export interface Subject {
  cls: object;
  instance: object;
  signals?: readonly string[];
}

/** Walk every listed member against our classes; one row per (Godot member, our class). */
export function conformanceRows(subjects: Record<string, Subject>): ConformanceRow[] {
  const rows: ConformanceRow[] = [];
  for (const entry of CLASS_REFERENCE) {
    for (const ours of entry.ours) {
      const subject = subjects[ours];
      if (!subject) throw new Error(`no subject given for ${ours}`);
      const instance = subject.instance as Record<string, unknown>;
      const m = entry.members;
      for (const name of m.methods) {
        const js = camel(name);
        // Godot's static methods (TLSOptions.client...) are statics of our class too.
        const present = typeof instance[js] === "function" || typeof (subject.cls as Record<string, unknown>)[js] === "function";
        rows.push({ godot: entry.godot, member: name, kind: "method", ours, js: `${js}()`, present });
      }
      for (const name of m.properties ?? []) {
        const js = camel(name);
        rows.push({ godot: entry.godot, member: name, kind: "property", ours, js, present: js in instance });
      }
      for (const name of m.constants ?? []) {
        rows.push({ godot: entry.godot, member: name, kind: "constant", ours, js: name, present: name in subject.cls });
      }
      for (const name of m.signals ?? []) {
        rows.push({ godot: entry.godot, member: name, kind: "signal", ours, js: `"${name}" event`, present: subject.signals?.includes(name) ?? false });
      }
      for (const [name, note] of Object.entries(m.deliberate ?? {})) {
        rows.push({ godot: entry.godot, member: name, kind: "deliberate", ours, js: "—", present: typeof instance[camel(name)] !== "function", note });
      }
    }
  }
  return rows;
}

/** The markdown table of docs/godot-conformance.md, generated from the rows. */
export function renderConformance(rows: readonly ConformanceRow[]): string {
  const total = rows.filter((r) => r.kind !== "deliberate").length;
  const present = rows.filter((r) => r.kind !== "deliberate" && r.present).length;
  const deliberate = rows.filter((r) => r.kind === "deliberate").length;
  const lines = [
    "# Godot 4.6 class reference conformance",
    "",
    "Generated by `npm run conformance` from `spec-tests/conformance/class-reference.ts` (the member lists) and the",
    "classes themselves; `spec-tests/conformance/class-reference.test.ts` fails when a member is missing or this file is stale.",
    "Inherited members are listed under the class that declares them, once per class of ours that inherits them.",
    "Behaviour differences (not names) are in [godot-api.md](godot-api.md).",
    "",
    `${present} of ${total} members present under Godot's name in camelCase; ${deliberate} provided in another shape (reason given).`,
    "",
    "| Godot class | member | kind | our class | ours | status |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const shape = r.kind === "deliberate" ? /^(property|signal): (.*)$/s.exec(r.note ?? "") : null;
    const status = r.kind === "deliberate" ? `another shape: ${shape ? shape[2] : r.note}` : r.present ? "present" : "**MISSING**";
    lines.push(`| ${r.godot} | \`${r.member}\` | ${r.kind === "deliberate" ? (shape ? shape[1] : "method") : r.kind} | ${r.ours} | ${r.js === "—" ? "—" : `\`${r.js}\``} | ${status} |`);
  }
  return lines.join("\n") + "\n";
}

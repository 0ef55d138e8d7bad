/**
 * Godot 3.2's WebSocketMultiplayerPeer framing (modules/websocket/websocket_multiplayer_peer.*),
 * checked against a live godot3-server (spec-tests/multiplayer/godot3-websocket.test.ts).
 * Every binary message starts with [u8 type][i32 LE from][i32 LE to] (PROTO_SIZE 9 bytes).
 * Type SYS_NONE carries a payload; the server's system messages SYS_ADD / SYS_DEL / SYS_ID
 * carry one i32 LE peer ID and are sent with from = 1, to = 0.
 */
export const GODOT3_WS_SYS_NONE = 0;
export const GODOT3_WS_SYS_ADD = 1;
export const GODOT3_WS_SYS_DEL = 2;
export const GODOT3_WS_SYS_ID = 3;
export const GODOT3_WS_PROTO_SIZE = 9;

export function encodeGodot3WsMessage(type: number, from: number, to: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(GODOT3_WS_PROTO_SIZE + payload.length);
  const view = new DataView(out.buffer);
  out[0] = type;
  view.setInt32(1, from | 0, true);
  view.setInt32(5, to | 0, true);
  out.set(payload, GODOT3_WS_PROTO_SIZE);
  return out;
}

/** A system message as the Godot 3 server sends it: from 1, to 0, the ID as payload. */
export function encodeGodot3WsSys(type: number, id: number): Uint8Array {
  const out = new Uint8Array(GODOT3_WS_PROTO_SIZE + 4);
  const view = new DataView(out.buffer);
  out[0] = type;
  view.setInt32(1, 1, true);
  view.setInt32(5, 0, true);
  view.setInt32(GODOT3_WS_PROTO_SIZE, id | 0, true);
  return out;
}

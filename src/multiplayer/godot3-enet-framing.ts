/**
 * Godot 3.2's NetworkedMultiplayerENet framing (modules/enet/networked_multiplayer_enet.*),
 * checked against a live godot3-server (spec-tests/multiplayer/godot3-enet.test.ts):
 * - ENet channel 0 (SYSCH_CONFIG) carries the server's system messages, 8 bytes, reliable:
 *   [u32 LE message][u32 LE peer ID]; SYSMSG_ADD_PEER = 0, SYSMSG_REMOVE_PEER = 1.
 * - Channels >= 1 carry data: [u32 LE source][i32 LE target] then the payload.
 *   Channel 1 (SYSCH_RELIABLE) is the reliable default, channel 2 (SYSCH_UNRELIABLE) the
 *   unreliable one; a transfer channel > 0 overrides the channel.
 */
export const GODOT3_SYSCH_CONFIG = 0;
export const GODOT3_SYSCH_RELIABLE = 1;
export const GODOT3_SYSCH_UNRELIABLE = 2;
/** Channels Godot 3 reserves, and its default channel_count. */
export const GODOT3_SYSCH_MAX = 3;

export const GODOT3_SYSMSG_ADD_PEER = 0;
export const GODOT3_SYSMSG_REMOVE_PEER = 1;

export const GODOT3_ENET_HEADER_SIZE = 8;
export const GODOT3_ENET_SYSMSG_SIZE = 8;

/** [u32 source][i32 target] + payload, little-endian. */
export function encodeGodot3EnetPacket(source: number, target: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(GODOT3_ENET_HEADER_SIZE + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, source >>> 0, true);
  view.setInt32(4, target | 0, true);
  out.set(payload, GODOT3_ENET_HEADER_SIZE);
  return out;
}

/** [u32 message][u32 peer ID], little-endian. */
export function encodeGodot3EnetSysMsg(message: number, id: number): Uint8Array {
  const out = new Uint8Array(GODOT3_ENET_SYSMSG_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, message >>> 0, true);
  view.setUint32(4, id >>> 0, true);
  return out;
}

/** The i32 at `offset` (little-endian); bytes past the end read as 0 (callers check the length first). */
export function readI32LE(data: Uint8Array, offset: number): number {
  return (data[offset] ?? 0) | ((data[offset + 1] ?? 0) << 8) | ((data[offset + 2] ?? 0) << 16) | ((data[offset + 3] ?? 0) << 24);
}

/** The u32 at `offset` (little-endian); bytes past the end read as 0 (callers check the length first). */
export function readU32LE(data: Uint8Array, offset: number): number {
  return readI32LE(data, offset) >>> 0;
}

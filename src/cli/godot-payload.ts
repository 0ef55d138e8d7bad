/**
 * What a packet means one layer up: the Godot multiplayer peers' framing (Godot 3's 8-byte
 * source/target header and system messages; Godot 4 has none on ENet) and the high-level
 * multiplayer command inside (SceneMultiplayer for Godot 4, MultiplayerAPI for Godot 3), with
 * RPC arguments decoded as Variants. Descriptive only: unknown or malformed input is
 * described as such, never thrown.
 */
import { decodeVariantAt } from "../variant/index.ts";
import { readCompressedVariants } from "../scene/compressed-variant.ts";
import { readCString } from "../scene/node-registry.ts";
import {
  BYTE_ONLY_OR_NO_ARGS_FLAG,
  CMD_MASK,
  NAME_ID_COMPRESSION_FLAG,
  NetworkCommand,
  NODE_ID_COMPRESSION_MASK,
  NODE_ID_COMPRESSION_SHIFT,
  NODE_PATH_FLAG,
  SysCommand,
  SYNC_DELTA_FLAG,
} from "../scene/protocol.ts";
import { Godot3NetworkCommand } from "../scene/godot3-session.ts";
import { GODOT3_ENET_HEADER_SIZE, GODOT3_SYSCH_CONFIG, GODOT3_SYSMSG_ADD_PEER } from "../multiplayer/godot3-enet-framing.ts";

export type GodotVersion = 3 | 4;

/** One layer's fields, for --json and for the table. */
export type Fields = Record<string, unknown>;

export interface GodotDescription {
  /** Godot 3 ENet framing: the system message or the source/target header. */
  framing?: Fields;
  /** The multiplayer command and its fields. */
  command?: Fields;
}

function le32(p: Uint8Array, at: number, signed = false): number {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return signed ? v.getInt32(at, true) : v.getUint32(at, true);
}

/** A Variant as short readable text (bigint with n, bytes as their length, Godot classes by name). */
export function formatVariant(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return `<${v.length} bytes>`;
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), x]));
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const name = (v as object).constructor?.name;
      if (name && name !== "Object") return { [name]: { ...(v as object) } };
    }
    return v;
  }) ?? "undefined";
}

/** Describe a packet delivered on ENet `channel` by a Godot `version` multiplayer peer. */
export function describeEnetGodotPacket(version: GodotVersion, channel: number, p: Uint8Array): GodotDescription {
  if (version === 4) return { command: describeSceneCommand(p) };
  if (channel === GODOT3_SYSCH_CONFIG) {
    if (p.length !== 8) return { framing: { error: `system message of ${p.length} bytes (expected 8)` } };
    const message = le32(p, 0);
    return { framing: { sysmsg: message === GODOT3_SYSMSG_ADD_PEER ? "ADD_PEER" : message === 1 ? "REMOVE_PEER" : `unknown ${message}`, id: le32(p, 4) } };
  }
  if (p.length < GODOT3_ENET_HEADER_SIZE) return { framing: { error: `${p.length} bytes: shorter than Godot 3's 8-byte header` } };
  return { framing: { source: le32(p, 0), target: le32(p, 4, true) }, command: describeGodot3Command(p.subarray(GODOT3_ENET_HEADER_SIZE)) };
}

const SCENE_NAMES = ["REMOTE_CALL", "SIMPLIFY_PATH", "CONFIRM_PATH", "RAW", "SPAWN", "DESPAWN", "SYNC", "SYS"];
const SYS_NAMES = ["AUTH", "ADD_PEER", "DEL_PEER", "RELAY"];

/** SceneMultiplayer (Godot 4) command. */
export function describeSceneCommand(p: Uint8Array): Fields {
  if (p.length === 0) return { error: "empty packet" };
  const kind = p[0]! & CMD_MASK;
  const out: Fields = { command: SCENE_NAMES[kind] };
  try {
    switch (kind as NetworkCommand) {
      case NetworkCommand.REMOTE_CALL:
        return { ...out, ...describeSceneRpc(p) };
      case NetworkCommand.SIMPLIFY_PATH: {
        const md5 = readCString(p, 1, p.length);
        const at = 1 + md5.length + 1;
        return { ...out, rpcConfigMd5: md5, id: le32(p, at), path: readCString(p, at + 4, p.length) };
      }
      case NetworkCommand.CONFIRM_PATH:
        return { ...out, valid: p[1] === 1, id: le32(p, 2) };
      case NetworkCommand.RAW:
        return { ...out, size: p.length - 1 };
      case NetworkCommand.SPAWN:
      case NetworkCommand.DESPAWN:
        return { ...out, size: p.length, netId: p.length >= 5 ? le32(p, 1) : undefined };
      case NetworkCommand.SYNC:
        return { ...out, delta: (p[0]! & SYNC_DELTA_FLAG) !== 0, size: p.length };
      case NetworkCommand.SYS: {
        const sys = p[1] ?? -1;
        const fields: Fields = { ...out, sys: SYS_NAMES[sys] ?? `unknown ${sys}` };
        if (sys === SysCommand.AUTH) return { ...fields, authBytes: p.length - 2 };
        if (p.length >= 6) fields.peer = le32(p, 2, true);
        if (sys === SysCommand.RELAY) {
          fields.relayed = describeSceneCommand(p.subarray(6));
        }
        return fields;
      }
    }
  } catch (err) {
    return { ...out, error: (err as Error).message };
  }
  return out;
}

function describeSceneRpc(p: Uint8Array): Fields {
  const meta = p[0]!;
  const nodeIdSize = [1, 2, 4][(meta & NODE_ID_COMPRESSION_MASK) >> NODE_ID_COMPRESSION_SHIFT];
  if (nodeIdSize === undefined) return { error: "bad node id size" };
  const nameIdSize = meta & NAME_ID_COMPRESSION_FLAG ? 2 : 1;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let offset = 1 + nodeIdSize + nameIdSize;
  if (p.length < offset) return { error: "cut short" };
  const target = nodeIdSize === 1 ? p[1]! : nodeIdSize === 2 ? v.getUint16(1, true) : v.getUint32(1, true);
  const methodId = nameIdSize === 1 ? p[1 + nodeIdSize]! : v.getUint16(1 + nodeIdSize, true);
  const out: Fields = {};
  let end = p.length;
  if (target & NODE_PATH_FLAG) {
    const at = target & 0x7fffffff;
    if (at < offset || at >= p.length) return { error: "node path offset outside the packet" };
    out.path = readCString(p, at, p.length);
    end = at;
  } else out.nodeId = target;
  out.methodId = methodId;
  if (meta & BYTE_ONLY_OR_NO_ARGS_FLAG) {
    out.args = offset < end ? [`<${end - offset} bytes>`] : [];
    return out;
  }
  if (offset >= end) return { ...out, error: "no argument count" };
  const argc = p[offset]!;
  offset++;
  out.args = readCompressedVariants(p, offset, end, argc, { allowObjects: false }).values.map(formatVariant);
  return out;
}

const GODOT3_NAMES = ["REMOTE_CALL", "REMOTE_SET", "SIMPLIFY_PATH", "CONFIRM_PATH", "RAW"];

/** MultiplayerAPI (Godot 3.2) command. */
export function describeGodot3Command(p: Uint8Array): Fields {
  if (p.length === 0) return { error: "empty packet" };
  const out: Fields = { command: GODOT3_NAMES[p[0]!] ?? `unknown ${p[0]}` };
  try {
    switch (p[0] as Godot3NetworkCommand) {
      case Godot3NetworkCommand.SIMPLIFY_PATH:
        return { ...out, id: le32(p, 1), path: readCString(p, 5, p.length) };
      case Godot3NetworkCommand.CONFIRM_PATH:
        return { ...out, path: readCString(p, 1, p.length) };
      case Godot3NetworkCommand.RAW:
        return { ...out, size: p.length - 1 };
      case Godot3NetworkCommand.REMOTE_CALL:
      case Godot3NetworkCommand.REMOTE_SET: {
        const target = le32(p, 1);
        if (target & NODE_PATH_FLAG) out.path = readCString(p, target & 0x7fffffff, p.length);
        else out.nodeId = target;
        const name = readCString(p, 5, p.length);
        out[p[0] === Godot3NetworkCommand.REMOTE_SET ? "property" : "method"] = name;
        let offset = 5 + new TextEncoder().encode(name).length + 1;
        const opts = { protocol: "godot3" as const };
        if (p[0] === Godot3NetworkCommand.REMOTE_SET) {
          out.value = formatVariant(decodeVariantAt(p, offset, opts).value);
          return out;
        }
        const argc = p[offset]!;
        offset++;
        const args: string[] = [];
        for (let i = 0; i < argc; i++) {
          const r = decodeVariantAt(p, offset, opts);
          args.push(formatVariant(r.value));
          offset += r.length;
        }
        out.args = args;
        return out;
      }
    }
  } catch (err) {
    return { ...out, error: (err as Error).message };
  }
  return out;
}

/**
 * Writes a Godot 4 resource pack (`.pck`, pack format 3, as read by Godot 4.4+'s
 * `core/io/file_access_pack.cpp`). The web template only honours `--main-pack`, so the live
 * tests ship their project this way.
 *
 * Layout (all integers little-endian):
 *   header   "GDPC" | u32 format (3) | u32 major | u32 minor | u32 patch | u32 pack flags
 *            | u64 file base | u64 directory offset | 16 x u32 reserved, padded to 16 bytes
 *   data     each file's bytes, every file starting on a 16-byte boundary (offsets relative to file base)
 *   directory u32 count, then per file: u32 path length (padded to a multiple of 4) | path (zero padded)
 *            | u64 offset | u64 size | 16-byte md5 | u32 file flags
 */
import { createHash } from "node:crypto";

const PACK_HEADER_MAGIC = 0x43504447; // "GDPC"
const PACK_FORMAT_VERSION = 3;
/** File base is relative to the start of the pack (set by every Godot 4.4+ export). */
const PACK_REL_FILEBASE = 1 << 1;
const PCK_PADDING = 16;
const HEADER_SIZE = 4 * 6 + 8 + 8 + 16 * 4; // 104 bytes before alignment
const ENGINE_VERSION = [4, 6, 0] as const;

const align = (n: number, to: number): number => Math.ceil(n / to) * to;

/** Builds the pack bytes. `files` maps a path without `res://` (e.g. "project.godot") to its content. */
export function writePck(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const entries = [...files].map(([path, data]) => ({ path: new TextEncoder().encode(path.replace(/^res:\/\//, "")), data, offset: 0 }));
  const fileBase = align(HEADER_SIZE, PCK_PADDING);
  let dataEnd = 0;
  for (const e of entries) {
    e.offset = dataEnd;
    dataEnd = align(dataEnd + e.data.length, PCK_PADDING);
  }
  const dirOffset = fileBase + dataEnd;
  const dirSize = 4 + entries.reduce((n, e) => n + 4 + align(e.path.length, 4) + 8 + 8 + 16 + 4, 0);
  const out = new Uint8Array(dirOffset + dirSize);
  const view = new DataView(out.buffer);
  view.setUint32(0, PACK_HEADER_MAGIC, true);
  view.setUint32(4, PACK_FORMAT_VERSION, true);
  view.setUint32(8, ENGINE_VERSION[0], true);
  view.setUint32(12, ENGINE_VERSION[1], true);
  view.setUint32(16, ENGINE_VERSION[2], true);
  view.setUint32(20, PACK_REL_FILEBASE, true);
  view.setBigUint64(24, BigInt(fileBase), true);
  view.setBigUint64(32, BigInt(dirOffset), true);
  // 16 reserved words and the padding stay zero.
  for (const e of entries) out.set(e.data, fileBase + e.offset);
  let p = dirOffset;
  view.setUint32(p, entries.length, true);
  p += 4;
  for (const e of entries) {
    const padded = align(e.path.length, 4);
    view.setUint32(p, padded, true);
    out.set(e.path, p + 4);
    p += 4 + padded;
    view.setBigUint64(p, BigInt(e.offset), true);
    view.setBigUint64(p + 8, BigInt(e.data.length), true);
    out.set(createHash("md5").update(e.data).digest(), p + 16);
    view.setUint32(p + 32, 0, true); // file flags: not encrypted, not a removal
    p += 36;
  }
  return out;
}

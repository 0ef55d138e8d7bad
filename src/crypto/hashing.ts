/**
 * Godot's HashingContext and HMACContext: a digest or an HMAC computed over chunks, with Godot's
 * HashType values. The hashes are @noble/hashes'.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { md5, sha1 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { CHash } from "@noble/hashes/utils.js";
import { GodotError, NetError } from "../errors.ts";

/** Godot's HashingContext.HashType. */
export enum HashType {
  HASH_MD5 = 0,
  HASH_SHA1 = 1,
  HASH_SHA256 = 2,
}

type Hasher = CHash;
const HASHERS: Record<HashType, { fn: Hasher; name: "md5" | "sha1" | "sha256"; length: number }> = {
  [HashType.HASH_MD5]: { fn: md5, name: "md5", length: 16 },
  [HashType.HASH_SHA1]: { fn: sha1, name: "sha1", length: 20 },
  [HashType.HASH_SHA256]: { fn: sha256, name: "sha256", length: 32 },
};

/** The hash of `type`, or a RangeError naming `what` was given a value that is not a HashType. */
export function hashOf(type: HashType, what: string): (typeof HASHERS)[HashType] {
  const entry = Number.isInteger(type) ? HASHERS[type] : undefined;
  if (!entry) throw new RangeError(`${what}: hashType must be HashType.HASH_MD5, HASH_SHA1 or HASH_SHA256, got ${String(type)}`);
  return entry;
}

function checkBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  return value;
}

/**
 * HMAC of `message` under `key` with SHA-1 or SHA-256 (the two Godot allows). An empty key or
 * message is a RangeError: Godot 4.6's hmac_digest logs and returns an empty array for either.
 */
export function hmacDigest(type: HashType, key: Uint8Array, message: Uint8Array): Uint8Array {
  const hasher = hmacHasher(type, "hmacDigest");
  if (checkBytes(key, "key").length === 0) throw new RangeError("hmacDigest: key must not be empty");
  if (checkBytes(message, "msg").length === 0) throw new RangeError("hmacDigest: msg must not be empty");
  return hasher(key, message);
}

function hmacHasher(type: HashType, what: string): (key: Uint8Array, message: Uint8Array) => Uint8Array {
  if (type !== HashType.HASH_SHA1 && type !== HashType.HASH_SHA256) throw new RangeError(`${what}: HMAC takes HashType.HASH_SHA1 or HASH_SHA256, got ${String(type)}`);
  const fn = hashOf(type, what).fn;
  return (key, message) => hmac(fn, key, message);
}

/** Whether two byte arrays are equal, looking at every byte whatever the first difference (Godot's constant_time_compare). */
export function constantTimeCompare(trusted: Uint8Array, received: Uint8Array): boolean {
  checkBytes(trusted, "trusted");
  checkBytes(received, "received");
  if (trusted.length !== received.length) return false;
  let diff = 0;
  for (let i = 0; i < trusted.length; i++) diff |= trusted[i]! ^ received[i]!;
  return diff === 0;
}

/** Godot's HashingContext: start(type), update(chunk)..., finish(). */
export class HashingContext {
  static readonly HASH_MD5 = HashType.HASH_MD5;
  static readonly HASH_SHA1 = HashType.HASH_SHA1;
  static readonly HASH_SHA256 = HashType.HASH_SHA256;

  private state: ReturnType<Hasher["create"]> | null = null;

  /** Begins a digest; ERR_ALREADY_IN_USE while one is running, as in Godot. */
  start(type: HashType): GodotError {
    const { fn } = hashOf(type, "HashingContext.start");
    if (this.state) return GodotError.ERR_ALREADY_IN_USE;
    this.state = fn.create();
    return GodotError.OK;
  }

  /** ERR_UNCONFIGURED before start(); FAILED for an empty chunk (which changes nothing), as Godot 4.6 returns. */
  update(chunk: Uint8Array): GodotError {
    checkBytes(chunk, "chunk");
    if (!this.state) return GodotError.ERR_UNCONFIGURED;
    if (chunk.length === 0) return GodotError.FAILED;
    this.state.update(chunk);
    return GodotError.OK;
  }

  /** The digest, after which the context can start again; throws NetError(ERR_UNCONFIGURED) before start(). */
  finish(): Uint8Array {
    const state = this.state;
    if (!state) throw new NetError(GodotError.ERR_UNCONFIGURED, "HashingContext.finish: start() was not called");
    this.state = null;
    return state.digest();
  }
}

/** Godot's HMACContext: start(type, key), update(data)..., finish(); SHA-1 and SHA-256 as in Godot. */
export class HMACContext {
  private state: ReturnType<typeof hmac.create> | null = null;

  start(type: HashType, key: Uint8Array): GodotError {
    hmacHasher(type, "HMACContext.start");
    checkBytes(key, "key");
    if (key.length === 0) throw new RangeError("HMACContext.start: key must not be empty");
    // Godot 4.6's HMACContextMbedTLS returns the file flavour of the code here, unlike HashingContext.
    if (this.state) return GodotError.ERR_FILE_ALREADY_IN_USE;
    this.state = hmac.create(hashOf(type, "HMACContext.start").fn, key);
    return GodotError.OK;
  }

  /** ERR_INVALID_DATA before start(), ERR_INVALID_PARAMETER for empty data (which changes nothing): Godot 4.6's codes. */
  update(data: Uint8Array): GodotError {
    checkBytes(data, "data");
    if (!this.state) return GodotError.ERR_INVALID_DATA;
    if (data.length === 0) return GodotError.ERR_INVALID_PARAMETER;
    this.state.update(data);
    return GodotError.OK;
  }

  /** The HMAC, after which the context can start again; throws NetError(ERR_UNCONFIGURED) before start(). */
  finish(): Uint8Array {
    const state = this.state;
    if (!state) throw new NetError(GodotError.ERR_UNCONFIGURED, "HMACContext.finish: start() was not called");
    this.state = null;
    return state.digest();
  }
}

/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 4.2.1): the second the cookie was made, then
 * HMAC-SHA256 over that second, the client's address and its ClientHello parameters under a
 * per-server secret, so the server keeps no state for a client until it proves it receives at
 * its address. The time lets a cookie expire, as mbedTLS's do (MBEDTLS_SSL_COOKIE_TIMEOUT): a
 * cookie once seen at an address cannot stand for that address's reachability for ever.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ByteReader } from "./byte-reader.ts";
import { ByteWriter } from "./byte-writer.ts";
import type { ClientHello } from "./handshake-messages.ts";

export const COOKIE_LENGTH = 32;
/** How long a cookie is accepted after it was made, in seconds (mbedTLS's default, 60). */
export const COOKIE_LIFETIME_SECONDS = 60;
/** The cookie's first bytes: the second it was made (clock seconds, modulo 2^32). */
const COOKIE_TIME_LENGTH = 4;
const encoder = new TextEncoder();

/** `now` (ms) as the 32-bit second a cookie carries. */
const cookieSecond = (now: number): number => Math.floor(now / 1000) >>> 0;

function cookieInput(second: number, address: string, hello: ClientHello): Uint8Array {
  const w = new ByteWriter(96).u16(second >>> 16).u16(second & 0xffff).bytes(encoder.encode(address)).u8(0).bytes(hello.random).vector(1, hello.sessionId);
  for (const suite of hello.cipherSuites) w.u16(suite);
  return w.finish();
}

function cookieAt(secret: Uint8Array, second: number, address: string, hello: ClientHello): Uint8Array {
  const mac = hmac(sha256, secret, cookieInput(second, address, hello)).subarray(0, COOKIE_LENGTH - COOKIE_TIME_LENGTH);
  return new ByteWriter(COOKIE_LENGTH).u16(second >>> 16).u16(second & 0xffff).bytes(mac).finish();
}

/** The cookie for `hello` from `address` at `now` (ms, the server's clock). */
export function makeCookie(secret: Uint8Array, address: string, hello: ClientHello, now: number): Uint8Array {
  return cookieAt(secret, cookieSecond(now), address, hello);
}

/** Whether `hello` carries a cookie we made for `address` at most COOKIE_LIFETIME_SECONDS before `now` (ms). */
export function cookieMatches(secret: Uint8Array, address: string, hello: ClientHello, now: number): boolean {
  const cookie = hello.cookie;
  if (cookie.length !== COOKIE_LENGTH) return false;
  const made = new ByteReader(cookie).u32();
  // Modulo 2^32, so a clock passing 2^32 s changes nothing; a cookie "from the future" is refused too.
  if (((cookieSecond(now) - made) >>> 0) > COOKIE_LIFETIME_SECONDS) return false;
  const expected = cookieAt(secret, made, address, hello);
  let diff = 0;
  for (let i = 0; i < COOKIE_LENGTH; i++) diff |= expected[i]! ^ cookie[i]!;
  return diff === 0;
}

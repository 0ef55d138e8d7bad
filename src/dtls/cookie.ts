/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 4.2.1): HMAC-SHA256 over the client's
 * address and its ClientHello parameters under a per-server secret, so the server keeps
 * no state for a client until it proves it receives at its address.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { ClientHello } from "./handshake-messages.ts";

export const COOKIE_LENGTH = 32;

function cookieInput(address: string, hello: ClientHello): Uint8Array {
  const addr = new TextEncoder().encode(address);
  const suites = hello.cipherSuites.length * 2;
  const out = new Uint8Array(addr.length + 1 + 32 + 1 + hello.sessionId.length + suites);
  let o = 0;
  out.set(addr, o);
  o += addr.length + 1;
  out.set(hello.random, o);
  o += 32;
  out[o++] = hello.sessionId.length;
  out.set(hello.sessionId, o);
  o += hello.sessionId.length;
  for (const s of hello.cipherSuites) {
    out[o++] = s >>> 8;
    out[o++] = s;
  }
  return out;
}

export function makeCookie(secret: Uint8Array, address: string, hello: ClientHello): Uint8Array {
  return hmac(sha256, secret, cookieInput(address, hello));
}

export function cookieMatches(secret: Uint8Array, address: string, hello: ClientHello): boolean {
  if (hello.cookie.length !== COOKIE_LENGTH) return false;
  const expected = makeCookie(secret, address, hello);
  let diff = 0;
  for (let i = 0; i < COOKIE_LENGTH; i++) diff |= expected[i]! ^ hello.cookie[i]!;
  return diff === 0;
}

/**
 * Codecs for the DTLS 1.2 handshake message bodies (RFC 5246 7.4, RFC 6347 4.2,
 * RFC 8422 5). Pure functions: bytes in, plain objects out, and back. Parsing
 * throws DecodeError on anything malformed.
 */
import { ByteReader, DecodeError } from "./byte-reader.ts";
import { ByteWriter } from "./byte-writer.ts";
import { DTLS_1_2, EC_CURVE_TYPE_NAMED, ExtensionType, HANDSHAKE_HEADER_LENGTH, MAX_COOKIE_LENGTH } from "./constants.ts";

export interface HandshakeHeader {
  msgType: number;
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  fragmentLength: number;
}

export function readHandshakeHeader(r: ByteReader): HandshakeHeader {
  const msgType = r.u8();
  const length = r.u24();
  const messageSeq = r.u16();
  const fragmentOffset = r.u24();
  const fragmentLength = r.u24();
  if (fragmentOffset + fragmentLength > length) throw new DecodeError("handshake fragment past the message end");
  return { msgType, length, messageSeq, fragmentOffset, fragmentLength };
}

/** A whole handshake message in the unfragmented form the transcript hashes (RFC 6347 4.2.6). */
export function encodeHandshake(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_HEADER_LENGTH + body.length);
  writeHandshakeHeader(out, msgType, body.length, messageSeq, 0, body.length);
  out.set(body, HANDSHAKE_HEADER_LENGTH);
  return out;
}

/** A whole handshake message with TLS's 4-byte header (RFC 5246 7.4). */
export function encodeTlsHandshake(msgType: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = msgType;
  out[1] = body.length >>> 16;
  out[2] = body.length >>> 8;
  out[3] = body.length;
  out.set(body, 4);
  return out;
}

export function writeHandshakeHeader(out: Uint8Array, msgType: number, length: number, seq: number, offset: number, fragLength: number): void {
  out[0] = msgType;
  out[1] = length >>> 16;
  out[2] = length >>> 8;
  out[3] = length;
  out[4] = seq >>> 8;
  out[5] = seq;
  out[6] = offset >>> 16;
  out[7] = offset >>> 8;
  out[8] = offset;
  out[9] = fragLength >>> 16;
  out[10] = fragLength >>> 8;
  out[11] = fragLength;
}

export interface Extension {
  type: number;
  data: Uint8Array;
}

export interface ClientHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cookie: Uint8Array;
  cipherSuites: number[];
  extensions: Extension[];
}

function readExtensions(r: ByteReader): Extension[] {
  const out: Extension[] = [];
  if (r.remaining === 0) return out;
  const block = r.sub(r.u16());
  while (block.remaining > 0) {
    const type = block.u16();
    const data = block.vector(2);
    if (out.some((e) => e.type === type)) throw new DecodeError(`duplicate extension ${type}`);
    out.push({ type, data });
  }
  r.expectEnd("extensions");
  return out;
}

function writeExtensions(w: ByteWriter, extensions: Extension[]): void {
  if (extensions.length === 0) return;
  w.nested(2, (x) => {
    for (const e of extensions) x.u16(e.type).vector(2, e.data);
  });
}

/** `datagram`: DTLS (with the cookie field) or TLS (without). */
export function parseClientHello(body: Uint8Array, datagram = true): ClientHello {
  const r = new ByteReader(body);
  const version = r.u16();
  const random = r.bytesView(32);
  const sessionId = r.vector(1, 0, 32);
  const cookie = datagram ? r.vector(1, 0, MAX_COOKIE_LENGTH) : new Uint8Array(0);
  const suites = r.vector(2, 2, 65534);
  if (suites.length % 2 !== 0) throw new DecodeError("odd cipher_suites length");
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i]! << 8) | suites[i + 1]!);
  const compression = r.vector(1, 1, 255);
  if (!compression.includes(0)) throw new DecodeError("no null compression");
  const extensions = readExtensions(r);
  return { version, random, sessionId, cookie, cipherSuites, extensions };
}

export function encodeClientHello(h: ClientHello, datagram = true): Uint8Array {
  const w = new ByteWriter(256);
  w.u16(h.version).bytes(h.random).vector(1, h.sessionId);
  if (datagram) w.vector(1, h.cookie);
  w.nested(2, (x) => {
    for (const s of h.cipherSuites) x.u16(s);
  });
  w.u8(1).u8(0);
  writeExtensions(w, h.extensions);
  return w.finish();
}

export function parseHelloVerifyRequest(body: Uint8Array): { version: number; cookie: Uint8Array } {
  const r = new ByteReader(body);
  const version = r.u16();
  const cookie = r.vector(1, 0, MAX_COOKIE_LENGTH);
  r.expectEnd("HelloVerifyRequest");
  return { version, cookie };
}

export function encodeHelloVerifyRequest(cookie: Uint8Array): Uint8Array {
  return new ByteWriter(3 + cookie.length).u16(DTLS_1_2).vector(1, cookie).finish();
}

export interface ServerHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  extensions: Extension[];
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new ByteReader(body);
  const version = r.u16();
  const random = r.bytesView(32);
  const sessionId = r.vector(1, 0, 32);
  const cipherSuite = r.u16();
  if (r.u8() !== 0) throw new DecodeError("compression method is not null");
  const extensions = readExtensions(r);
  return { version, random, sessionId, cipherSuite, extensions };
}

export function encodeServerHello(h: ServerHello): Uint8Array {
  const w = new ByteWriter(128);
  w.u16(h.version).bytes(h.random).vector(1, h.sessionId).u16(h.cipherSuite).u8(0);
  writeExtensions(w, h.extensions);
  return w.finish();
}

/** Certificate: a list of DER certificates, leaf first. */
export function parseCertificate(body: Uint8Array, maxCount: number): Uint8Array[] {
  const r = new ByteReader(body);
  const list = r.sub(r.u24());
  r.expectEnd("Certificate");
  const out: Uint8Array[] = [];
  while (list.remaining > 0) {
    if (out.length >= maxCount) throw new DecodeError(`more than ${maxCount} certificates`);
    out.push(list.vector(3, 1));
  }
  return out;
}

export function encodeCertificate(chain: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter(64);
  w.nested(3, (x) => {
    for (const c of chain) x.vector(3, c);
  });
  return w.finish();
}

export interface ServerKeyExchange {
  group: number;
  publicKey: Uint8Array;
  /** The ServerECDHParams bytes the signature covers (after the two randoms). */
  params: Uint8Array;
  signatureScheme: number;
  signature: Uint8Array;
}

export function parseServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  const r = new ByteReader(body);
  if (r.u8() !== EC_CURVE_TYPE_NAMED) throw new DecodeError("ServerKeyExchange: not a named curve");
  const group = r.u16();
  const publicKey = r.vector(1, 1);
  const params = body.subarray(0, r.offset);
  const signatureScheme = r.u16();
  const signature = r.vector(2, 1);
  r.expectEnd("ServerKeyExchange");
  return { group, publicKey, params, signatureScheme, signature };
}

export function encodeEcdhParams(group: number, publicKey: Uint8Array): Uint8Array {
  return new ByteWriter(4 + publicKey.length).u8(EC_CURVE_TYPE_NAMED).u16(group).vector(1, publicKey).finish();
}

export function encodeServerKeyExchange(params: Uint8Array, scheme: number, signature: Uint8Array): Uint8Array {
  return new ByteWriter(params.length + 4 + signature.length).bytes(params).u16(scheme).vector(2, signature).finish();
}

/** ClientKeyExchange for ECDHE: the client's public point. */
export function parseClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body);
  const key = r.vector(1, 1);
  r.expectEnd("ClientKeyExchange");
  return key;
}

export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return new ByteWriter(1 + publicKey.length).vector(1, publicKey).finish();
}

/** CertificateRequest: only validated for shape; we answer with an empty Certificate. */
export function parseCertificateRequest(body: Uint8Array): void {
  const r = new ByteReader(body);
  r.vector(1, 1);
  r.vector(2, 2);
  r.vector(2);
  r.expectEnd("CertificateRequest");
}

/** Extension payloads. */
export function extensionData(extensions: readonly Extension[], type: ExtensionType): Uint8Array | undefined {
  return extensions.find((e) => e.type === type)?.data;
}

export function readU16List(data: Uint8Array): number[] {
  const r = new ByteReader(data);
  const v = r.vector(2, 2);
  r.expectEnd("list");
  if (v.length % 2 !== 0) throw new DecodeError("odd list length");
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 2) out.push((v[i]! << 8) | v[i + 1]!);
  return out;
}

export function u16ListExtension(type: ExtensionType, values: readonly number[]): Extension {
  const w = new ByteWriter(2 + values.length * 2);
  w.nested(2, (x) => {
    for (const v of values) x.u16(v);
  });
  return { type, data: w.finish() };
}

/** server_name (RFC 6066) with one host_name entry. */
export function serverNameExtension(host: string): Extension {
  const name = new TextEncoder().encode(host);
  const w = new ByteWriter(5 + name.length);
  w.nested(2, (x) => x.u8(0).vector(2, name));
  return { type: ExtensionType.server_name, data: w.finish() };
}

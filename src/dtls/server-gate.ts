/**
 * The stateless front door of a DTLS server (RFC 6347 4.2.1): a datagram from an
 * address with no session is answered with a HelloVerifyRequest unless its ClientHello
 * carries the cookie we would compute for that address. No per-address state is kept
 * until the client has proven it receives at its address.
 */
import { ByteReader, DecodeError } from "./byte-reader.ts";
import { ContentType, DTLS_1_0, HANDSHAKE_HEADER_LENGTH, HandshakeType } from "./constants.ts";
import { cookieMatches, makeCookie } from "./cookie.ts";
import { encodeHelloVerifyRequest, parseClientHello, readHandshakeHeader, writeHandshakeHeader } from "./handshake-messages.ts";
import { encodeRecord, splitRecords } from "./record.ts";

export type GateVerdict = { action: "accept"; random: Uint8Array } | { action: "verify"; reply: Uint8Array; random: Uint8Array } | { action: "drop" };

/** Judge the first datagram from an unknown `address` ("ip:port") at `now` (ms, the server's clock, which dates cookies). Never throws. */
export function screenClientHello(datagram: Uint8Array, secret: Uint8Array, address: string, now: number): GateVerdict {
  try {
    const record = splitRecords(datagram)[0];
    if (!record || record.type !== ContentType.handshake || record.epoch !== 0) return { action: "drop" };
    const r = new ByteReader(record.fragment);
    const h = readHandshakeHeader(r);
    // The ClientHello must come whole in its first record (RFC 6347 4.2.1 lets us insist).
    if (h.msgType !== HandshakeType.client_hello || h.fragmentOffset !== 0 || h.fragmentLength !== h.length) return { action: "drop" };
    const hello = parseClientHello(r.bytesView(h.length));
    if (cookieMatches(secret, address, hello, now)) return { action: "accept", random: hello.random };
    const body = encodeHelloVerifyRequest(makeCookie(secret, address, hello, now));
    const message = new Uint8Array(HANDSHAKE_HEADER_LENGTH + body.length);
    writeHandshakeHeader(message, HandshakeType.hello_verify_request, body.length, 0, 0, body.length);
    message.set(body, HANDSHAKE_HEADER_LENGTH);
    // RFC 6347 4.2.1: the HelloVerifyRequest reuses the ClientHello's record sequence number.
    return { action: "verify", reply: encodeRecord(ContentType.handshake, DTLS_1_0, 0, record.seq, message), random: hello.random };
  } catch (e) {
    if (e instanceof DecodeError) return { action: "drop" };
    return { action: "drop" };
  }
}

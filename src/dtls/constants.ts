/**
 * DTLS 1.2 protocol numbers (RFC 6347, RFC 5246, RFC 8422, RFC 5288, RFC 7905, RFC 7627).
 * Names follow the RFCs' so the code can be read side by side with them.
 */

export const DTLS_1_2 = 0xfefd;
export const DTLS_1_0 = 0xfeff;
/** TLS 1.2 (RFC 5246), for the stream form of the same handshake (StreamPeerTLS). */
export const TLS_1_2 = 0x0303;
export const TLS_1_0 = 0x0301;
/** TLS record header: type(1) version(2) length(2). */
export const TLS_RECORD_HEADER_LENGTH = 5;
/** TLS handshake header: msg_type(1) length(3). */
export const TLS_HANDSHAKE_HEADER_LENGTH = 4;

/** Record header: type(1) version(2) epoch(2) sequence_number(6) length(2). */
export const RECORD_HEADER_LENGTH = 13;
/** Handshake header: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3). */
export const HANDSHAKE_HEADER_LENGTH = 12;
/** RFC 6347 4.1: a record's plaintext is at most 2^14 bytes (ciphertext 2^14 + 2048). */
export const MAX_PLAINTEXT_LENGTH = 16384;
export const MAX_CIPHERTEXT_LENGTH = MAX_PLAINTEXT_LENGTH + 2048;

export enum ContentType {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
}

export enum HandshakeType {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  hello_verify_request = 3,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
}

export enum AlertLevel {
  warning = 1,
  fatal = 2,
}

export enum AlertDescription {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  decode_error = 50,
  decrypt_error = 51,
  unsupported_extension = 110,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  no_renegotiation = 100,
}

export enum ExtensionType {
  server_name = 0,
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  extended_master_secret = 23,
  renegotiation_info = 0xff01,
}

/** RFC 8422 / RFC 7748 named groups. */
export enum NamedGroup {
  secp256r1 = 23,
  secp384r1 = 24,
  x25519 = 29,
}

/** RFC 8446 SignatureScheme values (TLS 1.2 hash/signature pairs share the encoding). */
export enum SignatureScheme {
  rsa_pkcs1_sha256 = 0x0401,
  rsa_pkcs1_sha384 = 0x0501,
  rsa_pkcs1_sha512 = 0x0601,
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  ecdsa_secp521r1_sha512 = 0x0603,
}

/** ECCurveType.named_curve in ServerECDHParams. */
export const EC_CURVE_TYPE_NAMED = 3;
/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746). */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
/** Finished.verify_data length for every TLS 1.2 suite here. */
export const VERIFY_DATA_LENGTH = 12;
/** HelloVerifyRequest cookies are at most 255 bytes (RFC 6347 4.2.1). */
export const MAX_COOKIE_LENGTH = 255;

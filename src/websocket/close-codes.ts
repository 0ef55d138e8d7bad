/**
 * Close status codes (RFC 6455 section 7.4) and which of them may appear on the wire.
 */
export const CloseCode = {
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Reserved: "no status code was present". Never sent; reported when a close frame had no payload. */
  NO_STATUS_RECEIVED: 1005,
  /** Reserved: "closed without a close frame". Never sent; used in close events of unclean closes. */
  ABNORMAL_CLOSURE: 1006,
  INVALID_FRAME_PAYLOAD_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  /** Reserved for TLS handshake failures; never sent. */
  TLS_HANDSHAKE: 1015,
} as const;

/**
 * Whether `code` may be carried in a close frame: 1000-1003, 1007-1014 (IANA registry)
 * and 3000-4999 (libraries/applications). 1004-1006, 1015 and everything else is a
 * protocol error when received and refused when an application tries to send it.
 */
export function isValidCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  if (code >= 1000 && code <= 1003) return true;
  return code >= 1007 && code <= 1014;
}

/** Largest close reason in bytes: a control frame carries at most 125 bytes, two of which are the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

export { DtlsStatus } from "./session.ts";
export type { DtlsDropCounters } from "./session.ts";
export { DtlsDatagramTransport } from "./dtls-datagram-transport.ts";
export type { DtlsTransportCounters, DtlsTransportOptions } from "./dtls-datagram-transport.ts";
export type { DtlsServerLimits } from "./server-limits.ts";
export { CIPHER_SUITES } from "./cipher-suites.ts";

export { DtlsStatus } from "./session.ts";
export type { DtlsDropCounters } from "./session.ts";
export { DtlsDatagramTransport } from "./dtls-datagram-transport.ts";
export type { DtlsServerLimits, DtlsTransportCounters, DtlsTransportOptions } from "./dtls-datagram-transport.ts";
export { CIPHER_SUITES } from "./cipher-suites.ts";

export { StreamPeerTLS, StreamPeerTLSStatus } from "./stream-peer-tls.ts";

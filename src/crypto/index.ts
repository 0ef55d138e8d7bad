export { TLSOptions } from "./tls-options.ts";
export { X509Certificate } from "./x509-certificate.ts";
export { CryptoKey } from "./crypto-key.ts";
export { Crypto } from "./crypto.ts";
export { HashingContext, HMACContext, HashType } from "./hashing.ts";

/**
 * The command line's certificate options, shared by `enet` (DTLS) and `ws` (TLS, wss://):
 * `--cert`/`--key` make a listener secure, `--trust`/`--insecure`/`--tls-name` say how a
 * connecting side checks the server. Files are PEM, as Godot's CryptoKey and X509Certificate
 * load them (EC P-256/P-384 or RSA keys). The options are checked while parsing; the files and
 * the crypto code are loaded only when a secure run starts, so plain runs start without them.
 */
import { readFileSync } from "node:fs";
import type { TLSOptions } from "../crypto/tls-options.ts";
import { UsageError } from "./output.ts";

export const SECURITY_OPTIONS = {
  cert: { type: "string" },
  key: { type: "string" },
  trust: { type: "string" },
  insecure: { type: "boolean" },
  "tls-name": { type: "string" },
} as const;

export interface SecurityValues {
  cert?: string;
  key?: string;
  trust?: string;
  insecure?: boolean;
  "tls-name"?: string;
}

export const SECURITY_HELP = `      --cert FILE        listen: the PEM certificate (chain, leaf first) to serve %s with
      --key FILE         listen: its PEM private key (EC P-256/P-384 or RSA, PKCS#8, SEC1 or PKCS#1)
      --trust FILE       connect: verify the server against these PEM certificates
      --insecure         connect: do not verify the server's certificate (testing only)
      --tls-name NAME    connect: the name the server's certificate must carry (default: the host)`;

/** A listener's identity files. */
export interface ServerSecurity {
  certPath: string;
  keyPath: string;
}

/** How a connecting side checks the server: against `trustPath` (as `name`), or not at all. */
export type ClientSecurity = { trustPath: string; name: string | undefined } | { insecure: true };

/** --cert/--key checked, or undefined when neither is given. */
export function serverSecurity(values: SecurityValues, role: "listen" | "connect"): ServerSecurity | undefined {
  if (values.cert === undefined && values.key === undefined) return undefined;
  if (role !== "listen") throw new UsageError("--cert and --key are for listen", "a connecting side checks the server with --trust or --insecure");
  if (values.cert === undefined || values.key === undefined) throw new UsageError("--cert and --key go together");
  return { certPath: values.cert, keyPath: values.key };
}

/** --trust/--insecure/--tls-name checked, or undefined when none is given. */
export function clientSecurity(values: SecurityValues, role: "listen" | "connect"): ClientSecurity | undefined {
  const name = values["tls-name"];
  if (values.trust === undefined && !values.insecure) {
    if (name !== undefined) throw new UsageError("--tls-name needs --trust");
    return undefined;
  }
  if (role !== "connect") throw new UsageError("--trust and --insecure are for connect");
  if (values.trust !== undefined && values.insecure) throw new UsageError("--trust and --insecure exclude each other");
  if (values.insecure) {
    if (name !== undefined) throw new UsageError("--tls-name needs --trust (--insecure checks no name)");
    return { insecure: true };
  }
  return { trustPath: values.trust!, name };
}

/** A file that cannot be read fails the run (exit 1), as a network failure does. */
function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${what} ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}

/** The listener's TLSOptions.server from its files. */
export async function serverTlsOptions(security: ServerSecurity): Promise<TLSOptions> {
  const { CryptoKey, TLSOptions, X509Certificate } = await import("../crypto/index.ts");
  const certificate = new X509Certificate();
  certificate.loadFromString(readPem(security.certPath, "--cert"));
  const key = new CryptoKey();
  key.loadFromString(readPem(security.keyPath, "--key"));
  return TLSOptions.server(key, certificate);
}

/** The connecting side's TLSOptions.client / clientUnsafe. */
export async function clientTlsOptions(security: ClientSecurity): Promise<TLSOptions> {
  const { TLSOptions, X509Certificate } = await import("../crypto/index.ts");
  if ("insecure" in security) return TLSOptions.clientUnsafe();
  const trusted = new X509Certificate();
  trusted.loadFromString(readPem(security.trustPath, "--trust"));
  return TLSOptions.client(trusted, security.name ?? "");
}

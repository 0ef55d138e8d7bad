/** Shared pieces of the DTLS tests: certificates made by openssl, free UDP ports, bounded child processes. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { scratchDir } from "../support/temp-dir.ts";
import { join } from "node:path";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";

export function opensslAvailable(): true | { skip: string } {
  const r = spawnSync("openssl", ["version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return { skip: "openssl is not installed" };
  return true;
}

export interface TestIdentity {
  dir: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
  key: CryptoKey;
}

/**
 * A self-signed certificate for `cn` (SAN: DNS cn and IP 127.0.0.1), made by openssl, with an EC
 * key on `keyType` ("P-256", "P-384") or an RSA key ("rsa:2048"); the key is PKCS#8 PEM.
 * CA:FALSE, because rustls (Deno) refuses a CA certificate as the server's own.
 */
export function makeIdentity(cn = "localhost", keyType = "P-256"): TestIdentity {
  const dir = scratchDir(keyType.startsWith("rsa") ? "rsa" : "dtls");
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  const newKey = keyType.startsWith("rsa") ? ["-newkey", keyType] : ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${keyType}`];
  const r = spawnSync(
    "openssl",
    ["req", "-x509", ...newKey, "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "3650", "-subj", `/CN=${cn}`, "-addext", `subjectAltName=DNS:${cn},IP:127.0.0.1`, "-addext", "basicConstraints=critical,CA:FALSE"],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  const certPem = readFileSync(certPath, "utf8");
  const keyPem = readFileSync(keyPath, "utf8");
  const cert = new X509Certificate();
  cert.loadFromString(certPem);
  const key = new CryptoKey();
  key.loadFromString(keyPem);
  return { dir, certPath, keyPath, certPem, keyPem, cert, key };
}

export { freeUdpPort } from "../enet-interop/godot.ts";
export { freeTcpPort } from "../multiplayer/godot3-live.ts";

/** A child process whose output is collected; killed by `stop()` or after `limitMs`. */
export class Proc {
  readonly child: ChildProcess;
  out = "";
  exited = false;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(cmd: string, args: string[], limitMs = 15000, cwd?: string) {
    this.child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], cwd });
    this.child.stdout!.on("data", (d: Buffer) => (this.out += d.toString("latin1")));
    this.child.stderr!.on("data", (d: Buffer) => (this.out += d.toString("latin1")));
    // "close", not "exit": waitOutput gives up once exited, and "exit" may come before the last
    // of the output has been read (openssl s_client prints its verify error and exits).
    this.child.on("close", () => (this.exited = true));
    this.timer = setTimeout(() => this.stop(), limitMs);
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  stop(): void {
    clearTimeout(this.timer);
    if (!this.exited) this.child.kill("SIGKILL");
  }

  async waitOutput(pattern: RegExp | string, ms = 8000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (typeof pattern === "string" ? this.out.includes(pattern) : pattern.test(this.out)) return;
      if (this.exited) break;
      await sleep(5);
    }
    throw new Error(`timed out waiting for ${String(pattern)}; output:\n${this.out}`);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Call `step` every `everyMs` until `done()` holds; fails after `ms`. */
export async function pump(step: () => void, done: () => boolean, what: string, ms = 10000, everyMs = 5): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    step();
    if (done()) return;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(everyMs);
  }
}

export async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The content type of each DTLS record in a datagram (13-byte record headers, lengths at bytes 11-12). */
export function recordTypes(d: Uint8Array): number[] {
  const types: number[] = [];
  for (let at = 0; at + 13 <= d.length; at += 13 + ((d[at + 11]! << 8) | d[at + 12]!)) types.push(d[at]!);
  return types;
}

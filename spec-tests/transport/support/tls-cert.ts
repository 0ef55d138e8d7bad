/**
 * A self-signed certificate made at test time with the openssl CLI, valid for
 * "localhost" and 127.0.0.1 / ::1. Nothing is checked in: keys never go stale.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  /** The test CA that signed `cert` (what a client passes as `ca`). */
  ca: string;
  /** Leaf certificate for localhost / 127.0.0.1 / ::1. */
  cert: string;
  key: string;
}

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8", timeout: 20000 });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr || String(r.error)}`);
}

/**
 * A CA plus a leaf signed by it (a separate CA keeps strict verifiers such as
 * rustls happy, which refuse a CA certificate used as the server's own), or a
 * reason they cannot be made on this machine (no openssl).
 */
export function makeTestCertificate(): TestCertificate | { unavailable: string } {
  const probe = spawnSync("openssl", ["version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return { unavailable: "openssl CLI not found on PATH" };
  const dir = mkdtempSync(join(tmpdir(), "packetpeer-tls-"));
  const f = (name: string): string => join(dir, name);
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "2", "-subj", "/CN=packetpeer test CA"]);
    openssl(["req", "-new", ...ec, "-keyout", f("leaf.key"), "-out", f("leaf.csr"), "-subj", "/CN=localhost"]);
    writeFileSync(
      f("leaf.ext"),
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n",
    );
    openssl([
      "x509", "-req", "-in", f("leaf.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
      "-out", f("leaf.pem"), "-days", "2", "-extfile", f("leaf.ext"),
    ]);
    return { ca: readFileSync(f("ca.pem"), "utf8"), cert: readFileSync(f("leaf.pem"), "utf8"), key: readFileSync(f("leaf.key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

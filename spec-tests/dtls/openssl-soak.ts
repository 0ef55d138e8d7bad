// A seeded soak of our DTLS 1.2 against openssl 3 (`s_server`/`s_client -dtls1_2`) through a real
// UDP relay that loses, duplicates and reorders datagrams (spec-tests/tools/udp-relay.ts). Each
// seed draws who is the server, the cipher suite, the loss (0-25 %), duplication (0-15 %) and
// reordering (0-25 %) of the link, and both sides' MTU (openssl's -mtu, our session's), down to
// sizes that split the certificate flight into handshake fragments. Then:
//  - the handshake must complete (openssl retransmits its flights on its own 1 s timer doubling,
//    ours from 200 ms), within the time that timer allows;
//  - each side sends numbered lines with a checksum as separate records, both ways at once: every
//    line that arrives must be intact and arrive once (the relay's duplicates are replays both
//    stacks must drop), and a fair share of them must arrive.
// Used by openssl-soak.test.ts (a few seeds in npm test) and openssl-soak-run.ts
// (npm run soak:dtls-openssl, many seeds).
import { DtlsDatagramTransport } from "../../src/dtls/dtls-datagram-transport.ts";
import { DtlsStatus } from "../../src/dtls/session.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UdpCaptureRelay } from "../tools/udp-relay.ts";
import { dec, enc, freeUdpPort, Proc, sleep, type TestIdentity } from "./support.ts";

const SUITES = [
  { ours: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", openssl: "ECDHE-ECDSA-AES128-GCM-SHA256" },
  { ours: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", openssl: "ECDHE-ECDSA-AES256-GCM-SHA384" },
  { ours: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", openssl: "ECDHE-ECDSA-CHACHA20-POLY1305" },
] as const;
const MTUS = [1400, 1000, 600, 400, 300] as const;
/** Lines each side sends once connected. */
const LINES = 40;

export interface OpensslSoakPlan {
  seed: number;
  ourRole: "client" | "server";
  suite: (typeof SUITES)[number];
  loss: number;
  duplication: number;
  reorder: number;
  ourMtu: number;
  opensslMtu: number;
}

export function opensslSoakPlan(seed: number): OpensslSoakPlan {
  const rng = new SeededRandom(seed);
  return {
    seed,
    ourRole: rng.chance(0.5) ? "client" : "server",
    suite: SUITES[rng.nextInt(SUITES.length)]!,
    loss: rng.nextFloat() * 0.25,
    duplication: rng.nextFloat() * 0.15,
    reorder: rng.nextFloat() * 0.25,
    ourMtu: MTUS[rng.nextInt(MTUS.length)]!,
    opensslMtu: MTUS[rng.nextInt(MTUS.length)]!,
  };
}

export interface OpensslSoakResult {
  plan: OpensslSoakPlan;
  handshakeMs: number;
  /** Lines that arrived, of LINES, at our side and at openssl's. */
  toUs: number;
  toOpenssl: number;
  relay: { seen: number; dropped: number; duplicated: number; delayed: number };
  failures: string[];
}

/** FNV-1a of a string, 8 hex digits: the line's own check. */
function check(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** A line `tag` sends: `<tag><n>:<body>:<check>\n`, 10-150 bytes. */
function line(tag: string, n: number, rng: SeededRandom): string {
  let body = "";
  const length = 1 + rng.nextInt(120);
  for (let i = 0; i < length; i++) body += String.fromCharCode(0x21 + rng.nextInt(94)).replace(":", ";");
  const head = `${tag}${n}:${body}`;
  return `${head}:${check(head)}\n`;
}

/** Checks the lines of `text` that carry `tag`; returns the numbers seen and adds what is wrong to `failures`. */
function readLines(text: string, tag: string, where: string, failures: string[]): Set<number> {
  const seen = new Set<number>();
  for (const raw of text.split("\n")) {
    const at = raw.indexOf(tag);
    if (at < 0 || !/^\d/.test(raw.slice(at + tag.length))) continue;
    const l = raw.slice(at);
    const cut = l.lastIndexOf(":");
    const head = l.slice(0, cut);
    const n = Number(head.slice(tag.length, head.indexOf(":")));
    if (cut < 0 || check(head) !== l.slice(cut + 1) || !Number.isInteger(n) || n < 0 || n >= LINES) {
      failures.push(`${where}: a damaged line: ${JSON.stringify(l.slice(0, 80))}`);
      continue;
    }
    if (seen.has(n)) failures.push(`${where}: line ${tag}${n} arrived twice`);
    seen.add(n);
  }
  return seen;
}

/** Runs one seed. Never throws for a failed check; `failures` lists them. */
export async function runOpensslSoak(seed: number, id: TestIdentity, limitMs = 60_000): Promise<OpensslSoakResult> {
  const plan = opensslSoakPlan(seed);
  const rng = new SeededRandom(seed ^ 0xd715);
  const failures: string[] = [];
  const rt = detectRuntime();
  const inner = rt.createDatagramTransport();
  const { port: ourPort } = await inner.bind("127.0.0.1", 0);
  const session = { retransmitMinMs: 200, mtu: plan.ourMtu };
  const opensslPort = plan.ourRole === "client" ? await freeUdpPort() : 0;
  const relay = new UdpCaptureRelay({
    targetPort: plan.ourRole === "client" ? opensslPort : ourPort,
    // Kept for every run (a few hundred datagrams): written to OPENSSL_SOAK_CAPTURE=FILE, and to a
    // file of its own when the seed fails, so a failure seen once under load can be read afterwards.
    keepRecords: true,
    schedule: () => {
      if (rng.chance(plan.loss)) return [];
      const first = rng.chance(plan.reorder) ? 1 + rng.nextInt(30) : 0;
      return rng.chance(plan.duplication) ? [first, first + rng.nextInt(20)] : [first];
    },
  });
  const relayPort = await relay.start();
  const ourLines: string[] = [];
  let ours: DtlsDatagramTransport;
  let openssl: Proc;
  let peerAddress = "127.0.0.1";
  let peerPort = relayPort;
  // -nbio: with a blocking socket, s_client/s_server block in recvfrom after dropping a stale
  // record (a relay duplicate of an epoch-0 handshake datagram arriving after the handshake), and
  // stop reading stdin until the other side sends something (seed 9019: a lost first line, then
  // a 60 s wait; reproduced by delaying a ServerHello copy 200 ms and dropping that line).
  const common = ["-dtls1_2", "-nbio", "-cipher", plan.suite.openssl, "-mtu", String(plan.opensslMtu), "-quiet"];
  const started = Date.now();
  if (plan.ourRole === "client") {
    openssl = new Proc("openssl", ["s_server", ...common, "-accept", String(opensslPort), "-cert", id.certPath, "-key", id.keyPath], limitMs + 10_000);
    await openssl.waitOutput(/ACCEPT|^$/m, 3000).catch(() => undefined);
    ours = DtlsDatagramTransport.client(inner, rt.clock, "localhost", TLSOptions.client(id.cert), { session });
    ours.onDatagram((d) => ourLines.push(dec(d)));
    ours.send(enc("hello\n"), "127.0.0.1", relayPort);
  } else {
    ours = DtlsDatagramTransport.server(inner, rt.clock, TLSOptions.server(id.key, id.cert), { session });
    ours.onDatagram((d, address, port) => {
      peerAddress = address;
      peerPort = port;
      ourLines.push(dec(d));
    });
    openssl = new Proc("openssl", ["s_client", ...common, "-connect", `127.0.0.1:${relayPort}`, "-CAfile", id.certPath, "-verify_hostname", "localhost", "-verify_return_error"], limitMs + 10_000);
    openssl.write("hello\n");
  }
  let handshakeMs = -1;
  let toUs = 0;
  let toOpenssl = 0;
  try {
    const deadline = started + limitMs;
    const connected = (): boolean =>
      plan.ourRole === "client" ? ours.getSessionStatus("127.0.0.1", relayPort) === DtlsStatus.STATUS_CONNECTED : ourLines.join("").includes("hello");
    // Our server learns of the client (its address through the relay) from its first line, and a
    // line is one record the link may lose: s_client sends "hello" again every 300 ms until one
    // arrives (found when seeds 88, 96 and 148 waited forever for a lost first line).
    let nextHello = Date.now() + 300;
    while (!connected()) {
      if (plan.ourRole === "server" && Date.now() >= nextHello) {
        openssl.write("hello\n");
        nextHello = Date.now() + 300;
      }
      if (Date.now() > deadline || openssl.exited) {
        failures.push(`no handshake after ${Date.now() - started} ms (openssl ${openssl.exited ? "exited" : "running"}; ours ${JSON.stringify(ours.counters)}; relay ${JSON.stringify(relay.counts)}): ${openssl.out.slice(-300)}`);
        return { plan, handshakeMs, toUs, toOpenssl, relay: { ...relay.counts }, failures };
      }
      await sleep(5);
    }
    handshakeMs = Date.now() - started;
    if (plan.ourRole === "server" && ours.getCipherSuite(peerAddress, peerPort) !== plan.suite.ours) failures.push(`suite ${ours.getCipherSuite(peerAddress, peerPort)}, drawn ${plan.suite.ours}`);
    if (plan.ourRole === "client" && ours.getCipherSuite("127.0.0.1", relayPort) !== plan.suite.ours) failures.push(`suite ${ours.getCipherSuite("127.0.0.1", relayPort)}, drawn ${plan.suite.ours}`);
    // Both ways at once: one record per line. openssl reads its stdin a write at a time (each
    // under PIPE_BUF, so whole), and sends what it read as one record.
    const lineRng = new SeededRandom(seed ^ 0x11e5);
    for (let n = 0; n < LINES; n++) {
      ours.send(enc(line("u", n, lineRng)), peerAddress, peerPort);
      openssl.write(line("o", n, lineRng));
      await sleep(3 + rng.nextInt(5));
    }
    // Quiet: what is still on its way arrives (the relay delays by at most 50 ms).
    await sleep(600);
    const atOpenssl = readLines(openssl.out, "u", "at openssl", failures);
    const atUs = readLines(ourLines.join(""), "o", "at ours", failures);
    toOpenssl = atOpenssl.size;
    toUs = atUs.size;
    // Each line crosses the relay once: at 25 % loss, 30 of 40 are expected; fewer than 10 means
    // records are being refused, not lost.
    if (toOpenssl < 10) failures.push(`only ${toOpenssl} of ${LINES} lines reached openssl`);
    if (toUs < 10) failures.push(`only ${toUs} of ${LINES} lines reached us`);
    if (ours.counters.handshakesFailed !== 0) failures.push(`handshakesFailed ${ours.counters.handshakesFailed}`);
    if (openssl.exited) failures.push(`openssl exited: ${openssl.out.slice(-300)}`);
  } finally {
    openssl.stop();
    ours.close();
    relay.stop();
    const capture = process.env.OPENSSL_SOAK_CAPTURE ?? (failures.length > 0 ? join(tmpdir(), `openssl-soak-seed-${seed}-${process.pid}.capture`) : undefined);
    if (capture) {
      writeFileSync(capture, relay.datagrams().map((d) => `${d.t.toFixed(1)} ${d.dir}${d.dropped ? " DROP" : ""} ${d.hex}`).join("\n") + "\n");
      if (failures.length > 0) failures.push(`the relay's datagrams are in ${capture}`);
    }
  }
  return { plan, handshakeMs, toUs, toOpenssl, relay: { ...relay.counts }, failures };
}

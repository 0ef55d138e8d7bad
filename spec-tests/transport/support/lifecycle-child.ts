// Child process for contract-lifecycle.test.ts: opens every kind of socket the
// runtime's default adapter offers, uses them, closes them, and then must exit
// on its own. Prints "done" when everything is closed.
//   mode "all"       : UDP (IPv4 + wildcard), TCP echo, unix echo, TLS echo, mid-transfer close
//   mode "udp-probe" : bind UDP once and print the error code (Deno without --unstable-net)
//   mode "privileged": as an unprivileged user, bind/listen on port 1 and on a unix path
//                      in a directory it may not write; print each error code
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetError } from "../../../src/errors.ts";
import "../../register-runtimes.ts";
import { detectRuntime } from "../../../src/transport/registry.ts";
import type { Stream } from "../../../src/transport/types.ts";
import { makeTestCertificate } from "./tls-cert.ts";
import { localhostAddress } from "../../support/localhost.ts";

const rt = detectRuntime();
const mode = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? process.argv[2] ?? "all";

function fail(why: string): never {
  console.log(`FAIL ${why}`);
  process.exit(1);
}

function guard<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), 5000);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function echoRoundTrip(connectOpts: Parameters<typeof rt.streams.connect>[0], listenOpts: Parameters<typeof rt.streams.listen>[0]): Promise<void> {
  const accepted: Stream[] = [];
  const listener = await rt.streams.listen(listenOpts, (s) => {
    accepted.push(s);
    s.onData((d) => s.write(d));
    s.onEnd(() => s.end());
  });
  const c = await rt.streams.connect(connectOpts);
  let got = 0;
  await guard(
    new Promise<void>((resolve) => {
      c.onData((d) => {
        got += d.length;
      });
      c.onClose(() => resolve());
      c.write(new Uint8Array(200_000));
      c.end();
    }),
    "echo",
  );
  if (got !== 200_000) fail(`echoed ${got} bytes`);
  // A second client closed abruptly with data in flight.
  const d = await rt.streams.connect(connectOpts);
  d.onData(() => {});
  d.write(new Uint8Array(500_000));
  d.close();
  await listener.close();
  // Accepted streams are not closed here: each must notice its peer going away and release itself.
  void accepted;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (err) {
    return err instanceof NetError ? `${err.codeName} ${err.message}` : `OTHER ${String(err)}`;
  }
}

if (mode === "privileged") {
  const t = rt.createDatagramTransport();
  console.log(`UDP ${await codeOf(t.bind("127.0.0.1", 1))}`);
  t.close();
  console.log(`TCP ${await codeOf(rt.streams.listen({ host: "127.0.0.1", port: 1 }, () => {}).then((l) => l.close()))}`);
  const dir = (globalThis as { Deno?: { args: string[] } }).Deno?.args[1] ?? process.argv[3];
  console.log(`UNIX ${await codeOf(rt.streams.listen({ path: join(dir, "forbidden.sock") }, () => {}).then((l) => l.close()))}`);
} else if (mode === "udp-probe") {
  const t = rt.createDatagramTransport();
  try {
    await t.bind("127.0.0.1", 0);
    console.log("BOUND");
  } catch (err) {
    console.log(err instanceof NetError ? `${err.codeName} ${err.message}` : `OTHER ${String(err)}`);
  } finally {
    t.close();
  }
} else {
  const a = rt.createDatagramTransport();
  const b = rt.createDatagramTransport();
  await a.bind("127.0.0.1", 0);
  const bb = await b.bind("*", 0);
  await guard(
    new Promise<void>((resolve) => {
      b.onDatagram(() => resolve());
      a.send(new Uint8Array([1, 2, 3]), "127.0.0.1", bb.port);
    }),
    "datagram",
  );
  a.close();
  b.close();
  // A socket that is bound and never used, and one never bound.
  const idle = rt.createDatagramTransport();
  await idle.bind("::1", 0).catch(() => idle.bind("127.0.0.1", 0));
  idle.close();
  rt.createDatagramTransport().close();

  const tcpListener = await rt.streams.listen({ host: "127.0.0.1", port: 0 }, () => {});
  const port = tcpListener.port;
  await tcpListener.close();
  await echoRoundTrip({ host: "127.0.0.1", port }, { host: "127.0.0.1", port });

  const dir = mkdtempSync(join(tmpdir(), "packetpeer-life-"));
  const path = join(dir, "s.sock");
  await echoRoundTrip({ path }, { path });
  rmSync(dir, { recursive: true, force: true });

  const cert = makeTestCertificate();
  if ("cert" in cert) {
    // The client goes by the certificate's name, so the server listens where "localhost" leads here.
    const host = await localhostAddress();
    const probe = await rt.streams.listen({ host, port: 0 }, () => {});
    const tlsPort = probe.port;
    await probe.close();
    await echoRoundTrip(
      { host: "localhost", port: tlsPort, tls: { ca: cert.ca } },
      { host, port: tlsPort, tls: { cert: cert.cert, key: cert.key } },
    );
  }
  // Timers of the real clock that were cleared must not hold the process either.
  rt.clock.clearTimeout(rt.clock.setTimeout(() => fail("cleared timer fired"), 60_000));
}
console.log("done");

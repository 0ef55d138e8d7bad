// Transport contract, stream half (TCP, TLS, unix sockets): runs on each runtime
// against that runtime's default adapter (detectRuntime()), over real loopback sockets.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GodotError, NetError } from "../../src/errors.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import type { Listener, Stream, StreamConnectOptions, StreamListenOptions, StreamSink, TLSOptions } from "../../src/transport/types.ts";
import { deferred, sleep, within } from "./support/bounded.ts";
import { RunningChecksum, patternBytes } from "./support/checksum.ts";
import { ipv6LoopbackMissing } from "./support/ipv6.ts";
import { makeTestCertificate, type TestCertificate } from "./support/tls-cert.ts";
import { localhostAddress } from "../support/localhost.ts";

const runtime = detectRuntime();
const streams = runtime.streams;
const WAIT = 5000;
/**
 * How long a name that does not resolve may take to fail: the machine's resolver decides. At once
 * where DNS answers or cannot be reached; where a firewall drops the queries, glibc gives up after
 * resolv.conf's timeout (5 s) times its attempts (2) per name tried, and search domains add more
 * (a namespace whose DNS server drops everything took 10 s for no-such-host.invalid).
 */
const RESOLVE_FAILURE_WAIT = 120_000;
const BIG_WAIT = 20000;

/** Reads everything a stream delivers until it ends or closes. */
class Collector {
  readonly sum = new RunningChecksum();
  readonly chunks: Uint8Array[] = [];
  readonly ended = deferred();
  readonly closed = deferred<Error | undefined>();
  endSeen = false;
  closeSeen = false;
  constructor(readonly stream: Stream, keepChunks = true) {
    stream.onData((c) => {
      this.sum.update(c);
      if (keepChunks) this.chunks.push(c);
    });
    stream.onEnd(() => {
      this.endSeen = true;
      this.ended.resolve();
    });
    stream.onClose((e) => {
      this.closeSeen = true;
      this.closed.resolve(e);
    });
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.sum.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
  async waitForBytes(n: number, what: string): Promise<void> {
    const deadline = Date.now() + WAIT;
    while (this.sum.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: have ${this.sum.length} of ${n} bytes`);
      await sleep(2);
    }
  }
}

/** A server that echoes with backpressure: it stops reading while its own writes are backed up, and FINs after the client does. */
function echoHandler(accepted: Stream[]): (s: Stream) => void {
  return (s) => {
    accepted.push(s);
    s.onData((chunk) => {
      if (!s.write(chunk)) s.pause();
    });
    s.onDrain(() => s.resume());
    s.onEnd(() => s.end());
    s.onClose(() => {});
  };
}

async function listenEcho(opts: StreamListenOptions): Promise<{ listener: Listener; accepted: Stream[] }> {
  const accepted: Stream[] = [];
  const listener = await within(streams.listen(opts, echoHandler(accepted)), WAIT, "listen");
  return { listener, accepted };
}

/**
 * Send `total` bytes in 64 KiB writes, honouring backpressure, while collecting the echo.
 * With `pushUpTo`, writing goes on past `total` until write() has asked to wait once (at most
 * `pushUpTo` bytes in all). Returns how often write() asked us to wait and the bytes sent.
 */
async function pumpAndVerify(client: Stream, total: number, seed: number, pushUpTo = total): Promise<{ waits: number; maxBuffered: number; total: number }> {
  const sent = new RunningChecksum();
  const got = new Collector(client, false);
  const pattern = patternBytes(1 << 20, seed);
  const CHUNK = 64 * 1024;
  let waits = 0;
  let maxBuffered = 0;
  let drain = deferred();
  client.onDrain(() => drain.resolve());
  let off = 0;
  while (off < total || (waits === 0 && off < pushUpTo)) {
    const n = Math.min(CHUNK, (off < total ? total : pushUpTo) - off);
    const start = off % pattern.length;
    const chunk = pattern.subarray(start, start + n);
    sent.update(chunk);
    const ok = client.write(chunk);
    off += n;
    maxBuffered = Math.max(maxBuffered, client.bufferedAmount);
    if (!ok) {
      waits++;
      await within(drain.promise, BIG_WAIT, `drain after ${off} bytes`);
      drain = deferred();
    }
  }
  client.end();
  await within(got.ended.promise, BIG_WAIT, "echo to finish");
  assert.equal(got.sum.length, off, "byte count echoed");
  assert.equal(got.sum.value, sent.value, "checksum of echoed bytes");
  await within(got.closed.promise, WAIT, "client close after both FINs");
  return { waits, maxBuffered, total: off };
}

async function expectNetError(p: Promise<unknown>, codes: GodotError[], mentions: string[], waitMs = WAIT): Promise<NetError> {
  let thrown: unknown;
  try {
    await within(p, waitMs, "the expected error");
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof NetError, `expected NetError, got ${String(thrown)}`);
  assert.ok(codes.includes(thrown.code), `got ${thrown.codeName} (${thrown.message}), expected one of ${codes.map((c) => GodotError[c]).join(", ")}`);
  for (const m of mentions) assert.ok(thrown.message.includes(m), `message "${thrown.message}" should mention ${m}`);
  return thrown;
}

/** Keep writing `chunkSize`-byte blocks until `watched` sees its stream close or writing throws (at most WAIT ms). */
async function writeUntilClosed(writer: Stream, watched: Collector, chunkSize: number): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!watched.closeSeen && Date.now() < deadline) {
    try {
      writer.write(new Uint8Array(chunkSize));
    } catch {
      return;
    }
    await sleep(10);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freeTcpPort(): Promise<number> {
  const probe = await within(streams.listen({ host: "127.0.0.1", port: 0 }, (s) => s.close()), WAIT, "probe listen");
  const port = probe.port;
  await probe.close();
  return port;
}

/** Listen, connect one client and run `body` with both ends; the listener is closed afterwards whatever happens. */
async function withConnectedPair(
  body: (client: Stream, server: Stream) => Promise<void>,
  listenOpts: StreamListenOptions = { host: "127.0.0.1", port: 0 },
  connectOpts: (port: number) => StreamConnectOptions = (port) => ({ host: "127.0.0.1", port }),
): Promise<void> {
  const accepted = deferred<Stream>();
  const listener = await within(streams.listen(listenOpts, (s) => accepted.resolve(s)), WAIT, "listen");
  try {
    const client = await within(streams.connect(connectOpts(listener.port)), WAIT, "connect");
    const server = await within(accepted.promise, WAIT, "accept");
    await body(client, server);
  } finally {
    await listener.close();
  }
}

async function halfCloseClientFirst(listenOpts: StreamListenOptions, connectOpts: (port: number) => StreamConnectOptions): Promise<void> {
  await withConnectedPair(async (client, server) => {
    const atServer = new Collector(server);
    const atClient = new Collector(client);
    client.write(new TextEncoder().encode("request"));
    client.end();
    await within(atServer.ended.promise, WAIT, "server sees client FIN");
    assert.equal(new TextDecoder().decode(atServer.bytes()), "request");
    assert.throws(() => client.write(new Uint8Array(1)), NetError, "writing after end() is an error");
    assert.equal(atServer.closeSeen, false, "half-closed, not closed");
    // The direction still open keeps working.
    for (let i = 0; i < 3; i++) server.write(new TextEncoder().encode(`reply${i};`));
    await atClient.waitForBytes(21, "replies after FIN");
    assert.equal(atClient.endSeen, false);
    server.end();
    await within(atClient.ended.promise, WAIT, "client sees server FIN");
    assert.equal(new TextDecoder().decode(atClient.bytes()), "reply0;reply1;reply2;");
    assert.equal(await within(atClient.closed.promise, WAIT, "client close"), undefined, "clean close has no error");
    assert.equal(await within(atServer.closed.promise, WAIT, "server close"), undefined);
    assert.throws(() => client.write(new Uint8Array(1)), NetError);
  }, listenOpts, connectOpts);
}

async function halfCloseServerFirst(listenOpts: StreamListenOptions, connectOpts: (port: number) => StreamConnectOptions): Promise<void> {
  await withConnectedPair(async (client, server) => {
    const atServer = new Collector(server);
    const atClient = new Collector(client);
    server.write(new TextEncoder().encode("banner"));
    server.end();
    await within(atClient.ended.promise, WAIT, "client sees server FIN");
    assert.equal(new TextDecoder().decode(atClient.bytes()), "banner");
    client.write(new TextEncoder().encode("late"));
    await atServer.waitForBytes(4, "client data after server FIN");
    assert.equal(new TextDecoder().decode(atServer.bytes()), "late");
    client.end();
    assert.equal(await within(atServer.closed.promise, WAIT, "server close"), undefined);
    assert.equal(await within(atClient.closed.promise, WAIT, "client close"), undefined);
  }, listenOpts, connectOpts);
}

describe(`stream transport contract (${runtime.name})`, () => {
  let tmp = "";
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "packetpeer-streams-"));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  test("10 MiB echo over TCP with backpressure honoured, checksum intact", async () => {
    const { listener, accepted } = await listenEcho({ host: "127.0.0.1", port: 0 });
    try {
      assert.equal(listener.address, "127.0.0.1");
      assert.ok(listener.port > 0);
      const client = await within(streams.connect({ host: "127.0.0.1", port: listener.port }), WAIT, "connect");
      client.setNoDelay(true);
      assert.equal(client.remoteAddress, "127.0.0.1");
      assert.equal(client.remotePort, listener.port);
      assert.equal(client.localAddress, "127.0.0.1");
      assert.ok(client.localPort > 0);
      await within((async () => { while (accepted.length === 0) await sleep(1); })(), WAIT, "accept");
      assert.equal(accepted[0].remotePort, client.localPort, "server sees the client's port");
      assert.equal(accepted[0].localPort, listener.port);
      // The echo reads nothing while the writes run without a pause, so the kernel takes what the
      // two socket buffers hold before write() must queue: a few MiB with Linux's defaults, but
      // all of 10 MiB where tcp_wmem/tcp_rmem's defaults are raised. Writing goes on (to 256 MiB)
      // until write() asks to wait.
      const { waits, maxBuffered, total } = await pumpAndVerify(client, 10 * 1024 * 1024, 1, 256 * 1024 * 1024);
      assert.ok(waits > 0, `write() returned false at least once: it took all of ${total} bytes at once`);
      assert.ok(maxBuffered <= 1024 * 1024, `buffered bytes stayed bounded (max ${maxBuffered})`);
    } finally {
      await listener.close();
    }
  });

  const no6 = ipv6LoopbackMissing();
  if (no6) console.log(`skipping IPv6 stream test: ${no6}`);
  test("echo over IPv6 ::1", { skip: no6 ?? false }, async () => {
    const { listener } = await listenEcho({ host: "::1", port: 0 });
    try {
      assert.equal(listener.address, "::1");
      const client = await within(streams.connect({ host: "::1", port: listener.port }), WAIT, "connect ::1");
      assert.equal(client.remoteAddress, "::1");
      await pumpAndVerify(client, 256 * 1024, 2);
    } finally {
      await listener.close();
    }
  });

  test('listening on "*" accepts IPv4 (reported unmapped) and IPv6 clients', async () => {
    const { listener, accepted } = await listenEcho({ host: "*", port: 0 });
    try {
      assert.ok(listener.port > 0);
      const v4 = await within(streams.connect({ host: "127.0.0.1", port: listener.port }), WAIT, "connect 127.0.0.1 to *");
      await pumpAndVerify(v4, 4096, 11);
      assert.equal(accepted[0].remoteAddress, "127.0.0.1");
      if (!no6) {
        const v6 = await within(streams.connect({ host: "::1", port: listener.port }), WAIT, "connect ::1 to *");
        await pumpAndVerify(v6, 4096, 12);
        assert.equal(accepted[1].remoteAddress, "::1");
      }
      const byName = await within(streams.connect({ host: "localhost", port: listener.port }), WAIT, "connect localhost to *");
      await pumpAndVerify(byName, 4096, 13);
    } finally {
      await listener.close();
    }
  });

  test("setSink: every event reaches the one sink with its stream, input waits for it, and callbacks set later replace it", async () => {
    await withConnectedPair(async (client, server) => {
      assert.equal(typeof client.setSink, "function", `the ${runtime.name} stream offers setSink`);
      const events: string[] = [];
      const received: Uint8Array[] = [];
      const closed = deferred<Error | undefined>();
      const ended = deferred();
      const sink: StreamSink = {
        streamData(stream, chunk) {
          assert.equal(stream, client);
          received.push(chunk);
        },
        streamEnd(stream) {
          assert.equal(stream, client);
          events.push("end");
          ended.resolve();
        },
        streamClose(stream, error) {
          assert.equal(stream, client);
          events.push("close");
          closed.resolve(error);
        },
        streamDrain() {},
      };
      // Bytes sent before the sink is set wait for it (reading starts with setSink, as with onData).
      const first = patternBytes(5000, 21);
      server.write(first);
      await sleep(50);
      client.setSink!(sink);
      const second = patternBytes(7000, 22);
      server.write(second);
      await within((async () => { while (received.reduce((n, c) => n + c.length, 0) < 12000) await sleep(2); })(), WAIT, "data through the sink");
      const all = new Uint8Array(12000);
      let at = 0;
      for (const c of received) {
        all.set(c, at);
        at += c.length;
      }
      assert.deepEqual(all, new Uint8Array([...first, ...second]));
      server.end();
      await within(ended.promise, WAIT, "end through the sink");
      client.close();
      assert.equal(await within(closed.promise, WAIT, "close through the sink"), undefined);
      assert.deepEqual(events, ["end", "close"]);
      server.close();
    });
    // onData after setSink: the callbacks take over and the sink hears nothing more.
    await withConnectedPair(async (client, server) => {
      const sinkHeard: string[] = [];
      client.setSink!({
        streamData: () => sinkHeard.push("data"),
        streamEnd: () => sinkHeard.push("end"),
        streamClose: () => sinkHeard.push("close"),
        streamDrain: () => sinkHeard.push("drain"),
      });
      const got = new Collector(client);
      const payload = patternBytes(3000, 23);
      server.write(payload);
      await got.waitForBytes(payload.length, "data through onData after setSink");
      server.end();
      await within(got.ended.promise, WAIT, "end through onEnd");
      client.close();
      await within(got.closed.promise, WAIT, "close through onClose");
      assert.deepEqual(sinkHeard, []);
      server.close();
    });
  });

  test("paused reading delivers nothing until resume, then everything in order", async () => {
    await withConnectedPair(async (client, server) => {
      client.pause();
      const got = new Collector(client);
      const payload = patternBytes(100_000, 3);
      server.write(payload);
      await sleep(100);
      assert.equal(got.sum.length, 0, "no data while paused");
      client.resume();
      await got.waitForBytes(payload.length, "data after resume");
      assert.deepEqual(got.bytes(), payload);
      client.close();
      server.close();
    });
  });

  test("write() copies: a Buffer (whose slice() is a view) reused at once still arrives as written", async () => {
    await withConnectedPair(async (client, server) => {
      const got = new Collector(client);
      const chunks: Uint8Array[] = [];
      // 2.5 MiB: more than the socket takes at once, so later writes wait in the stream's queue.
      const reused = Buffer.alloc(64 * 1024);
      for (let i = 0; i < 40; i++) {
        reused.fill(i + 1);
        chunks.push(new Uint8Array(reused));
        server.write(reused); // queued behind earlier writes, then overwritten by the next fill
      }
      const expected = Buffer.concat(chunks);
      await got.waitForBytes(expected.length, "all writes");
      assert.ok(Buffer.from(got.bytes()).equals(expected), "every write arrived with the bytes it had when written");
      client.close();
      server.close();
    });
  });

  test("write(bytes, true) gives fresh arrays away: queued ones (not copied) still arrive in order and intact", async () => {
    await withConnectedPair(async (client, server) => {
      const got = new Collector(client);
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < 40; i++) {
        const fresh = new Uint8Array(64 * 1024).fill(i + 1);
        fresh[0] = i; // not a uniform fill: a chunk written twice or out of order shows
        chunks.push(fresh.slice());
        server.write(i % 2 === 0 ? fresh : fresh.subarray(0), true);
      }
      const expected = Buffer.concat(chunks);
      await got.waitForBytes(expected.length, "all writes");
      assert.ok(Buffer.from(got.bytes()).equals(expected), "every write arrived once, in order, as written");
      client.close();
      server.close();
    });
  });

  const tcp4: StreamListenOptions = { host: "127.0.0.1", port: 0 };
  const tcp4At = (port: number): StreamConnectOptions => ({ host: "127.0.0.1", port });
  test("half-close over TCP, client first: server still writes after the client's FIN", () => halfCloseClientFirst(tcp4, tcp4At));
  test("half-close over TCP, server first: client still writes after the server's FIN", () => halfCloseServerFirst(tcp4, tcp4At));
  test("half-close over a unix socket, both directions", async () => {
    const path = join(tmp, "half.sock");
    await halfCloseClientFirst({ path }, () => ({ path }));
    await halfCloseServerFirst({ path }, () => ({ path }));
  });

  test("a reset reaches onClose with an error; writing to a closed stream is a NetError", async () => {
    await withConnectedPair(async (client, server) => {
      const atServer = new Collector(server);
      // The client never reads: closing a socket with unread received bytes makes the OS send RST.
      client.pause();
      const clientClosed = deferred<Error | undefined>();
      client.onClose((e) => clientClosed.resolve(e));
      server.write(patternBytes(4096, 4));
      await sleep(50);
      client.close();
      assert.equal(await within(clientClosed.promise, WAIT, "local close"), undefined, "a local close() is not an error");
      assert.throws(() => client.write(new Uint8Array(1)), (e: unknown) => e instanceof NetError && /closed/.test(e.message));
      // The first write may still be accepted locally; the reset surfaces on a later one.
      await writeUntilClosed(server, atServer, 1024);
      const err = await within(atServer.closed.promise, WAIT, "server onClose after reset");
      assert.ok(err instanceof Error, "reset is reported as an error");
      assert.ok(err instanceof NetError && err.code === GodotError.ERR_CONNECTION_ERROR, `got ${String(err)}`);
      assert.throws(() => server.write(new Uint8Array(1)), NetError);
    });
  });

  test("close() calls onClose later, once, without an error, and nothing is delivered after it", async () => {
    await withConnectedPair(async (client, server) => {
      let closes = 0;
      let afterClose = 0;
      let closedFlag = false;
      const closed = deferred<Error | undefined>();
      client.onData(() => {
        if (closedFlag) afterClose++;
      });
      client.onEnd(() => {
        if (closedFlag) afterClose++;
      });
      client.onClose((e) => {
        closes++;
        closed.resolve(e);
      });
      client.close();
      closedFlag = true;
      assert.equal(closes, 0, "onClose is not re-entrant from close()");
      assert.equal(await within(closed.promise, WAIT, "onClose"), undefined);
      server.write(new Uint8Array(1000));
      server.end();
      client.close(); // idempotent
      client.end(); // no-op on a closed stream
      await sleep(50);
      assert.equal(closes, 1);
      assert.equal(afterClose, 0);
      server.close();
    });
  });

  test("close() releases the socket at once even while the peer keeps its side open", async () => {
    await withConnectedPair(async (client, server) => {
      const atClient = new Collector(client);
      server.onData(() => {});
      server.onClose(() => {});
      server.close();
      await within(atClient.ended.promise, WAIT, "client sees the close as end of input");
      // A socket that is really closed answers further data with a reset; a merely
      // half-closed one would accept it and stay open.
      await writeUntilClosed(client, atClient, 16);
      const err = await within(atClient.closed.promise, WAIT, "client onClose after writing to a closed peer");
      assert.ok(err instanceof NetError, `the peer's socket is gone, so the client's stream fails (got ${String(err)})`);
    });
  });

  test("listening on a port in use is NetError(ERR_ALREADY_IN_USE) naming the port", async () => {
    const first = await within(streams.listen({ host: "127.0.0.1", port: 0 }, () => {}), WAIT, "listen");
    try {
      await expectNetError(streams.listen({ host: "127.0.0.1", port: first.port }, () => {}), [GodotError.ERR_ALREADY_IN_USE], [String(first.port)]);
    } finally {
      await first.close();
    }
  });

  test("bad ports, bad addresses and refused connections", async () => {
    for (const bad of [-1, 65536, 0.5, Number.NaN]) {
      await assert.rejects(() => streams.listen({ host: "127.0.0.1", port: bad }, () => {}), (e: unknown) => e instanceof RangeError && e.message.includes(String(bad)));
    }
    for (const bad of [0, 65536, -3]) {
      await assert.rejects(() => streams.connect({ host: "127.0.0.1", port: bad }), (e: unknown) => e instanceof RangeError && e.message.includes(String(bad)));
    }
    await expectNetError(streams.connect({ host: "bad host!", port: 80 }), [GodotError.ERR_INVALID_PARAMETER], ["bad host!"]);
    await expectNetError(streams.connect({ host: "no-such-host.invalid", port: 80 }), [GodotError.ERR_CANT_RESOLVE], ["no-such-host.invalid"], RESOLVE_FAILURE_WAIT);
    await expectNetError(streams.listen({ host: "192.0.2.1", port: 0 }, () => {}), [GodotError.ERR_INVALID_PARAMETER], ["192.0.2.1"]);
    // A port nobody listens on: take one, then free it.
    const probe = await within(streams.listen({ host: "127.0.0.1", port: 0 }, () => {}), WAIT, "listen");
    const freePort = probe.port;
    await probe.close();
    await expectNetError(streams.connect({ host: "127.0.0.1", port: freePort }), [GodotError.ERR_CANT_CONNECT], [String(freePort)]);
    await assert.rejects(() => streams.listen({ host: "127.0.0.1", port: 0, tls: {} }, () => {}), TypeError);
  });

  test("connect from a chosen local address and port: the listener sees that port", async () => {
    const wanted = await freeTcpPort();
    const accepted = deferred<Stream>();
    const listener = await within(streams.listen({ host: "127.0.0.1", port: 0 }, (s) => accepted.resolve(s)), WAIT, "listen");
    try {
      const client = await within(
        streams.connect({ host: "127.0.0.1", port: listener.port, localAddress: "127.0.0.1", localPort: wanted }),
        WAIT,
        "connect from a chosen port",
      );
      const server = await within(accepted.promise, WAIT, "accept");
      assert.equal(client.localAddress, "127.0.0.1");
      assert.equal(client.localPort, wanted);
      assert.equal(server.remoteAddress, "127.0.0.1");
      assert.equal(server.remotePort, wanted, "the server sees the chosen port as the remote port");
      const atServer = new Collector(server);
      client.write(new TextEncoder().encode("from a chosen port"));
      await atServer.waitForBytes(18, "data from the bound client");
      assert.equal(new TextDecoder().decode(atServer.bytes()), "from a chosen port");
      client.close();
      server.close();

      // A port alone (any local address), as Godot's bind(port, "*").
      const anyAddress = deferred<Stream>();
      const again = await freeTcpPort();
      const listener2 = await within(streams.listen({ host: "127.0.0.1", port: 0 }, (s) => anyAddress.resolve(s)), WAIT, "listen");
      try {
        const c2 = await within(streams.connect({ host: "127.0.0.1", port: listener2.port, localAddress: "*", localPort: again }), WAIT, "connect from a port");
        assert.equal((await within(anyAddress.promise, WAIT, "accept")).remotePort, again);
        c2.close();
      } finally {
        await listener2.close();
      }
    } finally {
      await listener.close();
    }
  });

  test("connect from a local port in use, a foreign or malformed local address, a bad local port: each fails naming it", async () => {
    const busy = await within(streams.listen({ host: "127.0.0.1", port: 0 }, (s) => s.close()), WAIT, "listen");
    try {
      await expectNetError(
        streams.connect({ host: "127.0.0.1", port: busy.port, localAddress: "127.0.0.1", localPort: busy.port }),
        [GodotError.ERR_ALREADY_IN_USE],
        [String(busy.port)],
      );
      await expectNetError(
        streams.connect({ host: "127.0.0.1", port: busy.port, localAddress: "192.0.2.1" }),
        [GodotError.ERR_INVALID_PARAMETER],
        ["192.0.2.1"],
      );
      await expectNetError(streams.connect({ host: "127.0.0.1", port: busy.port, localAddress: "not-an-ip" }), [GodotError.ERR_INVALID_PARAMETER], ["not-an-ip"]);
      await assert.rejects(
        () => streams.connect({ host: "127.0.0.1", port: busy.port, localPort: 70000 }),
        (e: unknown) => e instanceof RangeError && e.message.includes("localPort"),
      );
      await assert.rejects(() => streams.connect({ host: "127.0.0.1", port: busy.port, localAddress: 7 as unknown as string }), TypeError);
    } finally {
      await busy.close();
    }
  });

  test("unix domain socket echo; the path is reusable after close", async () => {
    const path = join(tmp, "echo.sock");
    const { listener } = await listenEcho({ path });
    try {
      assert.equal(listener.path, path);
      const client = await within(streams.connect({ path }), WAIT, "connect unix");
      await pumpAndVerify(client, 1024 * 1024, 5);
      await expectNetError(streams.listen({ path }, () => {}), [GodotError.ERR_ALREADY_IN_USE], [path]);
    } finally {
      await listener.close();
    }
    assert.equal(existsSync(path), false, "socket file removed on close");
    const again = await within(streams.listen({ path }, () => {}), WAIT, "listen again on the same path");
    await again.close();
    await expectNetError(streams.connect({ path: join(tmp, "missing.sock") }), [GodotError.ERR_CANT_CONNECT], ["missing.sock"]);
    await expectNetError(streams.listen({ path: join(tmp, "no-such-dir", "x.sock") }, () => {}), [GodotError.ERR_FILE_BAD_PATH], ["no-such-dir"]);
    await assert.rejects(() => streams.listen({ path: join(tmp, "x".repeat(120)) }, () => {}), RangeError);
  });

  describe("TLS", () => {
    const made = makeTestCertificate();
    const reason = "unavailable" in made ? made.unavailable : null;
    if (reason) console.log(`skipping TLS tests: ${reason}`);
    const cert = made as TestCertificate;

    // Where a connect to "localhost" goes (the certificate's name; it also carries both loopback IPs).
    async function tlsServer(): Promise<{ listener: Listener; accepted: Stream[] }> {
      return listenEcho({ host: await localhostAddress(), port: 0, tls: { cert: cert.cert, key: cert.key } });
    }
    function at(port: number, host: string, tls: TLSOptions): StreamConnectOptions {
      return { host, port, tls };
    }

    test("TLS echo of 1 MiB with a CA generated at test time", { skip: reason ?? false }, async () => {
      const { listener, accepted } = await tlsServer();
      try {
        const byName = await within(streams.connect(at(listener.port, "localhost", { ca: cert.ca })), WAIT, "TLS connect by name");
        await pumpAndVerify(byName, 1024 * 1024, 6);
        const ip = await localhostAddress();
        const byIp = await within(streams.connect(at(listener.port, ip, { ca: [cert.ca] })), WAIT, "TLS connect by IP");
        assert.equal(byIp.remoteAddress, ip);
        assert.equal(byIp.remotePort, listener.port);
        assert.ok(byIp.localPort > 0);
        await within((async () => { while (accepted.length < 2) await sleep(1); })(), WAIT, "TLS accept");
        assert.equal(accepted[1].remotePort, byIp.localPort, "server side of a TLS stream knows the client's port");
        assert.equal(accepted[1].localPort, listener.port);
        await pumpAndVerify(byIp, 64 * 1024, 7);
      } finally {
        await listener.close();
      }
    });

    test("TLS from a chosen local port: the server sees that port, and the certificate is still checked", { skip: reason ?? false }, async () => {
      const { listener, accepted } = await tlsServer();
      try {
        const wanted = await freeTcpPort();
        const client = await within(streams.connect({ ...at(listener.port, "localhost", { ca: cert.ca }), localPort: wanted }), WAIT, "TLS connect from a port");
        assert.equal(client.localPort, wanted);
        await pumpAndVerify(client, 64 * 1024, 8);
        assert.equal(accepted[0]!.remotePort, wanted, "the server sees the chosen port");
        // Each attempt gets its own port: a closed attempt leaves its port in TIME_WAIT.
        await expectNetError(streams.connect({ ...at(listener.port, "localhost", {}), localPort: await freeTcpPort() }), [GodotError.ERR_UNAUTHORIZED], []);
        await expectNetError(
          streams.connect({ ...at(listener.port, "localhost", { ca: cert.ca, serverName: "wrong.example" }), localPort: await freeTcpPort() }),
          [GodotError.ERR_UNAUTHORIZED],
          [],
        );
      } finally {
        await listener.close();
      }
    });

    test("TLS half-close in both directions", { skip: reason ?? false }, async () => {
      const listenOpts: StreamListenOptions = { host: await localhostAddress(), port: 0, tls: { cert: cert.cert, key: cert.key } };
      await halfCloseClientFirst(listenOpts, (port) => at(port, "localhost", { ca: cert.ca }));
      await halfCloseServerFirst(listenOpts, (port) => at(port, "localhost", { ca: cert.ca }));
    });

    test("TLS verification: unknown CA and wrong name fail; serverName, verifyHostname:false and unsafe are honoured", { skip: reason ?? false }, async () => {
      const { listener } = await tlsServer();
      try {
        const p = listener.port;
        const ip = await localhostAddress();
        await expectNetError(streams.connect(at(p, ip, {})), [GodotError.ERR_UNAUTHORIZED], [String(p)]);
        await expectNetError(streams.connect(at(p, ip, { ca: cert.ca, serverName: "wrong.example" })), [GodotError.ERR_UNAUTHORIZED], [String(p)]);
        const named = await within(streams.connect(at(p, ip, { ca: cert.ca, serverName: "localhost" })), WAIT, "serverName override");
        await pumpAndVerify(named, 1000, 8);
        const noName = await within(streams.connect(at(p, ip, { ca: cert.ca, serverName: "wrong.example", verifyHostname: false })), WAIT, "verifyHostname false");
        await pumpAndVerify(noName, 1000, 9);
        const unsafe = await within(streams.connect(at(p, ip, { unsafe: true })), WAIT, "unsafe");
        await pumpAndVerify(unsafe, 1000, 10);
      } finally {
        await listener.close();
      }
    });
  });
});

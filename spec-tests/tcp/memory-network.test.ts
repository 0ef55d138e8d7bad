// StreamPeerTCP and TCPServer on the simulated network (virtual clock, link
// latency and bandwidth): connect timing and timeouts, FIN propagation and the
// outbound bound under a slow link, all in virtual time and reproducible.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError, StreamPeerSocketStatus as S, StreamPeerTCP, TCPServer } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";

function world(latencyMs: number, bandwidthBytesPerSec?: number) {
  const net = new MemoryNetwork({ seed: 7 });
  net.setLink("10.0.0.1", "10.0.0.2", { latencyMs, bandwidthBytesPerSec });
  const client = net.createRuntime("10.0.0.1");
  const server = net.createRuntime("10.0.0.2");
  return { net, client, server };
}

describe("StreamPeerTCP on the simulated network", () => {
  test("connect takes one round trip of virtual time; a shorter connect timeout fails it", async () => {
    const { net, client, server } = world(100);
    const srv = new TCPServer({ runtime: server });
    await srv.listen(7000);
    const t0 = net.clock.now();
    const ok = new StreamPeerTCP({ runtime: client });
    await ok.connectToHost("10.0.0.2", 7000);
    assert.equal(net.clock.now() - t0, 200);
    assert.equal(ok.getStatus(), S.STATUS_CONNECTED);
    assert.equal(ok.getConnectedHost(), "10.0.0.2");

    const late = new StreamPeerTCP({ runtime: client, connectTimeoutMs: 150 });
    const t1 = net.clock.now();
    await assert.rejects(late.connectToHost("10.0.0.2", 7000), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CONNECTION_ERROR);
    assert.equal(net.clock.now() - t1, 150);
    assert.equal(late.getStatus(), S.STATUS_ERROR);
    ok.disconnectFromHost();
    srv.stop();
    net.close();
  });

  test("a disconnect reaches the other side one latency later, and only poll() reports it", async () => {
    const { net, client, server } = world(50);
    const srv = new TCPServer({ runtime: server });
    await srv.listen(7001);
    const c = new StreamPeerTCP({ runtime: client });
    await c.connectToHost("10.0.0.2", 7001);
    await net.runUntil(() => srv.isConnectionAvailable(), 1000);
    const s = srv.takeConnection()!;
    c.putU32(7);
    await net.runUntil(() => s.getAvailableBytes() === 4, 1000);
    assert.equal(s.getU32(), 7);
    c.disconnectFromHost();
    await net.runFor(40); // the FIN is still on the wire
    assert.equal(s.poll(), GodotError.OK);
    assert.equal(s.getStatus(), S.STATUS_CONNECTED);
    await net.runFor(20); // now it has arrived, but only poll() applies it
    assert.equal(s.getStatus(), S.STATUS_CONNECTED);
    assert.equal(s.poll(), GodotError.OK);
    assert.equal(s.getStatus(), S.STATUS_NONE);
    srv.stop();
    net.close();
  });

  test("bind(port) opens the port at once (getLocalPort before connecting) and connects from it; a port in use is refused at bind, status NONE", async () => {
    const { net, client, server } = world(10);
    const srv = new TCPServer({ runtime: server });
    await srv.listen(7003);
    const bound = new StreamPeerTCP({ runtime: client });
    await bound.bind(40001, "10.0.0.1");
    assert.equal(bound.getLocalPort(), 40001, "bound before connecting");
    assert.equal(bound.getStatus(), S.STATUS_NONE);
    await bound.connectToHost("10.0.0.2", 7003);
    assert.equal(bound.getLocalPort(), 40001);
    await net.runUntil(() => srv.isConnectionAvailable(), 1000);
    const seen = srv.takeConnection()!;
    assert.equal(seen.getConnectedHost(), "10.0.0.1");
    assert.equal(seen.getConnectedPort(), 40001, "the server sees the bound port");

    const local = new TCPServer({ runtime: client }); // a port of the client host that is taken
    await local.listen(40002);
    const busy = new StreamPeerTCP({ runtime: client });
    // Godot's NetSocket answers every refused bind() with ERR_UNAVAILABLE.
    await assert.rejects(busy.bind(40002), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    local.stop();
    assert.equal(busy.getStatus(), S.STATUS_NONE);
    assert.equal(busy.getLocalPort(), 0);

    // bind(0): the OS-chosen port is known before connecting, and the connect uses it.
    const early = new StreamPeerTCP({ runtime: client });
    await early.bind(0);
    const chosen = early.getLocalPort();
    assert.ok(chosen > 0);
    await early.connectToHost("10.0.0.2", 7003);
    assert.equal(early.getLocalPort(), chosen);
    early.disconnectFromHost();
    // A bind serves one connect, as in Godot: the next one comes from an ephemeral port.
    bound.disconnectFromHost();
    await bound.connectToHost("10.0.0.2", 7003);
    assert.ok(bound.getLocalPort() >= 49152, `ephemeral port, got ${bound.getLocalPort()}`);
    bound.disconnectFromHost();
    srv.stop();
    net.close();
  });

  test("a slow link: putPartialData is bounded and 2 MiB arrive intact after the expected virtual time", async () => {
    const { net, client, server } = world(20, 1_000_000); // 1 MB/s
    const srv = new TCPServer({ runtime: server });
    await srv.listen(7002);
    const c = new StreamPeerTCP({ runtime: client, outboundBufferLimit: 64 * 1024 });
    await c.connectToHost("10.0.0.2", 7002);
    await net.runUntil(() => srv.isConnectionAvailable(), 1000);
    const s = srv.takeConnection()!;
    const total = 2 * 1024 * 1024;
    const data = new Uint8Array(total);
    for (let i = 0; i < total; i++) data[i] = (i * 7 + (i >> 10)) & 255;
    const start = net.clock.now();
    const receiving = s.getData(total);
    let off = 0;
    let maxQueued = 0;
    while (off < total) {
      const [err, sent] = c.putPartialData(data.subarray(off));
      assert.equal(err, GodotError.OK);
      off += sent;
      maxQueued = Math.max(maxQueued, c.getOutboundBufferedBytes());
      if (off < total) await c.waitWritable();
    }
    const got = await receiving;
    const elapsed = net.clock.now() - start;
    assert.deepEqual(got, data);
    assert.ok(maxQueued <= 64 * 1024, `queued ${maxQueued}`);
    assert.ok(elapsed >= 2000 && elapsed < 4000, `2 MiB at 1 MB/s took ${elapsed} virtual ms`);
    c.disconnectFromHost();
    srv.stop();
    net.close();
  });

  test("untaken connections: queue bounded by maxPendingConnections, their bytes left unread until taken", async () => {
    const { net, client, server } = world(5);
    const srv = new TCPServer({ runtime: server, maxPendingConnections: 1 });
    await srv.listen(7003);
    const first = new StreamPeerTCP({ runtime: client });
    await first.connectToHost("10.0.0.2", 7003);
    const payload = new Uint8Array(200 * 1024).fill(9);
    assert.equal(first.putData(payload), GodotError.OK);
    const second = new StreamPeerTCP({ runtime: client });
    await second.connectToHost("10.0.0.2", 7003);
    await net.runFor(1000);
    assert.equal(srv.droppedConnections, 1);
    second.poll();
    assert.notEqual(second.getStatus(), S.STATUS_CONNECTED, "the connection over the bound was closed");
    const taken = srv.takeConnection()!;
    assert.ok(taken.getAvailableBytes() < payload.length, `${taken.getAvailableBytes()} bytes were buffered before take`);
    assert.deepEqual(await taken.getData(payload.length), payload);
    assert.equal(srv.takeConnection(), null);
    first.disconnectFromHost();
    srv.stop();
    net.close();
  });
});

describe("StreamPeerTCP async typed reads (Godot's blocking get_32 and friends)", () => {
  test("get32Async waits for bytes still on the wire; reads resolve in call order; a string waits for its prefix and body", async () => {
    const { net, client, server } = world(30);
    const srv = new TCPServer({ runtime: server });
    await srv.listen(7010);
    const c = new StreamPeerTCP({ runtime: client });
    await c.connectToHost("10.0.0.2", 7010);
    await net.runUntil(() => srv.isConnectionAvailable(), 1000);
    const s = srv.takeConnection()!;
    const got: unknown[] = [];
    const reads = Promise.all([
      s.get32Async().then((v) => got.push(v)),
      s.getUtf8StringAsync().then((v) => got.push(v)),
      s.getU16Async().then((v) => got.push(v)),
    ]);
    assert.throws(() => s.get32(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_BUSY);
    c.put32(-123456);
    const body = new TextEncoder().encode("héllo"); // 6 bytes
    c.putU32(body.length); // the string's prefix alone, then its body in two parts
    await net.runFor(40);
    assert.deepEqual(got, [-123456]);
    c.putData(body.subarray(0, 2));
    await net.runFor(40);
    assert.deepEqual(got, [-123456], "a partial body is not read");
    c.putData(body.subarray(2));
    c.putU16(65535);
    await net.runFor(40);
    await reads;
    assert.deepEqual(got, [-123456, "héllo", 65535]);
    const waiting = s.waitAvailable(2);
    waiting.catch(() => {}); // asserted below, after the close
    c.putU8(1);
    await net.runFor(40);
    assert.equal(s.getAvailableBytes(), 1);
    c.disconnectFromHost();
    await net.runFor(40);
    await assert.rejects(waiting, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_FILE_EOF);
    srv.stop();
    net.close();
  });
});

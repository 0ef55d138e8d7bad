// StreamPeerTCP's status machine, timeouts and buffer bounds, driven by a
// scripted stream and a virtual clock so every transition is deterministic.
// Real-socket behaviour of the same transitions is in python-status.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError, StreamPeerTCP, StreamPeerSocketStatus as S, StreamPeerUDS, UDSServer } from "../../src/index.ts";
import { VirtualClock } from "../../src/transport/virtual-clock.ts";
import { ScriptedRuntime, ScriptedStream, settle } from "./fake-stream.ts";

function setup(opts: { connectTimeoutMs?: number; outboundBufferLimit?: number; inboundBufferLimit?: number } = {}) {
  const clock = new VirtualClock();
  const runtime = new ScriptedRuntime(clock);
  const peer = new StreamPeerTCP({ runtime, clock, ...opts });
  return { clock, runtime, peer };
}

async function connected(opts: Parameters<typeof setup>[0] = {}) {
  const s = setup(opts);
  const p = s.peer.connectToHost("127.0.0.1", 4242);
  const stream = new ScriptedStream();
  s.runtime.connects[0].resolve(stream);
  await p;
  return { ...s, stream };
}

describe("StreamPeerTCP status machine", () => {
  test("enum values are Godot's", () => {
    assert.equal(S.STATUS_NONE, 0);
    assert.equal(S.STATUS_CONNECTING, 1);
    assert.equal(S.STATUS_CONNECTED, 2);
    assert.equal(S.STATUS_ERROR, 3);
    assert.equal(StreamPeerTCP.Status.STATUS_CONNECTED, 2);
  });

  test("NONE -> CONNECTING -> CONNECTED, address and port reported", async () => {
    const { peer, runtime } = setup();
    assert.equal(peer.getStatus(), S.STATUS_NONE);
    const p = peer.connectToHost("127.0.0.1", 4242);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTING);
    assert.deepEqual(runtime.connects[0].opts, { host: "127.0.0.1", port: 4242 });
    assert.equal(peer.poll(), GodotError.OK);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTING);
    runtime.connects[0].resolve(new ScriptedStream());
    await p;
    assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
    assert.equal(peer.getConnectedHost(), "127.0.0.1");
    assert.equal(peer.getConnectedPort(), 4242);
    assert.equal(peer.getLocalPort(), 50000);
  });

  test("connect times out after 30 s by default (poll reports ERR_CONNECTION_ERROR, status ERROR)", async () => {
    const { peer, clock } = setup();
    const p = peer.connectToHost("10.0.0.1", 80);
    clock.advance(29_999);
    assert.equal(peer.poll(), GodotError.OK);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTING);
    clock.advance(1); // timer fires at exactly 30 s
    assert.equal(peer.getStatus(), S.STATUS_ERROR);
    await assert.rejects(p, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CONNECTION_ERROR && /timed out after 30000 ms/.test(e.message));
  });

  test("poll() applies the timeout too, and the timeout is configurable", async () => {
    // A clock whose timers never fire: only poll() can notice the deadline.
    let now = 0;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const peer = new StreamPeerTCP({ runtime: new ScriptedRuntime(clock), clock, connectTimeoutMs: 500 });
    const p = peer.connectToHost("10.0.0.1", 80);
    p.catch(() => {});
    now = 500;
    assert.equal(peer.poll(), GodotError.OK);
    now = 501;
    assert.equal(peer.poll(), GodotError.ERR_CONNECTION_ERROR);
    assert.equal(peer.getStatus(), S.STATUS_ERROR);
    await assert.rejects(p, NetError);
  });

  test("a late connect after a timeout is closed, not adopted", async () => {
    const { peer, clock, runtime } = setup({ connectTimeoutMs: 100 });
    peer.connectToHost("10.0.0.1", 80).catch(() => {});
    clock.advance(100);
    const late = new ScriptedStream();
    runtime.connects[0].resolve(late);
    await settle();
    assert.equal(late.closed, true);
    assert.equal(peer.getStatus(), S.STATUS_ERROR);
  });

  test("refused -> ERROR with ERR_CONNECTION_ERROR; unresolvable -> NONE with ERR_CANT_RESOLVE", async () => {
    const a = setup();
    const pa = a.peer.connectToHost("127.0.0.1", 1);
    a.runtime.connects[0].reject(new NetError(GodotError.ERR_CANT_CONNECT, "refused"));
    await assert.rejects(pa, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CONNECTION_ERROR);
    assert.equal(a.peer.getStatus(), S.STATUS_ERROR);
    const b = setup();
    const pb = b.peer.connectToHost("no-such-host.invalid", 80);
    b.runtime.connects[0].reject(new NetError(GodotError.ERR_CANT_RESOLVE, "nope"));
    await assert.rejects(pb, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_RESOLVE);
    assert.equal(b.peer.getStatus(), S.STATUS_NONE);
    assert.equal(b.peer.getConnectedHost(), "");
  });

  test("connectToHost while not NONE rejects ERR_ALREADY_IN_USE and keeps the connection", async () => {
    const { peer } = await connected();
    await assert.rejects(peer.connectToHost("127.0.0.2", 1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
    assert.equal(peer.getConnectedHost(), "127.0.0.1");
    await assert.rejects(peer.bind(0), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
  });

  test("bad arguments: RangeError for ports, TypeError for hosts; '*' and '' do not resolve (ERR_CANT_RESOLVE, as Godot's)", async () => {
    const { peer } = setup();
    await assert.rejects(peer.connectToHost("127.0.0.1", 0), RangeError);
    await assert.rejects(peer.connectToHost("127.0.0.1", 65536), RangeError);
    await assert.rejects(peer.connectToHost(7 as unknown as string, 80), TypeError);
    await assert.rejects(peer.connectToHost("*", 80), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_RESOLVE);
    await assert.rejects(peer.connectToHost("", 80), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_RESOLVE);
    await assert.rejects(peer.bind(70000), RangeError);
    await assert.rejects(peer.bind(0, "localhost"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    assert.throws(() => new StreamPeerTCP({ connectTimeoutMs: 0 }), RangeError);
    assert.equal(peer.getStatus(), S.STATUS_NONE);
  });

  test("clean close by the other side: CONNECTED until poll() and until every byte is read, then NONE", async () => {
    const { peer, stream } = await connected();
    stream.receive([1, 2, 3]);
    stream.finAndClose();
    assert.equal(peer.getStatus(), S.STATUS_CONNECTED); // status only advances on poll
    assert.equal(peer.poll(), GodotError.OK);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTED); // unread bytes keep it open
    assert.deepEqual(peer.getPartialData(10), [GodotError.OK, Uint8Array.of(1, 2, 3)]);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
    assert.equal(peer.poll(), GodotError.OK);
    assert.equal(peer.getStatus(), S.STATUS_NONE);
    assert.equal(peer.getConnectedHost(), "");
    assert.equal(stream.closed, true);
  });

  test("reading past a clean close returns ERR_FILE_EOF and goes to NONE (Godot's read())", async () => {
    const { peer, stream } = await connected();
    stream.fin();
    assert.deepEqual(peer.getPartialData(4), [GodotError.ERR_FILE_EOF, new Uint8Array(0)]);
    assert.equal(peer.getStatus(), S.STATUS_NONE);
  });

  test("reset: ERROR on the next poll, unread bytes dropped, pending getData rejected", async () => {
    const { peer, stream } = await connected();
    stream.receive([9, 9]);
    const pending = peer.getData(10);
    stream.reset();
    await assert.rejects(pending, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CONNECTION_ERROR);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
    assert.equal(peer.poll(), GodotError.FAILED); // Godot passes on its socket poll's FAILED
    assert.equal(peer.getStatus(), S.STATUS_ERROR);
    assert.equal(peer.getAvailableBytes(), 0);
    assert.deepEqual(peer.putPartialData(Uint8Array.of(1)), [GodotError.FAILED, 0]);
  });

  test("a read or write that meets a reset before poll() does: FAILED and NONE, as Godot's read()/write()", async () => {
    const r = await connected();
    r.stream.receive([7]);
    r.stream.reset();
    assert.deepEqual(r.peer.getPartialData(4), [GodotError.OK, Uint8Array.of(7)]); // what arrived first is still read
    assert.equal(r.peer.getStatus(), S.STATUS_CONNECTED);
    assert.deepEqual(r.peer.getPartialData(4), [GodotError.FAILED, new Uint8Array(0)]);
    assert.equal(r.peer.getStatus(), S.STATUS_NONE);
    assert.equal(r.peer.poll(), GodotError.OK);
    const w = await connected();
    w.stream.reset();
    assert.equal(w.peer.putData(Uint8Array.of(1)), GodotError.FAILED);
    assert.equal(w.peer.getStatus(), S.STATUS_NONE);
    const p = await connected();
    p.stream.reset();
    assert.deepEqual(p.peer.putPartialData(Uint8Array.of(1)), [GodotError.FAILED, 0]);
    assert.equal(p.peer.getStatus(), S.STATUS_NONE);
    // A write the stream itself refuses (it closed under us) ends the connection the same way.
    const q = await connected();
    q.stream.close();
    assert.equal(q.peer.putData(Uint8Array.of(1)), GodotError.FAILED);
    assert.equal(q.peer.getStatus(), S.STATUS_NONE);
  });

  test("getData waits for exactly n bytes across chunks, serves calls in order, rejects ERR_FILE_EOF on close without consuming", async () => {
    const { peer, stream } = await connected();
    const a = peer.getData(3);
    const b = peer.getData(2);
    stream.receive([1, 2]);
    stream.receive([3, 4]);
    assert.deepEqual(await a, Uint8Array.of(1, 2, 3));
    stream.receive([5, 6]);
    assert.deepEqual(await b, Uint8Array.of(4, 5));
    const c = peer.getData(5);
    stream.fin();
    await assert.rejects(c, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_FILE_EOF);
    assert.equal(peer.getU8(), 6);
  });

  test("disconnectFromHost rejects pending reads and an in-flight connect", async () => {
    const { peer, stream } = await connected();
    const r = peer.getData(1);
    peer.disconnectFromHost();
    await assert.rejects(r, (e: unknown) => e instanceof NetError && e.code === GodotError.FAILED);
    assert.equal(stream.closed, true);
    const c = peer.connectToHost("127.0.0.1", 4242);
    peer.disconnectFromHost();
    await assert.rejects(c, NetError);
    assert.equal(peer.getStatus(), S.STATUS_NONE);
  });

  test("typed gets throw ERR_BUSY until the value has fully arrived", async () => {
    const { peer, stream } = await connected();
    stream.receive([0x78, 0x56]);
    assert.throws(() => peer.getU32(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_BUSY);
    stream.receive([0x34, 0x12]);
    assert.equal(peer.getU32(), 0x12345678);
  });

  test("setNoDelay before the connect completes is applied on connect", async () => {
    const { peer, runtime } = setup();
    const p = peer.connectToHost("127.0.0.1", 4242);
    peer.setNoDelay(true);
    const stream = new ScriptedStream();
    runtime.connects[0].resolve(stream);
    await p;
    assert.equal(stream.noDelay, true);
  });
});

describe("buffer bounds", () => {
  test("putPartialData takes only what fits under outboundBufferLimit; putData is all-or-nothing", async () => {
    const { peer, stream } = await connected({ outboundBufferLimit: 1000 });
    assert.deepEqual(peer.putPartialData(new Uint8Array(600)), [GodotError.OK, 600]);
    assert.deepEqual(peer.putPartialData(new Uint8Array(600)), [GodotError.OK, 400]);
    assert.deepEqual(peer.putPartialData(new Uint8Array(600)), [GodotError.OK, 0]);
    assert.equal(peer.putData(new Uint8Array(1)), GodotError.ERR_BUSY);
    assert.throws(() => peer.putU8(1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_BUSY);
    assert.equal(stream.bufferedAmount, 1000);
    const writable = peer.waitWritable();
    stream.osTakes(400); // 600 left: still above the low-water mark (500)
    let resolved = false;
    void writable.then(() => (resolved = true));
    await settle();
    assert.equal(resolved, false);
    stream.osTakes(200);
    await writable;
    assert.deepEqual(peer.putPartialData(new Uint8Array(900)), [GodotError.OK, 600]);
    stream.osTakes(1000);
    // With an empty queue one message larger than the limit is accepted whole.
    assert.equal(peer.putData(new Uint8Array(5000)), GodotError.OK);
    assert.equal(stream.bufferedAmount, 5000);
  });

  test("reading from the OS pauses above inboundBufferLimit and resumes once read", async () => {
    const { peer, stream } = await connected({ inboundBufferLimit: 100 });
    stream.receive(new Uint8Array(60));
    assert.equal(stream.paused, false);
    stream.receive(new Uint8Array(60));
    assert.equal(stream.paused, true);
    peer.getPartialData(50);
    assert.equal(stream.paused, false);
    // A getData larger than the bound raises it until served.
    const big = peer.getData(300);
    stream.receive(new Uint8Array(100));
    assert.equal(stream.paused, false);
    stream.receive(new Uint8Array(200));
    assert.equal((await big).length, 300);
    assert.throws(() => peer.getUtf8String(500), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_OUT_OF_MEMORY);
  });

  test("puts when not connected return FAILED / throw NetError(FAILED)", () => {
    const { peer } = setup();
    assert.equal(peer.putData(Uint8Array.of(1)), GodotError.FAILED);
    assert.deepEqual(peer.putPartialData(Uint8Array.of(1)), [GodotError.FAILED, 0]);
    assert.deepEqual(peer.getPartialData(1), [GodotError.FAILED, new Uint8Array(0)]);
    assert.deepEqual(peer.getPartialData(0), [GodotError.FAILED, new Uint8Array(0)]);
    assert.throws(() => peer.putU32(1), (e: unknown) => e instanceof NetError && e.code === GodotError.FAILED);
    // Godot 4.6's put_data / put_partial_data bindings answer an empty array with OK before looking at the socket.
    assert.equal(peer.putData(new Uint8Array(0)), GodotError.OK);
    assert.deepEqual(peer.putPartialData(new Uint8Array(0)), [GodotError.OK, 0]);
  });
});

describe("StreamPeerUDS after ERROR", () => {
  test("a refused connect is FAILED and NONE, as Godot 4.6's (connect() fails inside connect_to_host); TCP's is ERROR", async () => {
    const clock = new VirtualClock();
    const runtime = new ScriptedRuntime(clock);
    const peer = new StreamPeerUDS({ runtime, clock });
    const p = peer.connectToHost("/tmp/a.sock");
    runtime.connects[0].reject(new NetError(GodotError.ERR_CANT_CONNECT, "refused"));
    await assert.rejects(p, (e: unknown) => e instanceof NetError && e.code === GodotError.FAILED);
    assert.equal(peer.getStatus(), S.STATUS_NONE);
    assert.equal(peer.getConnectedPath(), "");
  });

  test("connects again without disconnectFromHost(), as Godot 4.6's (it checks the socket, which ERROR closed); TCP refuses", async () => {
    const clock = new VirtualClock();
    const runtime = new ScriptedRuntime(clock);
    const peer = new StreamPeerUDS({ runtime, clock, connectTimeoutMs: 1000 });
    const first = peer.connectToHost("/tmp/a.sock");
    clock.advance(1000); // a connect that times out is ERROR for UDS too
    await assert.rejects(first, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CONNECTION_ERROR);
    assert.equal(peer.getStatus(), S.STATUS_ERROR);
    const second = peer.connectToHost("/tmp/b.sock");
    assert.equal(peer.getStatus(), S.STATUS_CONNECTING);
    assert.equal(peer.getConnectedPath(), "/tmp/b.sock");
    runtime.connects[1].resolve(new ScriptedStream());
    await second;
    assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
    await assert.rejects(peer.connectToHost("/tmp/c.sock"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
    assert.equal(peer.getConnectedPath(), "/tmp/b.sock");

    const tcp = setup();
    const refused = tcp.peer.connectToHost("127.0.0.1", 1);
    tcp.runtime.connects[0].reject(new NetError(GodotError.ERR_CANT_CONNECT, "refused"));
    await assert.rejects(refused);
    await assert.rejects(tcp.peer.connectToHost("127.0.0.1", 2), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
    assert.equal(tcp.peer.getStatus(), S.STATUS_ERROR);
  });
});

describe("unix sockets where the runtime has none", () => {
  test("StreamPeerUDS.connectToHost and UDSServer.listen reject ERR_UNAVAILABLE, status stays NONE", async () => {
    const clock = new VirtualClock();
    const runtime = new ScriptedRuntime(clock);
    const unavailable = new NetError(GodotError.ERR_UNAVAILABLE, "unix sockets are not supported here");
    runtime.listenError = unavailable;
    const peer = new StreamPeerUDS({ runtime, clock });
    const p = peer.connectToHost("/tmp/x.sock");
    assert.equal(peer.getStatus(), S.STATUS_CONNECTING);
    runtime.connects[0].reject(unavailable);
    await assert.rejects(p, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    assert.equal(peer.getStatus(), S.STATUS_NONE);
    assert.equal(peer.getConnectedPath(), "");
    const server = new UDSServer({ runtime, clock });
    await assert.rejects(server.listen("/tmp/x.sock"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    assert.equal(server.isListening(), false);
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryNetwork, type LinkOptions } from "../../src/transport/memory.ts";
import { fnv1a32 } from "../../src/transport/memory-trace.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import type { Stream } from "../../src/transport/types.ts";
import { patternBytes } from "./support/checksum.ts";

function setup(link: LinkOptions = {}, seed = 1) {
  const net = new MemoryNetwork({ seed });
  net.setLink("127.0.0.1", "127.0.0.2", link);
  const server = net.createRuntime("127.0.0.1");
  const client = net.createRuntime("127.0.0.2");
  return { net, server, client };
}

/** Concatenate chunks (tests only). */
function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Write everything honouring backpressure; resolves with how often write() said "wait". */
function writeAll(s: Stream, data: Uint8Array, piece: number): Promise<number> {
  let offset = 0;
  let waits = 0;
  return new Promise((resolve) => {
    const go = (): void => {
      while (offset < data.length) {
        const ok = s.write(data.subarray(offset, Math.min(offset + piece, data.length)));
        offset += piece;
        if (!ok) {
          waits++;
          return; // onDrain calls go again
        }
      }
      resolve(waits);
    };
    s.onDrain(go);
    go();
  });
}

describe("MemoryNetwork streams", () => {
  test("10 MiB echo with backpressure, latency on connect, addresses on both ends", async () => {
    const { net, server, client } = setup({ latencyMs: 15 });
    let accepted: Stream | undefined;
    const listener = await server.streams.listen({ host: "0.0.0.0", port: 8080 }, (s) => {
      accepted = s;
      s.onData((chunk) => {
        if (!s.write(chunk)) {
          s.pause();
          s.onDrain(() => s.resume());
        }
      });
      s.onEnd(() => s.end());
    });
    assert.equal(listener.address, "127.0.0.1");
    assert.equal(listener.port, 8080);
    const c = await client.streams.connect({ host: "127.0.0.1", port: 8080 });
    assert.equal(net.clock.now(), 30, "connect takes one round trip");
    assert.equal(c.remoteAddress, "127.0.0.1");
    assert.equal(c.remotePort, 8080);
    assert.equal(c.localAddress, "127.0.0.2");
    assert.ok(c.localPort >= 49152);
    assert.equal(accepted!.remoteAddress, "127.0.0.2");
    assert.equal(accepted!.remotePort, c.localPort);
    assert.equal(accepted!.localPort, 8080);
    const data = patternBytes(10 << 20, 42);
    const received: Uint8Array[] = [];
    c.onData((chunk) => received.push(chunk));
    const ended = new Promise<void>((r) => c.onEnd(r));
    const closed = new Promise<Error | undefined>((r) => c.onClose(r));
    const waits = await writeAll(c, data, 64 * 1024);
    assert.ok(waits > 0, "write() must report backpressure for 10 MiB");
    c.end();
    await ended;
    assert.equal(await closed, undefined);
    const echoed = concat(received);
    assert.equal(echoed.length, data.length);
    assert.equal(fnv1a32(echoed), fnv1a32(data));
    await listener.close();
    net.close();
  });

  test("half-close: end() reaches the other side as onEnd, which may keep writing", async () => {
    const { net, server, client } = setup({ latencyMs: 5 });
    const events: string[] = [];
    await server.streams.listen({ host: "127.0.0.1", port: 9 }, (s) => {
      const got: number[] = [];
      s.onData((d) => got.push(...d));
      s.onEnd(() => {
        events.push(`server end ${got.join(",")}`);
        s.write(new Uint8Array([7, 8]));
        setTimeoutVirtual(() => {
          s.write(new Uint8Array([9]));
          s.end();
        }, 50);
      });
      s.onClose((e) => events.push(`server close ${String(e)}`));
    });
    const setTimeoutVirtual = (cb: () => void, ms: number): unknown => net.clock.setTimeout(cb, ms);
    const c = await client.streams.connect({ host: "127.0.0.1", port: 9 });
    const back: number[] = [];
    c.onData((d) => back.push(...d));
    c.onEnd(() => events.push(`client end ${back.join(",")}`));
    const closed = new Promise<Error | undefined>((r) => c.onClose(r));
    c.write(new Uint8Array([1, 2, 3]));
    c.end();
    assert.throws(() => c.write(new Uint8Array([4])), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED && /after end/.test(e.message));
    assert.equal(await closed, undefined);
    await net.runFor(20);
    // The server has both FINs once it sends its own, so it closes before its FIN reaches the client.
    assert.deepEqual(events, ["server end 1,2,3", "server close undefined", "client end 7,8,9"]);
    net.close();
  });

  test("pause() stops delivery and makes the sender's buffer grow; resume() delivers everything", async () => {
    const net = new MemoryNetwork({ streamHighWaterMark: 16 * 1024, streamWindowBytes: 32 * 1024 });
    const rt = net.createRuntime();
    let serverSide: Stream | undefined;
    const chunks: Uint8Array[] = [];
    await rt.streams.listen({ host: "127.0.0.1", port: 1000 }, (s) => {
      serverSide = s;
      s.pause();
      s.onData((d) => chunks.push(d));
    });
    const c = await rt.streams.connect({ host: "localhost", port: 1000 });
    let drained = 0;
    c.onDrain(() => drained++);
    let accepted = 0;
    while (c.write(new Uint8Array(4096).fill(accepted & 255))) accepted++;
    accepted++;
    await net.runFor(100);
    assert.equal(chunks.length, 0, "nothing is delivered while paused");
    // The window (32 KiB) is in flight, the rest waits in the sender's buffer above the high-water mark.
    assert.equal(c.bufferedAmount, accepted * 4096 - 32 * 1024);
    assert.ok(c.bufferedAmount >= 16 * 1024);
    assert.equal(drained, 0);
    serverSide!.resume();
    await net.runFor(100);
    assert.equal(concat(chunks).length, accepted * 4096);
    assert.equal(c.bufferedAmount, 0);
    assert.equal(drained, 1);
    net.close();
  });

  test("close() ends the other side: clean close gives onEnd + onClose(), unsent data a reset error", async () => {
    const { net, server, client } = setup({ latencyMs: 2 });
    const serverStreams: Stream[] = [];
    await server.streams.listen({ host: "127.0.0.1", port: 7 }, (s) => {
      serverStreams.push(s);
      s.onData(() => {});
    });
    const c1 = await client.streams.connect({ host: "127.0.0.1", port: 7 });
    const log: string[] = [];
    serverStreams[0].onEnd(() => log.push("end"));
    serverStreams[0].onClose((e) => log.push(`close ${String(e)}`));
    const selfClosed = new Promise<Error | undefined>((r) => c1.onClose(r));
    c1.close();
    assert.equal(await selfClosed, undefined);
    assert.throws(() => c1.write(new Uint8Array(1)), (e: unknown) => e instanceof NetError && /closed/.test(e.message));
    await net.runFor(10);
    assert.deepEqual(log, ["end", "close undefined"]);

    // Abortive: the peer is paused so the written data is still queued when close() drops it.
    const net2 = setup({ latencyMs: 2 });
    let peer: Stream | undefined;
    await net2.server.streams.listen({ host: "127.0.0.1", port: 7 }, (s) => {
      peer = s;
    });
    const c2 = await net2.client.streams.connect({ host: "127.0.0.1", port: 7 });
    const peerClosed = new Promise<Error | undefined>((r) => peer!.onClose(r));
    c2.write(new Uint8Array(1 << 20));
    c2.close();
    const err = await peerClosed;
    assert.ok(err instanceof NetError);
    assert.equal(err.code, GodotError.ERR_CONNECTION_ERROR);
    assert.match(err.message, /reset/);
    net.close();
    net2.net.close();
  });

  test("connect to nothing, port in use, closed listeners and bad arguments", async () => {
    const { net, server, client } = setup({ latencyMs: 10 });
    const refused = await client.streams.connect({ host: "127.0.0.1", port: 4444 }).then(() => null, (e: unknown) => e);
    assert.ok(refused instanceof NetError);
    assert.equal(refused.code, GodotError.ERR_CANT_CONNECT);
    assert.equal(net.clock.now(), 20, "refusal comes back after a round trip");
    const l = await server.streams.listen({ host: "127.0.0.1", port: 4444 }, () => {});
    await assert.rejects(server.streams.listen({ host: "*", port: 4444 }, () => {}), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
    const s = await client.streams.connect({ host: "127.0.0.1", port: 4444 });
    await l.close();
    await assert.rejects(client.streams.connect({ host: "127.0.0.1", port: 4444 }), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_CONNECT);
    // The port is free again after close.
    const l2 = await server.streams.listen({ host: "127.0.0.1", port: 4444 }, () => {});
    await l2.close();
    const ephemeral = await server.streams.listen({ host: "127.0.0.1", port: 0 }, () => {});
    assert.ok(ephemeral.port >= 49152);
    await ephemeral.close();
    await assert.rejects(client.streams.connect({ host: "127.0.0.1", port: 0 }), RangeError);
    await assert.rejects(client.streams.connect({ host: "127.0.0.1", port: 65536 }), /0?1\.\.65535/);
    await assert.rejects(client.streams.connect({ host: "bad host!", port: 1 }), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    await assert.rejects(client.streams.connect({ path: "" }), TypeError);
    assert.throws(() => s.write("x" as unknown as Uint8Array), TypeError);
    assert.throws(() => s.setNoDelay("yes" as unknown as boolean), TypeError);
    s.setNoDelay(true);
    s.close();
    net.close();
  });

  test('listening on "*" on the loopback host accepts 127.0.0.1 and ::1 clients', async () => {
    const net = new MemoryNetwork();
    const rt = net.createRuntime();
    const peers: string[] = [];
    const l = await rt.streams.listen({ host: "*", port: 6000 }, (s) => peers.push(`${s.localAddress}<-${s.remoteAddress}`));
    const c4 = await rt.streams.connect({ host: "127.0.0.1", port: 6000 });
    const c6 = await rt.streams.connect({ host: "::1", port: 6000 });
    assert.deepEqual(peers, ["127.0.0.1<-127.0.0.1", "::1<-::1"]);
    assert.equal(c6.remoteAddress, "::1");
    c4.close();
    c6.close();
    await l.close();
    await assert.rejects(rt.streams.connect({ host: "::1", port: 6000 }), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_CONNECT);
    net.close();
  });

  test("unix-style paths and TLS options (accepted, ignored)", async () => {
    const net = new MemoryNetwork();
    const rt = net.createRuntime();
    const other = net.createRuntime("10.0.0.9");
    const l = await rt.streams.listen({ path: "/tmp/game.sock" }, (s) => s.onData((d) => s.write(d)));
    assert.equal(l.path, "/tmp/game.sock");
    await assert.rejects(rt.streams.listen({ path: "/tmp/game.sock" }, () => {}), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
    const c = await other.streams.connect({ path: "/tmp/game.sock" });
    assert.equal(c.remoteAddress, "/tmp/game.sock");
    const got = new Promise<number[]>((r) => c.onData((d) => r([...d])));
    c.write(new Uint8Array([5, 6]));
    assert.deepEqual(await got, [5, 6]);
    c.close();
    await l.close();
    await assert.rejects(rt.streams.connect({ path: "/tmp/game.sock" }), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_CONNECT);

    const tl = await rt.streams.listen({ host: "127.0.0.1", port: 443, tls: { cert: "not a real cert", key: "nor a key" } }, (s) => s.onData((d) => s.write(d)));
    const tc = await rt.streams.connect({ host: "127.0.0.1", port: 443, tls: { unsafe: true } });
    const echoed = new Promise<string>((r) => tc.onData((d) => r(new TextDecoder().decode(d))));
    tc.write(new TextEncoder().encode("plain"));
    assert.equal(await echoed, "plain");
    tc.close();
    await tl.close();
    net.close();
  });

  test("a bandwidth cap limits stream throughput; data sent before onData is registered is kept", async () => {
    const { net, server, client } = setup({ bandwidthBytesPerSec: 1_000_000 });
    let done: (t: number) => void;
    const finished = new Promise<number>((r) => (done = r));
    let total = 0;
    await server.streams.listen({ host: "127.0.0.1", port: 5 }, (s) => {
      // Register the data handler a while later: nothing may be lost meanwhile.
      net.clock.setTimeout(() => {
        s.onData((d) => {
          total += d.length;
          if (total === 2_000_000) done(net.clock.now());
        });
      }, 200);
    });
    const c = await client.streams.connect({ host: "127.0.0.1", port: 5 });
    const start = net.clock.now();
    await writeAll(c, patternBytes(2_000_000, 1), 100_000);
    const end = await finished;
    const seconds = (end - start) / 1000;
    assert.ok(Math.abs(seconds - 2) / 2 < 0.03, `2 MB over 1 MB/s took ${seconds} s`);
    c.close();
    net.close();
  });

  test("closing the network settles pending connects and silences streams", async () => {
    const { net, server, client } = setup({ latencyMs: 50 });
    await server.streams.listen({ host: "127.0.0.1", port: 1 }, () => {});
    const pending = client.streams.connect({ host: "127.0.0.1", port: 1 });
    await net.runFor(10);
    net.close();
    await assert.rejects(pending, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    assert.equal(net.clock.pendingTimers(), 0);
  });
});

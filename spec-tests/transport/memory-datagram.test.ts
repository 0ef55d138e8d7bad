import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryNetwork, type LinkOptions } from "../../src/transport/memory.ts";
import { fnv1a32 } from "../../src/transport/memory-trace.ts";
import { canonicalIp } from "../../src/transport/memory-address.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import type { DatagramTransport } from "../../src/transport/types.ts";

/** Two hosts, A (127.0.0.1:7000) and B (127.0.0.2:ephemeral), with `link` between them. */
async function pair(seed: number, link: LinkOptions, extra: { traceLimit?: number; autoAdvance?: boolean } = {}) {
  const net = new MemoryNetwork({ seed, ...extra });
  net.setLink("127.0.0.1", "127.0.0.2", link);
  const a = net.createRuntime("127.0.0.1").createDatagramTransport();
  const b = net.createRuntime("127.0.0.2").createDatagramTransport();
  await a.bind("127.0.0.1", 7000);
  const bAddr = await b.bind("0.0.0.0", 0);
  return { net, a, b, bPort: bAddr.port };
}

function u32(n: number, size = 4): Uint8Array {
  const out = new Uint8Array(Math.max(4, size));
  new DataView(out.buffer).setUint32(0, n);
  return out;
}
const readU32 = (d: Uint8Array): number => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0);

/** Send `count` numbered datagrams B -> A, one every `intervalMs`, and collect what A receives. */
async function stream(net: MemoryNetwork, a: DatagramTransport, b: DatagramTransport, count: number, intervalMs: number, size = 4) {
  const got: { n: number; at: number }[] = [];
  a.onDatagram((d) => got.push({ n: readU32(d), at: net.clock.now() }));
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      b.send(u32(i, size), "127.0.0.1", 7000);
      i++;
      if (i < count) net.clock.setTimeout(tick, intervalMs);
      else resolve();
    };
    tick();
  });
  await net.runFor(10_000);
  return got;
}

describe("MemoryNetwork datagrams: binding and errors", () => {
  test("IP literals are reduced to one canonical form (RFC 5952), others are rejected", () => {
    const cases: [string, string][] = [
      ["127.0.0.1", "127.0.0.1"],
      ["::", "::"],
      ["0:0:0:0:0:0:0:0", "::"],
      ["0:0:0:0:0:0:0:1", "::1"],
      ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["2001:0db8::0001", "2001:db8::1"],
      ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
      ["::ffff:192.0.2.1", "192.0.2.1"],
      ["::192.0.2.1", "::c000:201"],
      ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
      ["fe80::1%eth0", "fe80::1"],
    ];
    for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
    for (const bad of ["1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "12345::", "127.0.0.256", "1.2.3", "01.2.3.4", "", "localhost", "1:2:3:4:5:6:7:1.2.3.4"]) {
      assert.equal(canonicalIp(bad), null, bad);
    }
  });

  test("ephemeral ports, port-in-use, wildcard binds and IPv6 canonical addresses", async () => {
    const net = new MemoryNetwork();
    const rt = net.createRuntime("127.0.0.5");
    const s1 = rt.createDatagramTransport();
    const s2 = rt.createDatagramTransport();
    const b1 = await s1.bind("*", 0);
    const b2 = await s2.bind("0.0.0.0", 0);
    assert.equal(b1.address, "127.0.0.5");
    assert.ok(b1.port >= 49152 && b2.port >= 49152 && b1.port !== b2.port);
    const s3 = rt.createDatagramTransport();
    const err = await s3.bind("127.0.0.5", b1.port).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof NetError);
    assert.equal(err.code, GodotError.ERR_ALREADY_IN_USE);
    assert.match(err.message, new RegExp(String(b1.port)));
    // After close the port is free again.
    s1.close();
    assert.deepEqual(await s3.bind("127.0.0.5", b1.port), { address: "127.0.0.5", port: b1.port });

    const v6 = net.createRuntime("::1");
    const x = v6.createDatagramTransport();
    const y = v6.createDatagramTransport();
    assert.deepEqual(await x.bind("::", 9000), { address: "::1", port: 9000 });
    await y.bind("0:0:0:0:0:0:0:1", 0);
    const got: [number[], string, number][] = [];
    x.onDatagram((d, addr, port) => got.push([[...d], addr, port]));
    y.send(new Uint8Array([1, 2, 3]), "0000::0001", 9000);
    await net.runFor(1);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0][0], [1, 2, 3]);
    assert.equal(got[0][1], "::1");
    for (const s of [s2, s3, x, y]) s.close();
    net.close();
  });

  test('a wildcard bind on the loopback host answers on 127.0.0.1 and ::1, replying from the address that was used', async () => {
    const net = new MemoryNetwork();
    const server = net.createRuntime().createDatagramTransport();
    const client = net.createRuntime().createDatagramTransport();
    assert.deepEqual(await server.bind("*", 7777), { address: "127.0.0.1", port: 7777 });
    const c = await client.bind("::", 0);
    const seenByServer: string[] = [];
    server.onDatagram((d, addr, port) => {
      seenByServer.push(addr);
      server.send(d, addr, port);
    });
    const replies: string[] = [];
    client.onDatagram((_d, addr, port) => replies.push(`${addr}:${port}`));
    client.send(new Uint8Array([1]), "::1", 7777);
    client.send(new Uint8Array([2]), "127.0.0.1", 7777);
    await net.runFor(1);
    assert.deepEqual(seenByServer, ["::1", "127.0.0.1"]);
    assert.deepEqual(replies, ["::1:7777", "127.0.0.1:7777"]);
    assert.equal(c.address, "127.0.0.1");
    // A specific bind is single-stack; a twin port taken by someone else leaves the wildcard IPv4-only.
    const only4 = net.createRuntime().createDatagramTransport();
    await only4.bind("127.0.0.1", 8000);
    const v6user = net.createRuntime("::1").createDatagramTransport();
    await v6user.bind("::1", 8001);
    const wild = net.createRuntime().createDatagramTransport();
    await wild.bind("*", 8001);
    let v6got = 0;
    v6user.onDatagram(() => v6got++);
    client.send(new Uint8Array([3]), "::1", 8000);
    client.send(new Uint8Array([4]), "::1", 8001);
    await net.runFor(1);
    assert.equal(v6got, 1);
    assert.equal(net.stats().unreachable, 1);
    for (const s of [server, client, only4, v6user, wild]) s.close();
    net.close();
  });

  test("bad arguments: RangeError for ports and sizes, NetError for addresses and closed sockets", async () => {
    const net = new MemoryNetwork();
    const rt = net.createRuntime();
    const s = rt.createDatagramTransport();
    assert.throws(() => s.send(new Uint8Array(1), "127.0.0.1", 9), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
    await assert.rejects(s.bind("127.0.0.1", 70000), RangeError);
    await assert.rejects(s.bind("127.0.0.1", -1), /0\.\.65535/);
    await assert.rejects(s.bind("not an address!", 1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    await assert.rejects(s.bind("game.example", 1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_RESOLVE);
    net.setHostName("game.example", "127.0.0.1");
    await s.bind("game.example", 4000);
    await s.bind("localhost", 4001).then(
      () => assert.fail("second bind of one socket must fail"),
      (e: unknown) => assert.ok(e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE),
    );
    assert.throws(() => s.send(new Uint8Array(65508), "127.0.0.1", 9), /65507/);
    assert.throws(() => s.send(new Uint8Array(1), "127.0.0.1", 0), RangeError);
    assert.throws(() => s.send(new Uint8Array(1), "nowhere", 9), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    assert.throws(() => s.send("text" as unknown as Uint8Array, "127.0.0.1", 9), TypeError);
    s.send(new Uint8Array(65507), "127.0.0.1", 9); // exactly the maximum is fine
    const v6 = net.createRuntime("::1").createDatagramTransport();
    await v6.bind("::1", 0);
    v6.send(new Uint8Array(65527), "::1", 9);
    assert.throws(() => v6.send(new Uint8Array(65528), "::1", 9), /65527/);
    s.close();
    assert.throws(() => s.send(new Uint8Array(1), "127.0.0.1", 9), /closed/);
    await assert.rejects(s.bind("127.0.0.1", 0), /closed/);
    assert.throws(() => net.createRuntime("0.0.0.0"), RangeError);
    assert.throws(() => net.setLink("127.0.0.1", "127.0.0.2", { loss: 1.5 }), /loss/);
    assert.throws(() => net.setLink("127.0.0.1", "127.0.0.2", { latencyMs: -1 }), /latencyMs/);
    assert.throws(() => net.setLink("127.0.0.1", "127.0.0.2", { mtu: 12.5 }), /mtu/);
    v6.close();
    net.close();
  });

  test("a send loop without pacing is bounded by maxInFlightBytes; formatTrace explains what happened", async () => {
    const net = new MemoryNetwork({ maxInFlightBytes: 10_000, defaultLink: { latencyMs: 100 } });
    const rt = net.createRuntime();
    const a = rt.createDatagramTransport();
    const b = rt.createDatagramTransport();
    await a.bind("127.0.0.1", 1);
    await b.bind("127.0.0.1", 2);
    let got = 0;
    a.onDatagram(() => got++);
    for (let i = 0; i < 1000; i++) b.send(new Uint8Array(1000), "127.0.0.1", 1);
    assert.equal(net.stats().queueDropped, 990);
    await net.runFor(100);
    assert.equal(got, 10);
    // Once the first ten have landed there is room again.
    b.send(new Uint8Array(1000), "127.0.0.1", 1);
    await net.runFor(100);
    assert.equal(got, 11);
    const text = net.formatTrace(net.trace.slice(0, 1));
    assert.equal(text, "#0 t=0.000 127.0.0.1:2 -> 127.0.0.1:1 1000B delivered@100.000 fnv=" + fnv1a32(new Uint8Array(1000)).toString(16).padStart(8, "0"));
    assert.match(net.formatTrace(), /queue-dropped/);
    a.close();
    b.close();
    net.close();
  });

  test("datagrams to a port nobody bound are dropped and traced as unreachable", async () => {
    const { net, a, b } = await pair(1, { latencyMs: 5 });
    b.send(new Uint8Array([9]), "127.0.0.1", 7001);
    b.send(new Uint8Array([8]), "127.0.0.3", 7000);
    // In flight when the receiver closes: also unreachable.
    b.send(new Uint8Array([7]), "127.0.0.1", 7000);
    a.close();
    await net.runFor(10);
    assert.equal(net.stats().unreachable, 3);
    assert.equal(net.stats().delivered, 0);
    assert.deepEqual(net.trace.map((r) => r.fate), ["unreachable", "unreachable", "unreachable"]);
    b.close();
    net.close();
  });

  test("receivers get their own copies; the trace names endpoints, sizes and FNV-1a hashes", async () => {
    const { net, a, b, bPort } = await pair(1, { duplicate: 1, latencyMs: 3 });
    const got: Uint8Array[] = [];
    a.onDatagram((d, addr, port) => {
      assert.equal(addr, "127.0.0.2");
      assert.equal(port, bPort);
      got.push(d);
    });
    const buf = new Uint8Array([1, 2, 3, 4]);
    b.send(buf, "127.0.0.1", 7000);
    buf.fill(0xee); // the sender reuses its buffer at once
    await net.runFor(100);
    assert.equal(got.length, 2);
    assert.deepEqual([...got[0]], [1, 2, 3, 4]);
    assert.deepEqual([...got[1]], [1, 2, 3, 4]);
    got[0][0] = 99;
    assert.equal(got[1][0], 1, "duplicate copies must not share memory");
    const [orig, dup] = net.trace;
    assert.equal(orig.fate, "delivered");
    assert.equal(dup.fate, "duplicated");
    assert.equal(orig.from, `127.0.0.2:${bPort}`);
    assert.equal(orig.to, "127.0.0.1:7000");
    assert.equal(orig.size, 4);
    assert.equal(orig.hash, fnv1a32(new Uint8Array([1, 2, 3, 4])));
    assert.equal(fnv1a32(new TextEncoder().encode("a")), 0xe40c292c); // FNV-1a test vector
    assert.equal(orig.deliverAt, 3);
    assert.ok(dup.deliverAt! >= orig.deliverAt!);
    a.close();
    b.close();
    net.close();
  });
});

describe("MemoryNetwork datagrams: seeded link effects", () => {
  const messy: LinkOptions = { loss: 0.1, duplicate: 0.05, reorder: 0.1, latencyMs: 30, jitterMs: 10 };

  async function pingPong(seed: number, traceLimit?: number): Promise<{ digest: string; log: string }> {
    const { net, a, b } = await pair(seed, messy, { traceLimit });
    const log: string[] = [];
    a.onDatagram((d, addr, port) => {
      log.push(`A${readU32(d)}@${net.clock.now()}`);
      a.send(d, addr, port);
    });
    b.onDatagram((d) => log.push(`B${readU32(d)}@${net.clock.now()}`));
    for (let i = 0; i < 300; i++) {
      b.send(u32(i, 16 + (i % 50)), "127.0.0.1", 7000);
      await net.runFor(3);
    }
    await net.runFor(1000);
    a.close();
    b.close();
    net.close();
    return { digest: net.traceDigest(), log: log.join(",") };
  }

  test("the same seed gives the same trace digest and the same deliveries; another seed does not", async () => {
    const r1 = await pingPong(1234);
    const r2 = await pingPong(1234);
    const r3 = await pingPong(1235);
    assert.equal(r1.digest, r2.digest);
    assert.equal(r1.log, r2.log);
    assert.notEqual(r1.digest, r3.digest);
    assert.notEqual(r1.log, r3.log);
    // The digest covers the whole run even when the kept trace is truncated.
    const r4 = await pingPong(1234, 10);
    assert.equal(r4.digest, r1.digest);
  });

  test("loss rate of 20 % over 10,000 datagrams is within 5 sigma", async () => {
    const { net, a, b } = await pair(99, { loss: 0.2 });
    const got = await stream(net, a, b, 10_000, 0.1);
    const s = net.stats();
    const n = 10_000;
    const sigma = Math.sqrt(n * 0.2 * 0.8);
    assert.equal(s.sent, n);
    assert.ok(Math.abs(s.lost - n * 0.2) < 5 * sigma, `lost ${s.lost}`);
    assert.equal(got.length, n - s.lost);
    assert.equal(s.delivered, got.length);
    assert.equal(net.trace.filter((r) => r.fate === "lost").length, s.lost);
    a.close();
    b.close();
    net.close();
  });

  test("duplication rate of 10 % is within 5 sigma and every duplicate arrives", async () => {
    const { net, a, b } = await pair(7, { duplicate: 0.1, latencyMs: 2 });
    const got = await stream(net, a, b, 10_000, 0.1);
    const s = net.stats();
    const sigma = Math.sqrt(10_000 * 0.1 * 0.9);
    assert.ok(Math.abs(s.duplicated - 1000) < 5 * sigma, `duplicated ${s.duplicated}`);
    assert.equal(got.length, 10_000 + s.duplicated);
    assert.equal(new Set(got.map((g) => g.n)).size, 10_000);
    a.close();
    b.close();
    net.close();
  });

  test("reorder makes later datagrams overtake earlier ones (seeded); jitter alone keeps order", async () => {
    const inversions = (got: { n: number }[]): number => {
      let count = 0;
      for (let i = 1; i < got.length; i++) if (got[i].n < got[i - 1].n) count++;
      return count;
    };
    const run = async (seed: number, link: LinkOptions): Promise<number[]> => {
      const { net, a, b } = await pair(seed, link);
      const got = await stream(net, a, b, 2000, 1);
      a.close();
      b.close();
      net.close();
      return got.map((g) => g.n);
    };
    const r1 = await run(5, { reorder: 0.2, latencyMs: 10 });
    const r2 = await run(5, { reorder: 0.2, latencyMs: 10 });
    const r3 = await run(6, { reorder: 0.2, latencyMs: 10 });
    assert.equal(r1.length, 2000);
    assert.ok(inversions(r1.map((n) => ({ n }))) > 100, `only ${inversions(r1.map((n) => ({ n })))} inversions`);
    assert.deepEqual(r1, r2);
    assert.notDeepEqual(r1, r3);
    const jittery = await run(5, { latencyMs: 10, jitterMs: 30 });
    assert.equal(inversions(jittery.map((n) => ({ n }))), 0);
  });

  test("latency and jitter bound every arrival and jitter spreads them", async () => {
    const { net, a, b } = await pair(3, { latencyMs: 50, jitterMs: 20 });
    const got = await stream(net, a, b, 1000, 5);
    assert.equal(got.length, 1000);
    const delays = got.map((g) => g.at - g.n * 5);
    for (const d of delays) assert.ok(d >= 50 && d <= 70, `delay ${d}`);
    assert.ok(Math.min(...delays) < 52 && Math.max(...delays) > 68);
    const mean = delays.reduce((x, y) => x + y, 0) / delays.length;
    assert.ok(mean > 55 && mean < 65, `mean ${mean}`);
    for (const r of net.trace) assert.ok(r.deliverAt! - r.time >= 50 && r.deliverAt! - r.time <= 70);
    a.close();
    b.close();
    net.close();
  });

  test("MTU drops larger datagrams only, in that direction", async () => {
    const { net, a, b, bPort } = await pair(1, {});
    net.setLink("127.0.0.2", "127.0.0.1", { mtu: 1200 }, false);
    const sizes: number[] = [];
    a.onDatagram((d) => sizes.push(d.length));
    const backSizes: number[] = [];
    b.onDatagram((d) => backSizes.push(d.length));
    b.send(new Uint8Array(1200), "127.0.0.1", 7000);
    b.send(new Uint8Array(1201), "127.0.0.1", 7000);
    b.send(new Uint8Array(100), "127.0.0.1", 7000);
    a.send(new Uint8Array(5000), "127.0.0.2", bPort);
    await net.runFor(10);
    assert.deepEqual(sizes, [1200, 100]);
    assert.deepEqual(backSizes, [5000]);
    assert.equal(net.stats().mtuDropped, 1);
    assert.deepEqual(net.trace.map((r) => r.fate), ["delivered", "mtu-dropped", "delivered", "delivered"]);
    a.close();
    b.close();
    net.close();
  });

  test("a bandwidth cap paces arrivals to the cap and drops past the queue limit", async () => {
    const cap = 100_000;
    // A burst that fits the queue: 200 x 1000 bytes serialize in exactly 2 s.
    {
      const { net, a, b } = await pair(1, { bandwidthBytesPerSec: cap, latencyMs: 10 });
      const got: number[] = [];
      a.onDatagram(() => got.push(net.clock.now()));
      for (let i = 0; i < 200; i++) b.send(new Uint8Array(1000), "127.0.0.1", 7000);
      await net.runFor(5000);
      assert.equal(got.length, 200);
      assert.ok(Math.abs(got[0] - 20) < 1e-9, `first at ${got[0]}`);
      assert.ok(Math.abs(got[199] - 2010) < 1e-6, `last at ${got[199]}`);
      a.close();
      b.close();
      net.close();
    }
    // Offered at twice the cap for 10 s: throughput equals the cap within 3 %, the rest is queue-dropped.
    {
      const { net, a, b } = await pair(1, { bandwidthBytesPerSec: cap, queueLimitBytes: 20_000 });
      const got = await stream(net, a, b, 2000, 5, 1000); // 1000 B every 5 ms = 200 kB/s for 10 s
      const last = got[got.length - 1].at;
      const rate = ((got.length * 1000) / last) * 1000;
      assert.ok(Math.abs(rate - cap) / cap < 0.03, `throughput ${rate} B/s`);
      const s = net.stats();
      assert.ok(s.queueDropped > 900 && s.queueDropped < 1100, `queueDropped ${s.queueDropped}`);
      assert.equal(s.delivered + s.queueDropped, 2000);
      a.close();
      b.close();
      net.close();
    }
    // Queue limit arithmetic: 10 x 1000 bytes fit a 10,000-byte queue, the 11th does not.
    {
      const { net, a, b } = await pair(1, { bandwidthBytesPerSec: cap, queueLimitBytes: 10_000 });
      for (let i = 0; i < 20; i++) b.send(new Uint8Array(1000), "127.0.0.1", 7000);
      assert.equal(net.stats().queueDropped, 10);
      a.close();
      b.close();
      net.close();
    }
  });
});

describe("MemoryNetwork: speed, manual mode and shutdown", () => {
  test("a virtual minute of two chatty hosts runs in well under a second", async () => {
    const { net, a, b, bPort } = await pair(11, { loss: 0.02, latencyMs: 25, jitterMs: 5 });
    let received = 0;
    a.onDatagram(() => received++);
    b.onDatagram(() => received++);
    const started = performance.now();
    // Like two ENet hosts: a 10 ms service tick each, 60 datagrams/s each way.
    let ticks = 0;
    const tickA = (): void => {
      ticks++;
      if (ticks % 2 === 0) a.send(new Uint8Array(200), "127.0.0.2", bPort);
      if (net.clock.now() < 60_000) net.clock.setTimeout(tickA, 10);
    };
    const tickB = (): void => {
      if (ticks % 2 === 1) b.send(new Uint8Array(200), "127.0.0.1", 7000);
      if (net.clock.now() < 60_000) net.clock.setTimeout(tickB, 10);
    };
    tickA();
    tickB();
    await net.runFor(61_000);
    const realMs = performance.now() - started;
    assert.ok(received > 5000, `received ${received}`);
    assert.ok(realMs < 1000, `a virtual minute took ${realMs} ms of real time`);
    a.close();
    b.close();
    net.close();
  });

  test("manual mode: nothing moves until clock.advance, which is fully synchronous", async () => {
    const { net, a, b } = await pair(1, { latencyMs: 40 }, { autoAdvance: false });
    const got: number[] = [];
    a.onDatagram((d) => got.push(d[0]));
    b.send(new Uint8Array([1]), "127.0.0.1", 7000);
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got, []);
    net.clock.advance(39);
    assert.deepEqual(got, []);
    net.clock.advance(1);
    assert.deepEqual(got, [1]);
    a.close();
    b.close();
    net.close();
  });

  test("runUntil waits for a condition in virtual time; close() stops the clock and settles waiters", async () => {
    const { net, a, b } = await pair(1, { latencyMs: 100 });
    let got = 0;
    a.onDatagram(() => got++);
    b.send(new Uint8Array(1), "127.0.0.1", 7000);
    assert.equal(await net.runUntil(() => got === 1, 1000), true);
    assert.equal(net.clock.now(), 100);
    assert.equal(await net.runUntil(() => got === 2, 500), false);
    assert.equal(net.clock.now(), 600);
    b.send(new Uint8Array(1), "127.0.0.1", 7000);
    // A forgotten periodic timer of code under test: close() must stop it too.
    const forever = (): void => void net.clock.setTimeout(forever, 10);
    forever();
    assert.equal(net.clock.pendingTimers(), 2);
    const waiting = net.runUntil(() => false, 60_000);
    const sleeping = net.runFor(60_000);
    net.close();
    assert.equal(net.clock.pendingTimers(), 0);
    assert.equal(await waiting, false);
    await sleeping;
    assert.ok(net.clock.now() < 60_000);
    net.clock.setTimeout(() => assert.fail("a stopped clock must not fire by itself"), 0);
    await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(net.createRuntime().createDatagramTransport().bind("127.0.0.1", 0), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
  });
});

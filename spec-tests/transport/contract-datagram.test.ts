// Transport contract, datagram half: runs on each runtime against that runtime's
// default adapter (detectRuntime()), over real loopback sockets.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { GodotError, NetError } from "../../src/errors.ts";
import { detectRuntime, resolveIo } from "../../src/transport/registry.ts";
import type { Clock, DatagramTransport, RuntimeAdapter } from "../../src/transport/types.ts";
import { currentRuntime, deferred, within } from "./support/bounded.ts";
import { ipv6LoopbackMissing } from "./support/ipv6.ts";

const runtime = detectRuntime();
const WAIT = 5000;
/**
 * How long a name that does not resolve may take to fail: the machine's resolver decides. At once
 * where DNS answers or cannot be reached; where a firewall drops the queries, glibc gives up after
 * resolv.conf's timeout (5 s) times its attempts (2) per name tried, and search domains add more
 * (a namespace whose DNS server drops everything took 10 s for no-such-host.invalid).
 */
const RESOLVE_FAILURE_WAIT = 120_000;

/** Collects datagrams and lets a test await the next one. */
class Inbox {
  readonly items: { data: Uint8Array; address: string; port: number }[] = [];
  private waiter: (() => void) | undefined;
  constructor(t: DatagramTransport) {
    t.onDatagram((data, address, port) => {
      this.items.push({ data, address, port });
      this.waiter?.();
    });
  }
  async next(what: string): Promise<{ data: Uint8Array; address: string; port: number }> {
    if (this.items.length === 0) {
      const d = deferred();
      this.waiter = d.resolve;
      await within(d.promise, WAIT, what);
      this.waiter = undefined;
    }
    return this.items.shift()!;
  }
}

async function assertNetError(p: Promise<unknown> | (() => unknown), code: GodotError, mentions: string[], waitMs = WAIT): Promise<NetError> {
  let thrown: unknown;
  try {
    await within(Promise.resolve(typeof p === "function" ? p() : p), waitMs, "the expected error");
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof NetError, `expected NetError(${GodotError[code]}), got ${String(thrown)}`);
  assert.equal(thrown.codeName, GodotError[code], thrown.message);
  for (const m of mentions) assert.ok(thrown.message.includes(m), `message "${thrown.message}" should mention ${m}`);
  return thrown;
}

async function exchange(family: 4 | 6): Promise<void> {
  const loop = family === 4 ? "127.0.0.1" : "::1";
  const a = runtime.createDatagramTransport();
  const b = runtime.createDatagramTransport();
  try {
    const ba = await within(a.bind(loop, 0), WAIT, "bind a");
    const bb = await within(b.bind(loop, 0), WAIT, "bind b");
    assert.equal(ba.address, loop);
    assert.ok(ba.port > 0 && ba.port <= 65535, `ephemeral port ${ba.port}`);
    assert.notEqual(ba.port, bb.port);
    const inA = new Inbox(a);
    const inB = new Inbox(b);
    const max = family === 4 ? 65507 : 65527;
    // Sizes from empty to the UDP maximum: the largest checks nothing truncates datagrams.
    for (const size of [0, 1, 1200, 9000, max]) {
      const payload = new Uint8Array(size);
      for (let i = 0; i < size; i++) payload[i] = (i * 31 + size) & 0xff;
      a.send(payload, loop, bb.port);
      const got = await inB.next(`${size}-byte datagram a->b over IPv${family}`);
      assert.deepEqual(got.data, payload, `${size}-byte datagram arrives intact`);
      assert.equal(got.address, loop);
      assert.equal(got.port, ba.port);
      // Reply to whoever sent it, as a server would.
      b.send(got.data, got.address, got.port);
      const back = await inA.next(`${size}-byte reply b->a over IPv${family}`);
      assert.deepEqual(back.data, payload);
      assert.equal(back.port, bb.port);
    }
    // The sender may reuse its buffer as soon as send() returns.
    const reused = new Uint8Array([1, 2, 3, 4]);
    a.send(reused, loop, bb.port);
    reused.fill(9);
    assert.deepEqual((await inB.next("datagram from a reused buffer")).data, new Uint8Array([1, 2, 3, 4]));
  } finally {
    a.close();
    b.close();
  }
}

/**
 * Datagrams the kernel dropped at the IPv4 UDP socket bound to `address`:`port` (its receive buffer
 * was full), from Linux's /proc/net/udp (the drops column, addresses in the host's byte order as
 * hex); null where that cannot be read.
 */
function kernelReceiveDrops(address: string, port: number): number | null {
  const bytes = address.split(".").map(Number);
  const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  const asWord = new DataView(Uint8Array.from(bytes).buffer).getUint32(0, littleEndianHost);
  const local = `${asWord.toString(16).toUpperCase().padStart(8, "0")}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let table: string;
  try {
    table = readFileSync("/proc/net/udp", "utf8");
  } catch {
    return null;
  }
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields.length >= 13) return Number(fields[fields.length - 1]);
  }
  return null;
}

describe(`datagram transport contract (${runtime.name})`, () => {
  test("detectRuntime picks this runtime's adapter; explicit choices win", () => {
    assert.equal(runtime.name, currentRuntime());
    assert.equal(detectRuntime(), runtime, "cached");
    const io = resolveIo();
    assert.equal(io.runtime, runtime);
    assert.equal(io.clock, runtime.clock);
    const clock: Clock = { now: () => 42, setTimeout: () => 0, clearTimeout: () => {} };
    const other = { ...runtime, name: "memory" } as RuntimeAdapter;
    const explicit = resolveIo({ runtime: other, clock });
    assert.equal(explicit.runtime, other);
    assert.equal(explicit.clock, clock);
    assert.equal(resolveIo({ runtime: other }).clock, other.clock);
  });

  test("the real clock is monotonic milliseconds and its timers fire", async () => {
    const c = runtime.clock;
    const t0 = c.now();
    const fired = deferred<number>();
    c.setTimeout(() => fired.resolve(c.now()), 20);
    const cancelled = c.setTimeout(() => fired.reject(new Error("cleared timer fired")), 5);
    c.clearTimeout(cancelled);
    const t1 = await within(fired.promise, WAIT, "clock timer");
    assert.ok(t1 - t0 >= 15 && t1 - t0 < 2000, `elapsed ${t1 - t0} ms`);
  });

  test("datagrams both ways over IPv4 127.0.0.1, empty to 65507 bytes", () => exchange(4));

  const no6 = ipv6LoopbackMissing();
  if (no6) console.log(`skipping IPv6 datagram test: ${no6}`);
  test("datagrams both ways over IPv6 ::1, empty to 65527 bytes", { skip: no6 ?? false }, () => exchange(6));

  test("received datagrams are handed over owned: an ArrayBuffer each, exactly their size, never rewritten", async () => {
    const a = runtime.createDatagramTransport();
    const b = runtime.createDatagramTransport();
    try {
      await within(a.bind("127.0.0.1", 0), WAIT, "bind a");
      const bb = await within(b.bind("127.0.0.1", 0), WAIT, "bind b");
      const got: { data: Uint8Array; owned: boolean | undefined }[] = [];
      const d = deferred();
      b.onDatagram((data, _address, _port, owned) => {
        got.push({ data, owned });
        if (got.length === 3) d.resolve();
      });
      // The adapters that read into a reused buffer (Deno) must copy: later datagrams must not show through.
      const sizes = [1200, 300, 1200];
      for (const [i, size] of sizes.entries()) a.send(new Uint8Array(size).fill(i + 1), "127.0.0.1", bb.port);
      await within(d.promise, WAIT, "three datagrams");
      // UDP keeps no order (Deno sends a burst made right after binding in reverse), so each is told by its fill.
      const fills = got.map(({ data }) => data[0]!).sort();
      assert.deepEqual(fills, [1, 2, 3]);
      for (const { data, owned } of got) {
        const fill = data[0]!;
        // ENet hands out views of owned datagrams (a packet filling most of one), so this is the adapter's promise to keep.
        assert.equal(owned, true, `datagram ${fill} handed over owned`);
        assert.equal(data.length, sizes[fill - 1]);
        assert.equal(data.byteOffset, 0);
        assert.equal(data.buffer.byteLength, data.length, "an ArrayBuffer exactly its size");
        assert.ok(data.every((x) => x === fill), `datagram ${fill} intact after the others arrived`);
      }
      assert.equal(new Set(got.map(({ data }) => data.buffer)).size, 3, "three ArrayBuffers");
    } finally {
      a.close();
      b.close();
    }
  });

  // Only Bun's adapter has a batch send (sendMany); ENetConnection uses it when it is there.
  const noBatch = runtime.createDatagramTransport().sendBatch === undefined ? `the ${runtime.name} adapter sends one datagram per call` : false;
  test("sendBatch sends every datagram of a batch, skipping and counting one send() would refuse", { skip: noBatch }, async () => {
    const a = runtime.createDatagramTransport();
    const b = runtime.createDatagramTransport();
    try {
      await within(a.bind("127.0.0.1", 0), WAIT, "bind a");
      const bb = await within(b.bind("127.0.0.1", 0), WAIT, "bind b");
      const got: Uint8Array[] = [];
      const d = deferred();
      b.onDatagram((data) => {
        got.push(data);
        if (got.length === 40) d.resolve();
      });
      const batch: (Uint8Array | string | number)[] = [];
      for (let i = 1; i <= 40; i++) {
        batch.push(new Uint8Array(20 * i).fill(i), "127.0.0.1", bb.port);
        // Refused like send() refuses them: too large for UDP, and a port out of range.
        if (i === 10) batch.push(new Uint8Array(65508), "127.0.0.1", bb.port);
        if (i === 20) batch.push(new Uint8Array(8), "127.0.0.1", 70000);
      }
      assert.equal(a.sendBatch!(batch), 2);
      await within(d.promise, WAIT, "forty datagrams");
      const fills = got.map((data) => data[0]!).sort((x, y) => x - y);
      assert.deepEqual(fills, Array.from({ length: 40 }, (_, i) => i + 1));
      for (const data of got) assert.ok(data.length === 20 * data[0]! && data.every((x) => x === data[0]), `datagram ${data[0]} intact`);
      a.close();
      assert.equal(a.sendBatch!([new Uint8Array(4), "127.0.0.1", bb.port]), 1, "a closed socket refuses");
    } finally {
      a.close();
      b.close();
    }
  });

  test('wildcard "*" binds every interface and reports IPv4 peers unmapped', async () => {
    const server = runtime.createDatagramTransport();
    const client = runtime.createDatagramTransport();
    try {
      const bs = await within(server.bind("*", 0), WAIT, "bind *");
      const bc = await within(client.bind("127.0.0.1", 0), WAIT, "bind client");
      const inS = new Inbox(server);
      const inC = new Inbox(client);
      client.send(new Uint8Array([7]), "127.0.0.1", bs.port);
      const got = await inS.next("datagram to wildcard socket");
      assert.equal(got.address, "127.0.0.1", "IPv4 peer seen as a plain IPv4 address");
      assert.equal(got.port, bc.port);
      server.send(new Uint8Array([8]), got.address, got.port);
      assert.deepEqual((await inC.next("reply from wildcard socket")).data, new Uint8Array([8]));
    } finally {
      server.close();
      client.close();
    }
  });

  test('wildcard "*" is one port for both families: IPv4 and IPv6 peers, IPv4-mapped destinations, and the port is taken for both', async () => {
    const no6 = ipv6LoopbackMissing();
    const server = runtime.createDatagramTransport();
    const v4 = runtime.createDatagramTransport();
    const v6 = runtime.createDatagramTransport();
    const rival = runtime.createDatagramTransport();
    try {
      const { port } = await within(server.bind("*", 0), WAIT, "bind *");
      const p4 = (await within(v4.bind("127.0.0.1", 0), WAIT, "bind IPv4 client")).port;
      const inS = new Inbox(server);
      const in4 = new Inbox(v4);
      v4.send(Uint8Array.of(1), "127.0.0.1", port);
      const from4 = await inS.next("IPv4 datagram to the wildcard socket");
      assert.deepEqual([from4.address, from4.port], ["127.0.0.1", p4]);
      server.send(Uint8Array.of(2), "127.0.0.1", p4);
      server.send(Uint8Array.of(3), "::ffff:127.0.0.1", p4);
      const replies = [(await in4.next("reply to IPv4")).data[0], (await in4.next("reply to the IPv4-mapped form")).data[0]];
      assert.deepEqual(replies.sort(), [2, 3]);
      assert.equal(in4.items.length, 0);
      if (!no6) {
        const p6 = (await within(v6.bind("::1", 0), WAIT, "bind IPv6 client")).port;
        const in6 = new Inbox(v6);
        v6.send(Uint8Array.of(4), "::1", port);
        const from6 = await inS.next("IPv6 datagram to the wildcard socket");
        assert.deepEqual([from6.address, from6.port], ["::1", p6]);
        server.send(Uint8Array.of(5), "::1", p6);
        assert.equal((await in6.next("reply to IPv6")).data[0], 5);
        await assertNetError(rival.bind("::1", port), GodotError.ERR_ALREADY_IN_USE, [String(port)]);
      }
      // Taken for IPv4 too, as one dual-stack socket would be.
      await assertNetError(rival.bind("127.0.0.1", port), GodotError.ERR_ALREADY_IN_USE, [String(port)]);
    } finally {
      server.close();
      v4.close();
      v6.close();
      rival.close();
    }
  });

  test('binding "*" at a port another socket holds for IPv4 only is NetError(ERR_ALREADY_IN_USE)', async () => {
    const holder = runtime.createDatagramTransport();
    const t = runtime.createDatagramTransport();
    try {
      const { port } = await within(holder.bind("0.0.0.0", 0), WAIT, "bind 0.0.0.0");
      await assertNetError(t.bind("*", port), GodotError.ERR_ALREADY_IN_USE, [String(port)]);
      const ok = await within(t.bind("*", 0), WAIT, "bind * after the failure");
      assert.ok(ok.port > 0);
    } finally {
      holder.close();
      t.close();
    }
  });

  test("binding a port in use is NetError(ERR_ALREADY_IN_USE) naming the port", async () => {
    const a = runtime.createDatagramTransport();
    const b = runtime.createDatagramTransport();
    try {
      const { port } = await within(a.bind("127.0.0.1", 0), WAIT, "bind");
      await assertNetError(b.bind("127.0.0.1", port), GodotError.ERR_ALREADY_IN_USE, [String(port)]);
      // The failed socket is reusable for another bind.
      const ok = await within(b.bind("127.0.0.1", 0), WAIT, "rebind after failure");
      assert.ok(ok.port > 0);
      await assertNetError(b.bind("127.0.0.1", 0), GodotError.ERR_ALREADY_IN_USE, ["already"]);
    } finally {
      a.close();
      b.close();
    }
  });

  test("bad addresses: invalid syntax, unresolvable name, not on this machine", async () => {
    const t = runtime.createDatagramTransport();
    try {
      await assertNetError(t.bind("not an address!", 0), GodotError.ERR_INVALID_PARAMETER, ["not an address!"]);
      await assertNetError(t.bind("256.1.1.1", 0), GodotError.ERR_INVALID_PARAMETER, ["256.1.1.1"]);
      await assertNetError(t.bind("no-such-host.invalid", 0), GodotError.ERR_CANT_RESOLVE, ["no-such-host.invalid"], RESOLVE_FAILURE_WAIT);
      // 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface.
      await assertNetError(t.bind("192.0.2.1", 0), GodotError.ERR_INVALID_PARAMETER, ["192.0.2.1"]);
      await assert.rejects(() => t.bind(42 as unknown as string, 0), TypeError);
    } finally {
      t.close();
    }
  });

  test("ports outside 0..65535 are RangeErrors naming the value", async () => {
    const t = runtime.createDatagramTransport();
    try {
      for (const bad of [-1, 65536, 1.5, Number.NaN]) {
        await assert.rejects(() => t.bind("127.0.0.1", bad), (e: unknown) => e instanceof RangeError && e.message.includes(String(bad)));
      }
      const { port } = await within(t.bind("127.0.0.1", 0), WAIT, "bind");
      assert.ok(port > 0);
      for (const bad of [0, -1, 65536, 2.5]) {
        assert.throws(() => t.send(new Uint8Array(1), "127.0.0.1", bad), (e: unknown) => e instanceof RangeError && e.message.includes(String(bad)));
      }
    } finally {
      t.close();
    }
  });

  test("oversize datagrams are RangeErrors; bad destinations and closed sockets are NetErrors", async () => {
    const t = runtime.createDatagramTransport();
    assert.throws(() => t.send(new Uint8Array(1), "127.0.0.1", 9), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
    try {
      await within(t.bind("127.0.0.1", 0), WAIT, "bind");
      assert.throws(() => t.send(new Uint8Array(65508), "127.0.0.1", 9), (e: unknown) => e instanceof RangeError && /65508/.test(e.message) && /65507/.test(e.message));
      assert.throws(() => t.send(new Uint8Array(65528), "::1", 9), (e: unknown) => e instanceof RangeError && /65528/.test(e.message));
      assert.throws(() => t.send(new Uint8Array(1), "localhost", 9), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER && e.message.includes("localhost"));
      // An IPv4-bound socket cannot reach an IPv6 address: said, not silently dropped.
      assert.throws(() => t.send(new Uint8Array(1), "::1", 9), (e: unknown) => e instanceof NetError && e.message.includes("::1"));
      assert.throws(() => t.send("text" as unknown as Uint8Array, "127.0.0.1", 9), TypeError);
    } finally {
      t.close();
    }
    assert.throws(() => t.send(new Uint8Array(1), "127.0.0.1", 9), (e: unknown) => e instanceof NetError && /closed/.test(e.message));
    t.close(); // idempotent
  });

  test("after close() no datagram is delivered and the port is free again", async () => {
    const a = runtime.createDatagramTransport();
    const b = runtime.createDatagramTransport();
    let delivered = 0;
    try {
      const { port } = await within(a.bind("127.0.0.1", 0), WAIT, "bind");
      a.onDatagram(() => delivered++);
      a.close();
      await within(b.bind("127.0.0.1", 0), WAIT, "bind sender");
      b.send(new Uint8Array([1]), "127.0.0.1", port);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(delivered, 0);
      const again = runtime.createDatagramTransport();
      try {
        assert.equal((await within(again.bind("127.0.0.1", port), WAIT, "rebind freed port")).port, port);
      } finally {
        again.close();
      }
    } finally {
      a.close();
      b.close();
    }
  });

  test("a destination that closed does not stop the socket: later sends and batches to others still go out, and nothing throws", async () => {
    // A send to a closed port earns an ICMP "port unreachable". Bun reports it by throwing
    // ECONNREFUSED from the socket's next send, whatever its destination, and sendMany stops
    // there; a server must keep serving its other peers when one client vanished.
    const a = runtime.createDatagramTransport();
    const live = runtime.createDatagramTransport();
    const gone = runtime.createDatagramTransport();
    try {
      await within(a.bind("127.0.0.1", 0), WAIT, "bind sender");
      const livePort = (await within(live.bind("127.0.0.1", 0), WAIT, "bind receiver")).port;
      const gonePort = (await within(gone.bind("127.0.0.1", 0), WAIT, "bind the one that leaves")).port;
      gone.close();
      const inbox = new Inbox(live);
      const tag = (n: number): Uint8Array => Uint8Array.of(n);
      let expected = 0;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 3; i++) a.send(tag(0), "127.0.0.1", gonePort);
        await new Promise((r) => setTimeout(r, 10)); // the ICMP errors come back
        a.send(tag(1), "127.0.0.1", livePort);
        expected++;
        if (a.sendBatch) {
          assert.equal(a.sendBatch([tag(0), "127.0.0.1", gonePort, tag(2), "127.0.0.1", livePort, tag(0), "127.0.0.1", gonePort, tag(3), "127.0.0.1", livePort]), 0);
          expected += 2;
          await new Promise((r) => setTimeout(r, 10));
          assert.equal(a.sendBatch([tag(4), "127.0.0.1", livePort, tag(5), "127.0.0.1", livePort]), 0);
          expected += 2;
        }
      }
      const got: number[] = [];
      while (got.length < expected) got.push((await inbox.next(`datagram ${got.length + 1} of ${expected} to the live peer`)).data[0]!);
      assert.deepEqual(got.filter((n) => n === 1).length, 3);
      assert.ok(got.every((n) => n !== 0));
    } finally {
      a.close();
      live.close();
      gone.close();
    }
  });

  test("node: a burst of sends through the copy pool arrives intact, and a lasting send failure is counted on every send", { skip: runtime.name !== "node" }, async () => {
    // Node's adapter copies outgoing datagrams into a reused pool and asks dgram for the outcome
    // of one send in 64 only, and of every send while those fail (node.ts, sendsBeforeOutcome).
    const { NodeDatagramTransport } = await import("../../src/transport/node.ts");
    const a = new NodeDatagramTransport();
    const b = new NodeDatagramTransport();
    try {
      await within(a.bind("127.0.0.1", 0), WAIT, "bind a");
      const port = (await within(b.bind("127.0.0.1", 0), WAIT, "bind b")).port;
      const inbox = new Inbox(b);
      // Several pools' worth, sent back to back from one reused buffer.
      const count = 400;
      const payload = new Uint8Array(1200);
      for (let n = 0; n < count; n++) {
        payload.fill(n & 0xff);
        payload[0] = n >> 8;
        a.send(payload, "127.0.0.1", port);
      }
      const seen = new Set<number>();
      let arrived = 0;
      while (seen.size < count) {
        // Loopback may drop some of a burst (a full receive buffer); what arrives must be whole.
        const got = await inbox.next(`datagram ${seen.size + 1} of the burst`).catch(() => null);
        if (got === null) break;
        arrived++;
        const n = (got.data[0]! << 8) | got.data[1]!;
        assert.equal(got.data.length, 1200);
        for (let i = 1; i < 1200; i++) assert.equal(got.data[i], n & 0xff, `byte ${i} of datagram ${n}`);
        seen.add(n);
      }
      // How much of the burst the kernel keeps depends on the machine: the receive buffer Node
      // asks for (4 MiB) is capped at net.core.rmem_max, 8 MiB granted here but 416 KiB with
      // Linux's default, where fewer than half of the 400 fit. So the kernel's own count of what
      // it dropped for a full buffer accounts for the rest, where it can be read.
      const dropped = kernelReceiveDrops("127.0.0.1", port);
      if (dropped !== null) {
        assert.equal(arrived, seen.size, "no datagram arrived twice");
        assert.equal(arrived + dropped, count, `every datagram arrives or is dropped by the kernel for a full receive buffer (${arrived} arrived, ${dropped} dropped)`);
      } else {
        assert.ok(seen.size >= count / 2, `most of the burst arrives (${seen.size} of ${count})`);
      }

      // A broadcast without SO_BROADCAST fails at once (EACCES), on every send. The failure is
      // seen at the next sampled send (within 64) and from then on every send is counted.
      const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
      assert.equal(a.sendErrors, 0);
      for (let n = 0; n < 64; n++) a.send(Uint8Array.of(n), "255.255.255.255", port);
      await settle();
      assert.ok(a.sendErrors >= 1, "a lasting failure is seen within 64 sends");
      assert.match(String(a.lastSendError), /EACCES/);
      const before = a.sendErrors;
      for (let n = 0; n < 5; n++) a.send(Uint8Array.of(n), "255.255.255.255", port);
      await settle();
      assert.equal(a.sendErrors, before + 5, "each failing send is counted while the failure lasts");
      // A success ends it: the next failure goes unseen until the next sampled send.
      a.send(Uint8Array.of(1), "127.0.0.1", port);
      await settle();
      a.send(Uint8Array.of(2), "255.255.255.255", port);
      await settle();
      assert.equal(a.sendErrors, before + 5);
    } finally {
      a.close();
      b.close();
    }
  });
});

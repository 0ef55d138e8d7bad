// Godot's IP on the simulated network (a MemoryNetwork answers from its own name table and has one
// interface per virtual host): the promise and queue forms of resolution, the bounded cache, the
// bounded queue, Godot's text form of addresses, argument errors, and the browser's refusal.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, IP, IPType, NetError, RESOLVE_CACHE_CAPACITY, ResolverStatus } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { godotIpText } from "../../src/transport/memory-address.ts";
import { browserRuntime } from "../../src/transport/browser.ts";
import type { RuntimeAdapter } from "../../src/transport/types.ts";

function world(host = "10.0.0.1") {
  const net = new MemoryNetwork({ seed: 1 });
  net.setHostName("game.lan", "10.0.0.5");
  net.setHostName("six.lan", "fd00::0005");
  return { net, ip: new IP({ runtime: net.createRuntime(host) }) };
}

/** Let pending promise callbacks run (the memory resolver answers in microtasks). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("IP on the simulated network", () => {
  test("Godot 4.6's constants", () => {
    assert.deepEqual([IP.TYPE_NONE, IP.TYPE_IPV4, IP.TYPE_IPV6, IP.TYPE_ANY], [0, 1, 2, 3]);
    assert.deepEqual([IP.RESOLVER_STATUS_NONE, IP.RESOLVER_STATUS_WAITING, IP.RESOLVER_STATUS_DONE, IP.RESOLVER_STATUS_ERROR], [0, 1, 2, 3]);
    assert.equal(IP.RESOLVER_MAX_QUERIES, 256);
    assert.equal(IP.RESOLVER_INVALID_ID, -1);
    assert.equal(IPType.TYPE_ANY, 3);
    assert.equal(ResolverStatus.RESOLVER_STATUS_ERROR, 3);
  });

  test("resolveHostname / resolveHostnameAddresses: names, types, literals, Godot's text form, failures as empty results", async () => {
    const { ip } = world();
    assert.equal(await ip.resolveHostname("game.lan"), "10.0.0.5");
    assert.equal(await ip.resolveHostname("game.lan", IP.TYPE_IPV4), "10.0.0.5");
    assert.equal(await ip.resolveHostname("game.lan", IP.TYPE_IPV6), "");
    assert.deepEqual(await ip.resolveHostnameAddresses("six.lan", IP.TYPE_ANY), ["fd00:0:0:0:0:0:0:5"]);
    assert.deepEqual(await ip.resolveHostnameAddresses("six.lan", IP.TYPE_IPV4), []);
    assert.equal(await ip.resolveHostname("localhost"), "127.0.0.1");
    // Literals are read, not looked up, and fail for the other family as getaddrinfo does.
    assert.equal(await ip.resolveHostname("::1"), "0:0:0:0:0:0:0:1");
    assert.equal(await ip.resolveHostname("::1", IP.TYPE_IPV4), "");
    assert.equal(await ip.resolveHostname("127.0.0.1", IP.TYPE_IPV6), "");
    assert.equal(await ip.resolveHostname("::ffff:192.0.2.7"), "192.0.2.7");
    assert.equal(await ip.resolveHostname("fe80::1%eth0", IP.TYPE_IPV6), "fe80:0:0:0:0:0:0:1");
    assert.equal(await ip.resolveHostname("unknown.lan"), "");
    assert.equal(await ip.resolveHostname("not a name!"), "");
    assert.equal(await ip.resolveHostname(""), "");
  });

  test("Godot's text form of an address", () => {
    assert.equal(godotIpText("::"), "0:0:0:0:0:0:0:0");
    assert.equal(godotIpText("2001:DB8::00a0:1"), "2001:db8:0:0:0:0:a0:1");
    assert.equal(godotIpText("::ffff:10.1.2.3"), "10.1.2.3");
    assert.equal(godotIpText("10.1.2.3"), "10.1.2.3");
    assert.equal(godotIpText("localhost"), null);
  });

  test("the cache answers until cleared, per name or whole; failures are not cached", async () => {
    const { net, ip } = world();
    assert.equal(await ip.resolveHostname("game.lan"), "10.0.0.5");
    assert.equal(await ip.resolveHostname("unknown.lan"), "");
    net.setHostName("game.lan", "10.0.0.6");
    net.setHostName("unknown.lan", "10.0.0.9");
    assert.equal(await ip.resolveHostname("game.lan"), "10.0.0.5");
    assert.equal(await ip.resolveHostname("unknown.lan"), "10.0.0.9");
    ip.clearCache("game.lan");
    assert.equal(await ip.resolveHostname("game.lan"), "10.0.0.6");
    net.setHostName("game.lan", "10.0.0.7");
    net.setHostName("unknown.lan", "10.0.0.10");
    ip.clearCache();
    assert.equal(await ip.resolveHostname("game.lan"), "10.0.0.7");
    assert.equal(await ip.resolveHostname("unknown.lan"), "10.0.0.10");
  });

  test(`the cache holds at most RESOLVE_CACHE_CAPACITY (${RESOLVE_CACHE_CAPACITY}) resolutions, forgetting the oldest`, async () => {
    const { net, ip } = world();
    const names = Array.from({ length: RESOLVE_CACHE_CAPACITY + 1 }, (_, i) => `h${i}.lan`);
    names.forEach((n, i) => net.setHostName(n, `10.1.${i >> 8}.${i & 255}`));
    for (const n of names) await ip.resolveHostname(n);
    net.setHostName("h0.lan", "10.9.9.9");
    net.setHostName("h1.lan", "10.9.9.9");
    // h1 first: resolving the forgotten h0 again caches it anew and pushes h1 out.
    assert.equal(await ip.resolveHostname("h1.lan"), "10.1.0.1");
    assert.equal(await ip.resolveHostname("h0.lan"), "10.9.9.9");
  });

  test("the queue: WAITING then DONE or ERROR, lowest free id, erase frees it, a cached name is DONE at once", async () => {
    const { ip } = world();
    const id = ip.resolveHostnameQueueItem("game.lan", IP.TYPE_IPV4);
    assert.equal(id, 0);
    assert.equal(ip.getResolveItemStatus(id), IP.RESOLVER_STATUS_WAITING);
    assert.equal(ip.getResolveItemAddress(id), "");
    assert.deepEqual(ip.getResolveItemAddresses(id), []);
    const bad = ip.resolveHostnameQueueItem("unknown.lan");
    assert.equal(bad, 1);
    await settle();
    assert.equal(ip.getResolveItemStatus(id), IP.RESOLVER_STATUS_DONE);
    assert.equal(ip.getResolveItemAddress(id), "10.0.0.5");
    assert.deepEqual(ip.getResolveItemAddresses(id), ["10.0.0.5"]);
    assert.equal(ip.getResolveItemStatus(bad), IP.RESOLVER_STATUS_ERROR);
    assert.equal(ip.getResolveItemAddress(bad), "");
    ip.eraseResolveItem(id);
    assert.equal(ip.getResolveItemStatus(id), IP.RESOLVER_STATUS_NONE);
    const again = ip.resolveHostnameQueueItem("game.lan", IP.TYPE_IPV4);
    assert.equal(again, 0);
    assert.equal(ip.getResolveItemStatus(again), IP.RESOLVER_STATUS_DONE);
  });

  test("an item erased while resolving forgets its answer; the id's next item keeps its own", async () => {
    const { ip } = world();
    const first = ip.resolveHostnameQueueItem("game.lan");
    ip.eraseResolveItem(first);
    const second = ip.resolveHostnameQueueItem("unknown.lan");
    assert.equal(second, first);
    await settle();
    assert.equal(ip.getResolveItemStatus(second), IP.RESOLVER_STATUS_ERROR);
    assert.deepEqual(ip.getResolveItemAddresses(second), []);
  });

  test("at most RESOLVER_MAX_QUERIES items: the next gets RESOLVER_INVALID_ID until one is erased", async () => {
    const { ip } = world();
    const ids = Array.from({ length: IP.RESOLVER_MAX_QUERIES }, () => ip.resolveHostnameQueueItem("game.lan"));
    assert.deepEqual(ids, Array.from({ length: 256 }, (_, i) => i));
    assert.equal(ip.resolveHostnameQueueItem("game.lan"), IP.RESOLVER_INVALID_ID);
    ip.eraseResolveItem(17);
    assert.equal(ip.resolveHostnameQueueItem("game.lan"), 17);
    await settle();
    assert.ok(ids.every((i) => ip.getResolveItemStatus(i) === IP.RESOLVER_STATUS_DONE));
  });

  test("a resolver that fails in any way leaves an ERROR item, never an unhandled rejection", async () => {
    const net = new MemoryNetwork({ seed: 1 });
    const base = net.createRuntime("10.0.0.1");
    const broken: RuntimeAdapter = { ...base, resolveAll: () => Promise.reject(new Error("resolver crashed")) };
    const ip = new IP({ runtime: broken });
    const id = ip.resolveHostnameQueueItem("game.lan");
    await settle();
    assert.equal(ip.getResolveItemStatus(id), IP.RESOLVER_STATUS_ERROR);
    await assert.rejects(ip.resolveHostname("game.lan"), /resolver crashed/);
  });

  test("wrong arguments: TypeError for the kind, RangeError for the range (async methods reject)", async () => {
    const { ip } = world();
    const loose = ip as unknown as Record<string, (...a: unknown[]) => unknown>;
    await assert.rejects(ip.resolveHostname(42 as unknown as string), TypeError);
    await assert.rejects(ip.resolveHostnameAddresses("game.lan", 4 as IPType), RangeError);
    await assert.rejects(ip.resolveHostname("game.lan", 1.5 as IPType), TypeError);
    assert.throws(() => loose.resolveHostnameQueueItem!.call(ip, null), TypeError);
    assert.throws(() => ip.resolveHostnameQueueItem("game.lan", -1 as IPType), RangeError);
    assert.throws(() => ip.getResolveItemStatus(IP.RESOLVER_INVALID_ID), RangeError);
    assert.throws(() => ip.getResolveItemAddress(IP.RESOLVER_MAX_QUERIES), RangeError);
    assert.throws(() => ip.getResolveItemAddresses(0.5), TypeError);
    assert.throws(() => ip.eraseResolveItem(256), RangeError);
    assert.throws(() => loose.clearCache!.call(ip, 7), TypeError);
    assert.equal(ip.getResolveItemStatus(5), IP.RESOLVER_STATUS_NONE);
  });

  test("local interfaces: the virtual host's own address (and its loopback twin), in Godot's dictionary shape", () => {
    const { ip } = world("10.0.0.1");
    assert.deepEqual(ip.getLocalInterfaces(), [{ name: "mem0", friendly: "mem0", index: "1", addresses: ["10.0.0.1"] }]);
    assert.deepEqual(ip.getLocalAddresses(), ["10.0.0.1"]);
    const loop = world("127.0.0.1").ip;
    assert.deepEqual(loop.getLocalAddresses(), ["127.0.0.1", "0:0:0:0:0:0:0:1"]);
  });

  test("a web page has neither: NetError(ERR_UNAVAILABLE) saying so; literals still read", async () => {
    const ip = new IP({ runtime: browserRuntime });
    await assert.rejects(ip.resolveHostname("example.com"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE && /cannot resolve host names/.test(e.message));
    assert.throws(() => ip.resolveHostnameQueueItem("example.com"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    assert.equal(ip.getResolveItemStatus(0), IP.RESOLVER_STATUS_NONE);
    assert.throws(() => ip.getLocalInterfaces(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE && /cannot list network interfaces/.test(e.message));
    assert.throws(() => ip.getLocalAddresses(), NetError);
    assert.equal(await ip.resolveHostname("192.0.2.1"), "192.0.2.1");
  });
});

// Godot's IP on the runtime this runs on (Node, Deno, Bun): the OS resolver and node:os's interfaces.
// Nothing here needs a network beyond loopback.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { IP } from "../../src/index.ts";

describe("IP on this runtime", () => {
  test("localhost and IP literals resolve through the OS resolver, in Godot's text form", async () => {
    const ip = new IP();
    assert.equal(await ip.resolveHostname("localhost", IP.TYPE_IPV4), "127.0.0.1");
    assert.ok((await ip.resolveHostnameAddresses("localhost")).length >= 1);
    assert.deepEqual(await ip.resolveHostnameAddresses("localhost", IP.TYPE_IPV4), ["127.0.0.1"]);
    assert.equal(await ip.resolveHostname("192.0.2.9", IP.TYPE_ANY), "192.0.2.9");
    assert.equal(await ip.resolveHostname("::1", IP.TYPE_IPV6), "0:0:0:0:0:0:0:1");
    assert.equal(await ip.resolveHostname("::1", IP.TYPE_IPV4), "");
    assert.equal(await ip.resolveHostname("no such host!"), "");
  });

  test("the static members are Godot's singleton: IP.resolveHostname ports as written", async () => {
    assert.equal(IP.getSingleton(), IP.getSingleton());
    assert.equal(await IP.resolveHostname("localhost", IP.TYPE_IPV4), "127.0.0.1");
    assert.deepEqual(IP.getLocalAddresses(), IP.getSingleton().getLocalAddresses());
  });

  test("the queue resolves localhost in the background", async () => {
    const ip = new IP();
    const id = ip.resolveHostnameQueueItem("localhost", IP.TYPE_IPV4);
    assert.equal(ip.getResolveItemStatus(id), IP.RESOLVER_STATUS_WAITING);
    const end = Date.now() + 5000;
    while (ip.getResolveItemStatus(id) === IP.RESOLVER_STATUS_WAITING && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    assert.equal(ip.getResolveItemStatus(id), IP.RESOLVER_STATUS_DONE);
    assert.equal(ip.getResolveItemAddress(id), "127.0.0.1");
    ip.eraseResolveItem(id);
  });

  test("local interfaces include loopback; addresses carry no %scope and match getLocalAddresses", () => {
    const ip = new IP();
    const interfaces = ip.getLocalInterfaces();
    const loopback = interfaces.find((i) => i.addresses.includes("127.0.0.1"));
    assert.ok(loopback, JSON.stringify(interfaces));
    assert.equal(loopback.friendly, loopback.name);
    assert.match(loopback.index, /^\d+$/);
    assert.ok(Number(loopback.index) > 0);
    assert.deepEqual(ip.getLocalAddresses(), interfaces.flatMap((i) => i.addresses));
    assert.ok(ip.getLocalAddresses().every((a) => !a.includes("%")));
  });
});

// connectToHost takes host names as Godot does (the OS resolver), not only IP literals.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection } from "../../src/enet/connection.ts";
import { EventType } from "../../src/enet/enums.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { collect } from "./collect.ts";

describe("ENetConnection.connectToHost name resolution", () => {
  test("a name that does not resolve rejects with NetError(ERR_CANT_RESOLVE) naming it", async () => {
    const client = new ENetConnection();
    await client.createHost({ maxPeers: 1 });
    try {
      await assert.rejects(client.connectToHost("no-such-host.invalid", 7777), (e: unknown) => {
        assert.ok(e instanceof NetError);
        assert.equal(e.code, GodotError.ERR_CANT_RESOLVE);
        assert.match(e.message, /no-such-host\.invalid/);
        return true;
      });
    } finally {
      client.destroy();
    }
  });

  test("localhost connects to a host bound on 127.0.0.1", async () => {
    const server = new ENetConnection();
    await server.createHostBound("127.0.0.1", 0, { maxPeers: 2 });
    const client = new ENetConnection();
    await client.createHost({ maxPeers: 1 });
    try {
      await client.connectToHost("localhost", server.getLocalPort());
      const deadline = Date.now() + 5000;
      let connected = false;
      while (!connected && Date.now() < deadline) {
        if ((await server.service(5)).type === EventType.CONNECT) connected = true;
        await client.service(5);
      }
      assert.ok(connected, "the server saw the client connect");
    } finally {
      client.destroy();
      server.destroy();
    }
  });

  test("on a MemoryNetwork, names resolve through the runtime adapter's own table, never real DNS", async () => {
    const net = new MemoryNetwork({ seed: 7 });
    net.setHostName("game.example", "10.0.0.1");
    const server = new ENetConnection({ runtime: net.createRuntime("10.0.0.1") });
    await server.createHostBound("10.0.0.1", 7777, { maxPeers: 2 });
    const client = new ENetConnection({ runtime: net.createRuntime("10.0.0.2") });
    await client.createHost({ maxPeers: 1 });
    try {
      const peer = await client.connectToHost("game.example", 7777);
      assert.equal(peer.getRemoteAddress(), "10.0.0.1", "the simulated table answered");
      const sv = collect(server);
      const cl = collect(client);
      assert.ok(await net.runUntil(() => sv.events.some((e) => e.type === EventType.CONNECT) && cl.events.length > 0, 5000), "connected by name");
      // A name only real DNS knows is unknown on the simulated network.
      await assert.rejects(client.socketSend("localhost.invalid", 7777, new Uint8Array(1)), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_RESOLVE && /simulated network/.test(e.message));
    } finally {
      client.destroy();
      server.destroy();
    }
  });
});

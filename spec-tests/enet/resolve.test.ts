// connectToHost takes host names as Godot does (the OS resolver), not only IP literals.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection } from "../../src/enet/connection.ts";
import { EventType } from "../../src/enet/enums.ts";
import { GodotError, NetError } from "../../src/errors.ts";

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
});

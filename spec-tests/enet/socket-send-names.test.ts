// ENetConnection.socketSend takes host names as Godot's socket_send does (IP::resolve_hostname);
// an IP literal is still sent at once. Real UDP on 127.0.0.1, a few milliseconds.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection } from "../../src/enet/connection.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { detectRuntime } from "../../src/transport/registry.ts";

describe("ENetConnection.socketSend with host names", () => {
  test("a name is resolved and the datagram sent; an IP literal goes at once; bad arguments reject", async () => {
    const rt = detectRuntime();
    const raw = rt.createDatagramTransport();
    const { port } = await raw.bind("127.0.0.1", 0);
    const got: number[][] = [];
    raw.onDatagram((d) => got.push([...d]));
    const host = new ENetConnection();
    await host.createHostBound("127.0.0.1", 0, { maxPeers: 1 });
    try {
      await host.socketSend("localhost", port, new Uint8Array([1, 2]));
      await host.socketSend("127.0.0.1", port, new Uint8Array([3]));
      for (let i = 0; i < 1000 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(got.sort((a, b) => a.length - b.length), [[3], [1, 2]]);
      await assert.rejects(host.socketSend("", port, new Uint8Array(1)), TypeError);
      await assert.rejects(host.socketSend("127.0.0.1", 0, new Uint8Array(1)), RangeError);
      await assert.rejects(host.socketSend("bad name!", port, new Uint8Array(1)), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    } finally {
      host.destroy();
      raw.close();
    }
  });
});

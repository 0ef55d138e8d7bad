// Received datagrams wait in the connection's inbox until the host runs (service(), poll(),
// flush()), as C ENet reads its socket inside enet_host_service; the inbox is bounded.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PeerState } from "../../src/enet/index.ts";
import { INBOX_MAX_DATAGRAMS } from "../../src/enet/datagram-inbox.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";

async function server(net: MemoryNetwork): Promise<ENetConnection> {
  const s = new ENetConnection({ runtime: net.createRuntime("10.0.0.1") });
  await s.createHostBound("10.0.0.1", 7777, { maxPeers: 4, maxChannels: 2 });
  return s;
}

/** A bare UDP socket on host `address` of the memory network, for sending raw datagrams. */
async function rawSocket(net: MemoryNetwork, address: string) {
  const socket = net.createRuntime(address).createDatagramTransport();
  await socket.bind(address, 0);
  return socket;
}

describe("the datagram inbox", () => {
  test("a received CONNECT reaches the protocol only when the host runs", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 2 } });
    try {
      const s = await server(net);
      const client = new ENetConnection({ runtime: net.createRuntime("10.0.0.2") });
      await client.createHost({ maxPeers: 1, maxChannels: 2 });
      await client.connectToHost("10.0.0.1", 7777, { channels: 2 });
      client.flush(); // the CONNECT leaves
      await net.runFor(50);
      // The CONNECT has arrived, but the server has not run: no peer is connecting yet.
      assert.ok(s.core.peers.every((p) => p.state === PeerState.STATE_DISCONNECTED), "no peer before the host ran");
      s.takeReceived();
      assert.equal(s.core.peers.filter((p) => p.state !== PeerState.STATE_DISCONNECTED).length, 1, "one handshake once the host has the datagram");
      // From here both hosts run: the handshake completes on both sides.
      let serverConnected = false;
      let clientConnected = false;
      assert.ok(
        await net.runUntil(() => {
          for (let ev = s.poll(); ev.type !== EventType.NONE; ev = s.poll()) serverConnected ||= ev.type === EventType.CONNECT;
          for (let ev = client.poll(); ev.type !== EventType.NONE; ev = client.poll()) clientConnected ||= ev.type === EventType.CONNECT;
          return serverConnected && clientConnected;
        }, 2000),
      );
      s.destroy();
      client.destroy();
    } finally {
      net.close();
    }
  });

  test("bounded: a host nobody services holds at most INBOX_MAX_DATAGRAMS before handling them", async () => {
    const net = new MemoryNetwork({ seed: 6 });
    try {
      const s = await server(net);
      const raw = await rawSocket(net, "10.0.0.9");
      const junk = new Uint8Array([1, 2, 3]); // shorter than any ENet header: dropped and counted
      const total = INBOX_MAX_DATAGRAMS + 44;
      for (let i = 0; i < total; i++) raw.send(junk, "10.0.0.1", 7777);
      await net.runFor(20);
      // The first full inbox was handed to the host at once; the rest wait for it to run.
      assert.equal(s.getDropCounters().datagrams, INBOX_MAX_DATAGRAMS);
      assert.equal(s.poll().type, EventType.NONE);
      assert.equal(s.getDropCounters().datagrams, total);
      raw.close();
      s.destroy();
    } finally {
      net.close();
    }
  });

  test("destroy() forgets what the inbox held; a new host starts empty", async () => {
    const net = new MemoryNetwork({ seed: 7 });
    try {
      const s = await server(net);
      const raw = await rawSocket(net, "10.0.0.9");
      for (let i = 0; i < 10; i++) raw.send(new Uint8Array([9, 9]), "10.0.0.1", 7777);
      await net.runFor(20);
      s.destroy();
      await s.createHostBound("10.0.0.1", 7777, { maxPeers: 4, maxChannels: 2 });
      assert.equal(s.poll().type, EventType.NONE);
      assert.equal(s.getDropCounters().datagrams, 0, "the old host's datagrams are not handed to the new one");
      raw.close();
      s.destroy();
    } finally {
      net.close();
    }
  });
});

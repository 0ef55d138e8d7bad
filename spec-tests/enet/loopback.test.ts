import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode, ENetConnection, EventType, HostStatistic, PacketFlags, PeerState } from "../../src/index.ts";
import { collect } from "./collect.ts";

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** Destroy the hosts, then wait until their event collectors have ended (the tests' `finally` destroys again on failure). */
async function destroyAndDrain(hosts: ENetConnection[], collectors: { done: Promise<unknown> }[]): Promise<void> {
  for (const h of hosts) h.destroy();
  await Promise.all(collectors.map((c) => c.done));
}

describe("ENetConnection on real UDP sockets (loopback)", () => {
  for (const mode of [CompressionMode.NONE, CompressionMode.RANGE_CODER]) {
    test(`127.0.0.1: connect, all delivery modes, 200 kB fragmented, stats, disconnect (compression ${CompressionMode[mode]})`, async () => {
      const server = new ENetConnection();
      const client = new ENetConnection();
      try {
        await server.createHostBound("127.0.0.1", 0, { maxPeers: 4, maxChannels: 3, checksum: true });
        await client.createHost({ maxPeers: 1, checksum: true });
        server.compress(mode);
        client.compress(mode);
        const port = server.getLocalPort();
        assert.ok(port > 0);
        const sv = collect(server);
        const cl = collect(client);
        const peer = await client.connectToHost("127.0.0.1", port, { channels: 3, data: 7 });
        assert.ok(await waitFor(() => cl.events.some((e) => e.type === EventType.CONNECT), 5000), "client connected");
        assert.equal(peer.getState(), PeerState.STATE_CONNECTED);
        const big = new Uint8Array(200_000).map((_, i) => (i * 13) & 0xff);
        peer.send(0, new TextEncoder().encode("reliable"), PacketFlags.RELIABLE);
        peer.send(1, new TextEncoder().encode("unreliable"), 0);
        peer.send(1, new TextEncoder().encode("unsequenced"), PacketFlags.UNSEQUENCED);
        peer.send(2, big, PacketFlags.RELIABLE);
        peer.send(0, new Uint8Array(0), PacketFlags.RELIABLE);
        assert.ok(await waitFor(() => sv.events.filter((e) => e.type === EventType.RECEIVE).length >= 5, 5000), "server received everything");
        const connect = sv.events.find((e) => e.type === EventType.CONNECT)!;
        assert.equal(connect.data, 7);
        assert.equal(connect.peer!.getRemoteAddress(), "127.0.0.1");
        const got = sv.events.filter((e) => e.type === EventType.RECEIVE);
        const text = (u?: Uint8Array): string => new TextDecoder().decode(u);
        assert.deepEqual(got.filter((e) => e.channel === 0).map((e) => text(e.packet)), ["reliable", ""]);
        assert.deepEqual(new Set(got.filter((e) => e.channel === 1).map((e) => text(e.packet))), new Set(["unreliable", "unsequenced"]));
        assert.deepEqual(got.find((e) => e.channel === 2)!.packet, big);
        assert.ok(client.popStatistic(HostStatistic.HOST_TOTAL_SENT_DATA) > 200_000 * (mode === CompressionMode.NONE ? 1 : 0));
        assert.equal(client.popStatistic(HostStatistic.HOST_TOTAL_SENT_DATA), 0, "reset on read");
        assert.ok(server.popStatistic(HostStatistic.HOST_TOTAL_RECEIVED_PACKETS) > 100);
        peer.peerDisconnect(3);
        assert.ok(await waitFor(() => sv.events.some((e) => e.type === EventType.DISCONNECT) && cl.events.some((e) => e.type === EventType.DISCONNECT), 5000));
        assert.equal(sv.events.find((e) => e.type === EventType.DISCONNECT)!.data, 3);
        assert.equal(server.getDropCounters().internalErrors, 0);
        await destroyAndDrain([server, client], [sv, cl]);
      } finally {
        server.destroy();
        client.destroy();
      }
    });
  }

  test("a large packet arrives as a view of its own datagram (every runtime's adapter hands each datagram over); a small one is always a copy", async () => {
    const server = new ENetConnection();
    const client = new ENetConnection();
    try {
      await server.createHostBound("127.0.0.1", 0, { maxPeers: 1, maxChannels: 1 });
      await client.createHost({ maxPeers: 1 });
      const sv = collect(server);
      const cl = collect(client);
      const peer = await client.connectToHost("127.0.0.1", server.getLocalPort(), { channels: 1 });
      assert.ok(await waitFor(() => cl.events.some((e) => e.type === EventType.CONNECT), 5000), "client connected");
      const large = new Uint8Array(1000).map((_, i) => i & 0xff);
      peer.send(0, large, PacketFlags.RELIABLE);
      assert.ok(await waitFor(() => sv.events.some((e) => e.type === EventType.RECEIVE), 5000), "large packet arrived");
      peer.send(0, new Uint8Array([1, 2, 3]), PacketFlags.RELIABLE);
      assert.ok(await waitFor(() => sv.events.filter((e) => e.type === EventType.RECEIVE).length === 2, 5000), "small packet arrived");
      const [got, small] = sv.events.filter((e) => e.type === EventType.RECEIVE).map((e) => e.packet!);
      assert.deepEqual(got, large);
      assert.ok(got!.byteOffset > 0 && got!.buffer.byteLength < 1100, `a view of its datagram (offset ${got!.byteOffset}, buffer ${got!.buffer.byteLength} B)`);
      assert.equal(small!.buffer.byteLength, 3, "a small packet has its own ArrayBuffer");
      await destroyAndDrain([server, client], [sv, cl]);
    } finally {
      server.destroy();
      client.destroy();
    }
  });

  test("::1: connect and exchange a reliable packet over IPv6 (skipped when the machine has no IPv6 loopback)", async (t) => {
    const server = new ENetConnection();
    const client = new ENetConnection();
    try {
      try {
        await server.createHostBound("::1", 0, { maxPeers: 2 });
      } catch {
        t.skip("no IPv6 loopback");
        return;
      }
      await client.createHostBound("::1", 0, { maxPeers: 1 });
      const sv = collect(server);
      const cl = collect(client);
      const peer = await client.connectToHost("::1", server.getLocalPort(), { channels: 1 });
      assert.ok(await waitFor(() => cl.events.some((e) => e.type === EventType.CONNECT), 5000));
      peer.send(0, new Uint8Array([6, 6]), PacketFlags.RELIABLE);
      assert.ok(await waitFor(() => sv.events.some((e) => e.type === EventType.RECEIVE), 5000));
      const r = sv.events.find((e) => e.type === EventType.RECEIVE)!;
      assert.equal(r.peer!.getRemoteAddress(), "0:0:0:0:0:0:0:1", "as Godot's IPAddress prints ::1");
      assert.deepEqual([...r.packet!], [6, 6]);
      await destroyAndDrain([server, client], [sv, cl]);
    } finally {
      server.destroy();
      client.destroy();
    }
  });

  test("poll() drives a game-loop style client without awaiting service()", async () => {
    const server = new ENetConnection();
    const client = new ENetConnection();
    try {
      await server.createHostBound("127.0.0.1", 0, { maxPeers: 2 });
      await client.createHost({ maxPeers: 1 });
      const peer = await client.connectToHost("localhost", server.getLocalPort(), { channels: 1 });
      const seen: EventType[] = [];
      const ok = await waitFor(() => {
        for (let e = server.poll(); e.type !== EventType.NONE; e = server.poll()) seen.push(e.type);
        for (let e = client.poll(); e.type !== EventType.NONE; e = client.poll()) seen.push(e.type);
        return seen.filter((t) => t === EventType.CONNECT).length === 2;
      }, 5000);
      assert.ok(ok, "both sides connected via poll()");
      assert.equal(peer.isActive(), true);
      assert.equal(server.getPeers().length, 1);
    } finally {
      server.destroy();
      client.destroy();
    }
  });

  test("a server waiting in await service() handles a burst of datagrams together: far fewer acknowledgement datagrams than it received", async () => {
    // Node and Bun deliver the datagrams of one socket read as back-to-back callbacks; waking the
    // waiting service() at each sent an acknowledgement datagram per datagram (docs/enet.md).
    // Deno hands them over one awaited receive at a time and batches by itself.
    const server = new ENetConnection();
    const client = new ENetConnection();
    try {
      await server.createHostBound("127.0.0.1", 0, { maxPeers: 2 });
      await client.createHost({ maxPeers: 1 });
      const TOTAL = 4000;
      let received = 0;
      let connected = false;
      const serverLoop = (async () => {
        while (received < TOTAL) {
          const ev = await server.service(50);
          if (ev.type === EventType.CONNECT) connected = true;
          if (ev.type === EventType.RECEIVE) {
            ev.peer!.getPacket();
            received++;
          }
        }
      })();
      const peer = await client.connectToHost("127.0.0.1", server.getLocalPort());
      assert.ok(await waitFor(() => (client.poll(), connected && peer.getState() === PeerState.STATE_CONNECTED), 5000), "connected");
      for (const h of [server, client]) for (const s of [HostStatistic.HOST_TOTAL_SENT_PACKETS, HostStatistic.HOST_TOTAL_RECEIVED_PACKETS]) h.popStatistic(s);
      let sent = 0;
      const deadline = Date.now() + 20_000;
      while (received < TOTAL && Date.now() < deadline) {
        while (sent < TOTAL && sent - received < 256) {
          peer.send(0, new Uint8Array(100), PacketFlags.RELIABLE);
          sent++;
        }
        client.poll();
        await new Promise((r) => setTimeout(r, 0));
      }
      await Promise.race([serverLoop, new Promise((r) => setTimeout(r, 5000))]);
      assert.equal(received, TOTAL);
      const clientDatagrams = client.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS);
      const serverDatagrams = server.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS);
      assert.ok(clientDatagrams > 200, `the client sent ${clientDatagrams} datagrams`);
      assert.ok(serverDatagrams * 3 < clientDatagrams, `the server sent ${serverDatagrams} datagrams for the client's ${clientDatagrams}`);
    } finally {
      server.destroy();
      client.destroy();
    }
  });
});

// WebSocketPeer on the simulated network with a virtual clock: heartbeat and handshake
// timeouts measured in virtual time, so they are exact and take no real seconds.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { VirtualClock } from "../../src/transport/virtual-clock.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import type { WebSocketCloseEvent } from "../../src/websocket/events.ts";
import { computeAcceptKey } from "../../src/websocket/handshake.ts";
import { GodotError, NetError } from "../../src/errors.ts";

function setup(): { net: MemoryNetwork; clock: VirtualClock; server: WebSocketServer; clientRt: ReturnType<MemoryNetwork["createRuntime"]> } {
  const net = new MemoryNetwork({ seed: 7 });
  const serverRt = net.createRuntime("127.0.0.1");
  const clientRt = net.createRuntime("127.0.0.2");
  const server = new WebSocketServer({}, { runtime: serverRt });
  return { net, clock: serverRt.clock as VirtualClock, server, clientRt };
}

describe("WebSocketPeer on the memory network (virtual time)", () => {
  test("heartbeat: pings every interval answered by a polled peer; an unpolled peer is closed after two intervals with 1001", async () => {
    const { clock, server, clientRt } = setup();
    await server.listen(8080);
    const client = new WebSocketPeer({ runtime: clientRt });
    client.heartbeatInterval = 5;
    const closed = new Promise<{ ev: WebSocketCloseEvent; at: number }>((resolve) =>
      client.addEventListener("close", (e) => resolve({ ev: e as WebSocketCloseEvent, at: clock.now() })));
    client.connectToUrl("ws://127.0.0.1:8080/");
    assert.ok(await clock.runUntil(() => server.isConnectionAvailable(), 10_000));
    const srv = server.takeConnection()!;
    const openedAt = clock.now();
    // Polled (autoPoll): it answers every ping for a virtual minute.
    srv.autoPoll = true;
    await clock.runFor(62_500);
    assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN);
    assert.equal(client.getStats().pongsReceived, 12, "pings at 5, 10, ... 60 s, all answered");
    // Stop polling the server side: pings go unanswered (Godot semantics: nothing happens without poll()).
    srv.autoPoll = false;
    const stoppedAt = clock.now();
    const { ev, at } = await closed;
    assert.equal(ev.code, 1001);
    assert.equal(ev.reason, "Heartbeat timeout");
    assert.equal(ev.wasClean, false);
    assert.equal(client.getCloseCode(), -1);
    // Ping at 65 s goes unanswered; the heartbeat at 70 s finds it so and closes.
    assert.equal(at - openedAt, 70_000);
    assert.equal(at - stoppedAt, 7_500);
    srv.close(-1);
    await server.stop();
  });

  test("a peer nobody polls whose heartbeat is due does not spin its timer: time goes on, and the next poll() meets the deadline", async () => {
    const { net, clock, server, clientRt } = setup();
    // Stopping the clock ends a spinning timer too, so a failure here cannot keep the process alive.
    after(() => net.close());
    await server.listen(8083);
    const client = new WebSocketPeer({ runtime: clientRt });
    client.heartbeatInterval = 1;
    client.connectToUrl("ws://127.0.0.1:8083/");
    let srv: WebSocketPeer | null = null;
    assert.ok(
      await clock.runUntil(() => {
        client.poll();
        srv ??= server.takeConnection();
        srv?.poll();
        return client.getReadyState() === WebSocketState.STATE_OPEN && srv !== null;
      }, 10_000),
    );
    // Neither side is polled from here (autoPoll is off: no listeners). The client's heartbeat
    // falls due after a second; its timer used to re-arm for that same past deadline and fire
    // again at once, forever: virtual time stood still (a hang) and a real clock spun.
    const firedBefore = clock.firedTimers;
    const settled = await Promise.race([
      clock.runFor(10_000).then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
    ]);
    assert.ok(settled, `virtual time stood still at ${clock.now()}`);
    assert.ok(clock.firedTimers - firedBefore < 50, `${clock.firedTimers - firedBefore} timers fired in 10 virtual seconds`);
    assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN, "nothing happens without poll() (Godot semantics)");
    // Polled again, the client pings; the server, still not polled, never answers: closed after two intervals.
    let closedAt = -1;
    const pollingFrom = clock.now();
    assert.ok(
      await clock.runUntil(() => {
        client.poll();
        if (client.getReadyState() === WebSocketState.STATE_CLOSED && closedAt < 0) closedAt = clock.now();
        return closedAt >= 0;
      }, 10_000),
    );
    assert.ok(closedAt - pollingFrom <= 3000, `closed ${closedAt - pollingFrom} ms after polling resumed`);
    srv!.close(-1);
    await server.stop();
  });

  test("slowloris: a handshake that never completes is dropped at exactly the 3 s default handshake timeout", async () => {
    const { clock, server, clientRt } = setup();
    await server.listen(8081);
    const raw = await clientRt.streams.connect({ host: "127.0.0.1", port: 8081 });
    const start = clock.now();
    let closedAt = -1;
    raw.onClose(() => (closedAt = clock.now()));
    raw.onData(() => {});
    raw.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n"));
    // Keep trickling bytes every second: the deadline counts from the connection, not the last byte.
    for (let i = 0; i < 10 && closedAt < 0; i++) {
      await clock.runFor(1000);
      if (closedAt < 0) raw.write(new TextEncoder().encode("X-A: b\r\n"));
    }
    assert.ok(closedAt >= 0, "the server dropped the connection");
    assert.ok(closedAt - start >= 3000 && closedAt - start < 3100, `dropped after ${closedAt - start} ms`);
    assert.equal(server.getPendingCount(), 0);
    assert.equal(server.refusedCount, 1);
    await server.stop();
  });

  test("a client that does not poll during its handshake still opens: the handshake timeout judges the peer, not our polling", async () => {
    const { clock, server, clientRt } = setup();
    await server.listen(8082);
    const client = new WebSocketPeer({ runtime: clientRt });
    client.connectToUrl("ws://127.0.0.1:8082/");
    // Not polled for 5 s, past its own 3 s handshake timeout; the server answered in time.
    await clock.runFor(5000);
    assert.equal(client.getReadyState(), WebSocketState.STATE_CONNECTING, "not polled: no visible change");
    client.poll();
    assert.equal(server.isConnectionAvailable(), true);
    assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN);
    client.close(-1);
    await server.stop();
  });

  test("close() while the application still sees CONNECTING drops the connection, even when the handshake timer already let the core open", async () => {
    const { clock, server, clientRt } = setup();
    await server.listen(8084);
    const client = new WebSocketPeer({ runtime: clientRt });
    const seen: string[] = [];
    for (const type of ["open", "message", "close"]) client.addEventListener(type, (e) => seen.push(type === "close" ? `close ${(e as WebSocketCloseEvent).code}` : type));
    client.autoPoll = false;
    client.connectToUrl("ws://127.0.0.1:8084/");
    assert.ok(await clock.runUntil(() => server.isConnectionAvailable(), 1000));
    const srv = server.takeConnection()!;
    let serverClose: WebSocketCloseEvent | null = null;
    srv.addEventListener("close", (e) => (serverClose = e as WebSocketCloseEvent));
    srv.autoPoll = false;
    srv.sendText("hello");
    // Past the 3 s handshake deadline the timer feeds the client's core what the server sent: the
    // core is OPEN with an open event and a message queued, while the application sees CONNECTING.
    await clock.runFor(4000);
    assert.equal(client.getReadyState(), WebSocketState.STATE_CONNECTING);
    client.close(1000, "bye");
    assert.equal(client.getReadyState(), WebSocketState.STATE_CLOSED, "closed at once, as Godot closes a connecting peer");
    await clock.runUntil(() => {
      client.poll();
      srv.poll();
      return serverClose !== null;
    }, 5000);
    client.poll();
    assert.equal(client.getReadyState(), WebSocketState.STATE_CLOSED, "and it stays closed (the queued open event used to make it OPEN again)");
    assert.deepEqual(seen, ["close 1006"], "no open or message events for a connection the application dropped while connecting");
    assert.equal(client.send(new Uint8Array(1)), GodotError.FAILED);
    assert.ok(serverClose !== null && (serverClose as WebSocketCloseEvent).code === 1006 && !(serverClose as WebSocketCloseEvent).wasClean, "the server sees a drop, not a clean close");
    await server.stop();
  });
});

describe("outbound limits on the memory network", () => {
  /** Connect to a raw server that completes the handshake and then never reads; send 1000-byte messages until refused. */
  async function fillUntilRefused(setup: (p: WebSocketPeer) => void): Promise<{ sent: number; refused: unknown; maxBuffered: number }> {
    const net = new MemoryNetwork({ seed: 3, streamWindowBytes: 32 * 1024, streamHighWaterMark: 8 * 1024 });
    const serverRt = net.createRuntime("127.0.0.1");
    const clientRt = net.createRuntime("127.0.0.2");
    const clock = serverRt.clock as VirtualClock;
    const listener = await serverRt.streams.listen({ host: "127.0.0.1", port: 9000 }, (s) => {
      s.onData((chunk) => {
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(new TextDecoder().decode(chunk))?.[1] ?? "";
        s.write(new TextEncoder().encode(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`));
        s.pause();
      });
    });
    const client = new WebSocketPeer({ runtime: clientRt });
    setup(client);
    client.connectToUrl("ws://127.0.0.1:9000/");
    assert.ok(await clock.runUntil(() => (client.poll(), client.getReadyState() === WebSocketState.STATE_OPEN), 5000));
    let sent = 0;
    let refused: GodotError | null = null;
    let maxBuffered = 0;
    for (let i = 0; i < 2000 && refused === null; i++) {
      const err = client.send(new Uint8Array(1000));
      if (err === GodotError.OK) {
        sent++;
        maxBuffered = Math.max(maxBuffered, client.getCurrentOutboundBufferedAmount());
      } else {
        refused = err;
      }
      await clock.runFor(1);
    }
    client.close(-1);
    await listener.close();
    return { sent, refused, maxBuffered };
  }

  test("a peer that stops reading: sends fail with ERR_OUT_OF_MEMORY once outboundBufferSize is used, never buffering more", async () => {
    const r = await fillUntilRefused((p) => (p.outboundBufferSize = 20000));
    assert.equal(r.refused, GodotError.ERR_OUT_OF_MEMORY);
    assert.ok(r.maxBuffered <= 20000, `buffered up to ${r.maxBuffered}`);
    // The network's 32 KiB window plus our 20000-byte budget, in 1006-byte frames.
    assert.ok(r.sent > 20 && r.sent < 60, `sent ${r.sent} messages before the refusal`);
  });

  test("maxQueuedPackets bounds the number of queued messages the same way", async () => {
    const r = await fillUntilRefused((p) => {
      p.outboundBufferSize = 1 << 20;
      p.maxQueuedPackets = 10;
    });
    assert.equal(r.refused, GodotError.ERR_OUT_OF_MEMORY);
    assert.ok(r.maxBuffered <= 11 * 1006, `buffered up to ${r.maxBuffered}`);
    assert.ok(r.sent > 10 && r.sent < 60, `sent ${r.sent} messages before the refusal`);
  });
});

describe("hostile input on the memory network", () => {
  test("a ping flood from a client that never reads our pongs: the server stops reading instead of buffering pongs without bound", async () => {
    const net = new MemoryNetwork({ seed: 5 });
    const serverRt = net.createRuntime("127.0.0.1");
    const attackerRt = net.createRuntime("127.0.0.2");
    const clock = serverRt.clock as VirtualClock;
    const server = new WebSocketServer({}, { runtime: serverRt });
    await server.listen(8090);
    const raw = await attackerRt.streams.connect({ host: "127.0.0.1", port: 8090 });
    let response = "";
    raw.onData((c) => {
      response += new TextDecoder().decode(c);
      if (response.includes("\r\n\r\n")) raw.pause(); // never read again
    });
    raw.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    assert.ok(await clock.runUntil(() => server.isConnectionAvailable(), 5000));
    const srv = server.takeConnection()!;
    srv.autoPoll = true;
    // 131-byte masked pings (125-byte payload): 20000 of them is 2.6 MB of pongs owed.
    const ping = new Uint8Array(131);
    ping[0] = 0x89;
    ping[1] = 0x80 | 125;
    const flood = new Uint8Array(ping.length * 20000);
    for (let i = 0; i < 20000; i++) flood.set(ping, i * ping.length);
    raw.write(flood);
    let maxOut = 0;
    for (let t = 0; t < 50; t++) {
      await clock.runFor(100);
      maxOut = Math.max(maxOut, srv.getCurrentOutboundBufferedAmount());
    }
    const pongsOwedButHeld = 20000 - srv.getStats().pingsReceived;
    assert.ok(pongsOwedButHeld > 0, "the server stopped processing pings it cannot answer");
    // Bound: outboundBufferSize + 256 KiB, plus the pongs for one read's worth of pings
    // (input is processed a chunk at a time; a pong is never larger than its ping).
    assert.ok(maxOut <= 65535 + 256 * 1024 + 64 * 1024, `outgoing buffer reached ${maxOut} bytes`);
    assert.ok(maxOut >= 65535 + 256 * 1024, `the flood should have filled the buffer (${maxOut})`);
    assert.equal(srv.getReadyState(), WebSocketState.STATE_OPEN);
    srv.close(-1);
    raw.close();
    await server.stop();
  });
});

describe("handshake flood on the memory network", () => {
  test("at most 256 handshakes are pending at once; a new connection evicts the oldest of the address holding the most, so honest clients get in during the flood", async () => {
    const net = new MemoryNetwork({ seed: 9 });
    const serverRt = net.createRuntime("127.0.0.1");
    const attackerRt = net.createRuntime("127.0.0.2");
    const clientRt = net.createRuntime("127.0.0.3");
    const clock = serverRt.clock as VirtualClock;
    const server = new WebSocketServer({}, { runtime: serverRt });
    await server.listen(8095);
    // A slow honest client: connected first, its request still to come.
    const slow = await clientRt.streams.connect({ host: "127.0.0.1", port: 8095 });
    let slowReply = "";
    slow.onData((d) => (slowReply += new TextDecoder().decode(d)));
    await clock.runFor(10);
    const idle = [];
    for (let i = 0; i < 300; i++) {
      const s = await attackerRt.streams.connect({ host: "127.0.0.1", port: 8095 });
      s.onData(() => {});
      idle.push(s);
    }
    await clock.runFor(10);
    assert.equal(server.getPendingCount(), 256);
    assert.equal(server.evictedCount, 45, "each connection past 256 evicted one of the flood's");
    assert.equal(server.refusedCount, 45);
    // While the flood holds the table, a real client connects at once...
    const client = new WebSocketPeer({ runtime: clientRt });
    client.connectToUrl("ws://127.0.0.1:8095/");
    assert.ok(await clock.runUntil(() => (client.poll(), client.getReadyState() === WebSocketState.STATE_OPEN), 500));
    // ...and the slow one, still waiting on the other address, completes its handshake.
    slow.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: 127.0.0.1:8095\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    assert.ok(await clock.runUntil(() => slowReply.includes("\r\n\r\n"), 500));
    assert.match(slowReply, /^HTTP\/1\.1 101 /);
    client.close(-1);
    slow.close();
    for (const s of idle) s.close();
    await server.stop();
  });
});

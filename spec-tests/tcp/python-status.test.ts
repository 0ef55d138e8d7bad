// getStatus() as Godot reports it, against real sockets: a python3 peer that
// half-closes (FIN) or resets (RST), refused connects, IPv6, name resolution,
// server errors, and the outbound bound when the peer stops reading.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError, StreamPeerTCP, StreamPeerSocketStatus as S, TCPServer } from "../../src/index.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import { peerPort, spawnPython, sleep, until } from "./spawn-peer.ts";
import { ipv6LoopbackMissing } from "../transport/support/ipv6.ts";

const isCode = (code: GodotError) => (e: unknown): boolean => e instanceof NetError && e.code === code;

describe("status machine against a python3 peer", () => {
  for (const family of ["ipv4", "ipv6"] as const) {
    const skip = family === "ipv6" ? (ipv6LoopbackMissing() ?? false) : false;
    test(`other side half-closes (${family}): CONNECTED while bytes are unread, NONE on poll() after`, { skip }, async () => {
      const py = spawnPython("server", "fin", family);
      const peer = new StreamPeerTCP();
      try {
        await peer.connectToHost(family === "ipv4" ? "127.0.0.1" : "::1", await peerPort(py));
        assert.equal(peer.getConnectedHost(), family === "ipv4" ? "127.0.0.1" : "0:0:0:0:0:0:0:1"); // Godot's IPAddress text
        // Asking for more than python sends resolves nothing and rejects once the FIN is in.
        await assert.rejects(peer.getData(6), isCode(GodotError.ERR_FILE_EOF));
        assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
        assert.equal(peer.poll(), GodotError.OK);
        assert.equal(peer.getStatus(), S.STATUS_CONNECTED, "unread bytes keep the peer connected");
        // Half-closed from their side only: we can still send.
        assert.equal(peer.putData(Uint8Array.of(1, 2, 3)), GodotError.OK);
        assert.equal(peer.getString(5), "hello");
        assert.equal(peer.poll(), GodotError.OK);
        assert.equal(peer.getStatus(), S.STATUS_NONE);
        assert.equal(peer.getConnectedHost(), "");
        assert.equal(peer.getConnectedPort(), 0);
        assert.equal((await py.exited).code, 0, "python saw our close after the bytes");
      } finally {
        peer.disconnectFromHost();
        py.kill();
      }
    });
  }

  test("other side resets: pending getData rejects, ERROR on poll()", async () => {
    const py = spawnPython("server", "rst");
    const peer = new StreamPeerTCP();
    try {
      await peer.connectToHost("127.0.0.1", await peerPort(py));
      assert.deepEqual(await peer.getData(1), Uint8Array.of(0x78));
      const pending = peer.getData(1);
      assert.equal(peer.putData(Uint8Array.of(0)), GodotError.OK); // python resets after this byte
      await assert.rejects(pending, isCode(GodotError.ERR_CONNECTION_ERROR));
      assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
      assert.equal(peer.poll(), GodotError.FAILED); // as Godot: its socket poll fails
      assert.equal(peer.getStatus(), S.STATUS_ERROR);
      peer.disconnectFromHost();
      assert.equal(peer.getStatus(), S.STATUS_NONE);
    } finally {
      peer.disconnectFromHost();
      py.kill();
    }
  });

  test("accepted side: python client half-closes -> NONE, resets -> ERROR", async () => {
    const server = new TCPServer();
    const pys: ReturnType<typeof spawnPython>[] = [];
    try {
      await server.listen(0, "127.0.0.1");
      const port = String(server.getLocalPort());
      pys.push(spawnPython("client", "fin", "127.0.0.1", port));
      await until(() => server.isConnectionAvailable(), "fin client");
      const finPeer = server.takeConnection()!;
      assert.deepEqual(await finPeer.getData(5), new TextEncoder().encode("hello"));
      await assert.rejects(finPeer.getData(1), isCode(GodotError.ERR_FILE_EOF));
      assert.equal(finPeer.getStatus(), S.STATUS_CONNECTED);
      finPeer.poll();
      assert.equal(finPeer.getStatus(), S.STATUS_NONE);

      pys.push(spawnPython("client", "rst", "127.0.0.1", port));
      await until(() => server.isConnectionAvailable(), "rst client");
      const rstPeer = server.takeConnection()!;
      assert.deepEqual(await rstPeer.getData(1), Uint8Array.of(0x78));
      const pending = rstPeer.getData(1);
      rstPeer.putU8(0);
      await assert.rejects(pending, isCode(GodotError.ERR_CONNECTION_ERROR));
      assert.equal(rstPeer.poll(), GodotError.FAILED);
      assert.equal(rstPeer.getStatus(), S.STATUS_ERROR);
    } finally {
      server.stop();
      for (const p of pys) p.kill();
    }
  });

  test("a peer that stops reading: putPartialData takes only up to outboundBufferLimit", async () => {
    const py = spawnPython("server", "stall");
    const limit = 256 * 1024;
    const peer = new StreamPeerTCP({ outboundBufferLimit: limit });
    try {
      await peer.connectToHost("127.0.0.1", await peerPort(py));
      const chunk = new Uint8Array(64 * 1024);
      let accepted = 0;
      let short = false;
      const deadline = Date.now() + 10_000;
      while (!short && Date.now() < deadline) {
        const [err, sent] = peer.putPartialData(chunk);
        assert.equal(err, GodotError.OK);
        accepted += sent;
        if (sent < chunk.length) short = true;
        else await sleep(1); // let the runtime hand bytes to the kernel until its buffers fill
      }
      assert.ok(short, "putPartialData never pushed back");
      assert.ok(peer.getOutboundBufferedBytes() <= limit, `queued ${peer.getOutboundBufferedBytes()} > ${limit}`);
      assert.equal(peer.putData(chunk), GodotError.ERR_BUSY);
      assert.ok(accepted < 64 * 1024 * 1024, `accepted ${accepted} bytes from a reader that never reads`);
    } finally {
      peer.disconnectFromHost();
      py.kill();
    }
  });
});

describe("connect and listen outcomes on real sockets", () => {
  test("refused connect: rejects ERR_CONNECTION_ERROR and status ERROR", async () => {
    const probe = new TCPServer();
    await probe.listen(0, "127.0.0.1");
    const port = probe.getLocalPort();
    probe.stop();
    const peer = new StreamPeerTCP();
    const p = peer.connectToHost("127.0.0.1", port);
    assert.equal(peer.getStatus(), S.STATUS_CONNECTING);
    await assert.rejects(p, isCode(GodotError.ERR_CONNECTION_ERROR));
    assert.equal(peer.getStatus(), S.STATUS_ERROR);
    peer.disconnectFromHost();
    assert.equal(peer.getStatus(), S.STATUS_NONE);
  });

  test("host names resolve: 'localhost' reaches a dual-stack TCPServer; connected host is the IP", async () => {
    const server = new TCPServer();
    const peer = new StreamPeerTCP();
    try {
      await server.listen(0);
      await peer.connectToHost("localhost", server.getLocalPort());
      assert.ok(["127.0.0.1", "0:0:0:0:0:0:0:1"].includes(peer.getConnectedHost()), peer.getConnectedHost());
      await until(() => server.isConnectionAvailable(), "accept");
      const other = server.takeConnection()!;
      peer.setNoDelay(true);
      peer.putUtf8String("over localhost");
      await other.getData(4 + 14);
    } finally {
      peer.disconnectFromHost();
      server.stop();
    }
  });

  test("TCPServer: port in use and double listen are ERR_ALREADY_IN_USE; stop() resets", async () => {
    const a = new TCPServer();
    const b = new TCPServer();
    try {
      await a.listen(0, "127.0.0.1");
      await assert.rejects(b.listen(a.getLocalPort(), "127.0.0.1"), isCode(GodotError.ERR_ALREADY_IN_USE));
      assert.equal(b.isListening(), false);
      await assert.rejects(a.listen(0), isCode(GodotError.ERR_ALREADY_IN_USE));
      await assert.rejects(a.listen(70000), RangeError);
      a.stop();
      assert.equal(a.isListening(), false);
      assert.equal(a.getLocalPort(), 0);
      assert.equal(a.takeConnection(), null);
    } finally {
      a.stop();
      b.stop();
    }
  });

  test("bind(0) connects from an OS-chosen port; bind(port) connects from that port and the server sees it", async () => {
    const server = new TCPServer();
    try {
      await server.listen(0, "127.0.0.1");
      const peer = new StreamPeerTCP();
      await peer.bind(0);
      const chosen = peer.getLocalPort();
      assert.ok(chosen > 0, "bind(0) reports the OS-chosen port before connecting");
      await peer.connectToHost("127.0.0.1", server.getLocalPort());
      assert.equal(peer.getLocalPort(), chosen);
      peer.disconnectFromHost();

      // A port that was free a moment ago (Listener.close() resolves once the port is released).
      const probe = await detectRuntime().streams.listen({ host: "127.0.0.1", port: 0 }, (s) => s.close());
      const wanted = probe.port;
      await probe.close();
      const fixed = new StreamPeerTCP();
      await fixed.bind(wanted, "127.0.0.1");
      assert.equal(fixed.getLocalPort(), wanted);
      await fixed.connectToHost("127.0.0.1", server.getLocalPort());
      assert.equal(fixed.getStatus(), S.STATUS_CONNECTED);
      assert.equal(fixed.getLocalPort(), wanted);
      const fromWanted: StreamPeerTCP[] = [];
      await until(() => {
        for (let p = server.takeConnection(); p; p = server.takeConnection()) if (p.getConnectedPort() === wanted) fromWanted.push(p);
        return fromWanted.length > 0;
      }, "the server to accept a connection from the bound port");
      const seen = fromWanted[0]!;
      assert.equal(seen.getConnectedHost(), "127.0.0.1");
      fixed.putUtf8String("bound");
      assert.deepEqual([...(await seen.getData(9))], [5, 0, 0, 0, ...new TextEncoder().encode("bound")]);
      fixed.disconnectFromHost();
      seen.disconnectFromHost();

      // The listening port is in use: bind itself fails with Godot's ERR_UNAVAILABLE (its NetSocket's
      // answer to any refused bind()), and the status stays NONE.
      const busy = new StreamPeerTCP();
      await assert.rejects(busy.bind(server.getLocalPort(), "127.0.0.1"), isCode(GodotError.ERR_UNAVAILABLE));
      assert.equal(busy.getStatus(), S.STATUS_NONE);
      // An address that is not this machine's (TEST-NET-1): bind fails the same way, as Godot's does.
      await assert.rejects(busy.bind(0, "192.0.2.1"), isCode(GodotError.ERR_UNAVAILABLE));
      // Not an IP address at all: Godot's IPAddress is invalid, ERR_INVALID_PARAMETER.
      await assert.rejects(busy.bind(0, "localhost"), isCode(GodotError.ERR_INVALID_PARAMETER));
      assert.equal(busy.getLocalPort(), 0);
    } finally {
      server.stop();
    }
  });
});

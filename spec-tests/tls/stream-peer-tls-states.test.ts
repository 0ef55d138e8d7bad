// StreamPeerTLS in the states Godot 4.6's StreamPeerMbedTLS defines (poll, disconnect_from_stream,
// get_stream): our client and our server over real loopback TCP, with a key and certificate made by
// our Crypto, so no external peer is needed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StreamPeerTCP } from "../../src/tcp/tcp.ts";
import { TCPServer } from "../../src/tcp/server.ts";
import { StreamPeerTLS, StreamPeerTLSStatus } from "../../src/tls/stream-peer-tls.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { Crypto } from "../../src/crypto/crypto.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { until } from "../dtls/support.ts";

const crypto = new Crypto();
const key = crypto.generateEcdsa("P-256");
const cert = crypto.generateSelfSignedCertificate(key, "CN=localhost,O=packetpeer,C=IT", "20200101000000", "20400101000000");

async function tcpPair(clientOptions: ConstructorParameters<typeof StreamPeerTCP>[0] = {}): Promise<{ srv: TCPServer; client: StreamPeerTCP; server: StreamPeerTCP }> {
  const srv = new TCPServer();
  await srv.listen(0, "127.0.0.1");
  const client = new StreamPeerTCP(clientOptions);
  await client.connectToHost("127.0.0.1", srv.getLocalPort());
  await until(() => srv.isConnectionAvailable(), "incoming TCP connection");
  return { srv, client, server: srv.takeConnection()! };
}

/** Poll both sides until the TLS handshake has finished on each. */
async function handshake(c: StreamPeerTLS, s: StreamPeerTLS): Promise<void> {
  await until(() => {
    c.poll();
    s.poll();
    return c.getStatus() === StreamPeerTLSStatus.STATUS_CONNECTED && s.getStatus() === StreamPeerTLSStatus.STATUS_CONNECTED;
  }, "TLS handshake");
}

interface TlsSession {
  c: StreamPeerTLS;
  s: StreamPeerTLS;
  client: StreamPeerTCP;
  server: StreamPeerTCP;
}

/** Run `body` with our TLS client `c` and server `s` connected over loopback TCP, then close the TCP pair. */
async function withTlsSession(body: (t: TlsSession) => Promise<void>, clientOptions: ConstructorParameters<typeof StreamPeerTCP>[0] = {}): Promise<void> {
  const { srv, client, server } = await tcpPair(clientOptions);
  try {
    const c = new StreamPeerTLS();
    const s = new StreamPeerTLS();
    assert.equal(c.connectToStream(client, "localhost", TLSOptions.client(cert)), GodotError.OK);
    assert.equal(s.acceptStream(server, TLSOptions.server(key, cert)), GodotError.OK);
    await handshake(c, s);
    await body({ c, s, client, server });
  } finally {
    client.disconnectFromHost();
    server.disconnectFromHost();
    srv.stop();
  }
}

describe("StreamPeerTLS states as Godot 4.6's", () => {
  test("the wrapped TCP connection closing without close_notify: a connected session becomes STATUS_DISCONNECTED, getStream() null", async () => {
    await withTlsSession(async ({ c, client, server }) => {
      assert.equal(c.getStream(), client);
      server.disconnectFromHost();
      await until(() => {
        c.poll();
        return c.getStatus() !== StreamPeerTLSStatus.STATUS_CONNECTED;
      }, "the client noticing the TCP close");
      assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_DISCONNECTED);
      assert.equal(c.getStream(), null);
      assert.equal(c.putData(new Uint8Array([1])), GodotError.ERR_UNCONFIGURED);
    });
  });

  test("the TCP connection closing during the handshake: STATUS_ERROR, kept by disconnectFromStream(); the peer can connect again", async () => {
    const { srv, client, server } = await tcpPair();
    try {
      const c = new StreamPeerTLS();
      assert.equal(c.connectToStream(client, "localhost", TLSOptions.client(cert)), GodotError.OK);
      server.disconnectFromHost();
      await until(() => {
        c.poll();
        return c.getStatus() !== StreamPeerTLSStatus.STATUS_HANDSHAKING;
      }, "the client noticing the TCP close");
      assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_ERROR);
      assert.notEqual(c.getErrorMessage(), "");
      c.disconnectFromStream();
      assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_ERROR);
      assert.equal(c.getStream(), null);

      // A session that ended (here: in an error) does not hold the peer: a new one starts.
      const again = await tcpPair();
      try {
        assert.equal(c.connectToStream(again.client, "localhost", TLSOptions.client(cert)), GodotError.OK);
        assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_HANDSHAKING);
        assert.equal(c.connectToStream(again.client, "localhost", TLSOptions.client(cert)), GodotError.ERR_ALREADY_IN_USE);
      } finally {
        again.client.disconnectFromHost();
        again.srv.stop();
      }
    } finally {
      client.disconnectFromHost();
      srv.stop();
    }
  });
});

describe("StreamPeerTLS.getData's codes as Godot 4.6's get_data", () => {
  test("ERR_UNCONFIGURED when not connected; ERR_FILE_EOF when the peer's close_notify (or the end of its TCP connection) comes first", async () => {
    await assert.rejects(new StreamPeerTLS().getData(1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
    for (const end of ["close_notify", "tcp"] as const) {
      await withTlsSession(async ({ c, s, server }) => {
        const read = c.getData(4);
        if (end === "close_notify") s.disconnectFromStream();
        else server.disconnectFromHost();
        await assert.rejects(read, (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_FILE_EOF, end);
        assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_DISCONNECTED);
      });
    }
  });
});

describe("StreamPeerTLS after its session ends", () => {
  test("reads nothing more from the wrapped stream once close_notify has come (fed every TCP byte into the ended session)", async () => {
    await withTlsSession(async ({ c, s, client, server }) => {
      assert.equal(s.putData(new Uint8Array(100).fill(7)), GodotError.OK);
      s.disconnectFromStream();
      // Bytes after close_notify are nobody's: a peer may send anything there.
      const after = 300_000;
      assert.equal(server.putData(new Uint8Array(after).fill(0x17)), GodotError.OK);
      await until(() => {
        client.poll();
        return client.getAvailableBytes() >= after;
      }, "every TCP byte at the client");
      c.poll();
      assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED, "CONNECTED while what came before close_notify waits, as Godot");
      assert.equal(c.putData(new Uint8Array([1])), GodotError.OK, "sent nowhere, as Godot's write there");
      assert.deepEqual(await c.getData(100), new Uint8Array(100).fill(7), "what came before close_notify is read whole");
      assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_DISCONNECTED);
      assert.equal(c.putData(new Uint8Array([1])), GodotError.ERR_UNCONFIGURED);
      const left = client.getAvailableBytes();
      assert.ok(left >= after - 65536, `the ended session read at most one chunk past close_notify; ${left} of ${after} bytes left in TCP`);
      c.poll();
      assert.equal(client.getAvailableBytes(), left, "a later poll reads nothing");
    });
  });
});

describe("StreamPeerTLS.disconnectFromStream with bytes not yet read", () => {
  test("our own disconnect discards them and says DISCONNECTED, while connected and while the peer's last bytes wait after its close_notify (as Godot's, which frees the session)", async () => {
    for (const when of ["connected", "after the peer's close_notify"] as const) {
      await withTlsSession(async ({ c, s }) => {
        assert.equal(s.putData(new Uint8Array(50).fill(3)), GodotError.OK);
        if (when !== "connected") s.disconnectFromStream();
        await until(() => (c.poll(), c.getAvailableBytes() === 50), "the bytes at the client");
        assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED, when);
        c.disconnectFromStream();
        assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_DISCONNECTED, when);
        assert.equal(c.getAvailableBytes(), 0, when);
        assert.equal(c.putData(new Uint8Array([1])), GodotError.ERR_UNCONFIGURED, when);
      });
    }
  });
});

describe("StreamPeerTLS writing faster than the wrapped stream sends", () => {
  test("records the TCP peer refuses as busy wait and go out in order (were dropped, breaking the session); putData says ERR_BUSY past the pending bound", async () => {
    await withTlsSession(async ({ c, s }) => {
      // Write while the server reads nothing until putData says ERR_BUSY: how much that takes
      // depends on the kernel's socket buffers (loopback autotuning grows to tcp_rmem's maximum,
      // 32 MiB on some machines), so the amount is found, not assumed. 512 MiB without ERR_BUSY
      // would mean the pending bound does not hold.
      const chunk = new Uint8Array(16 * 1024);
      let sent = 0;
      let busy = 0;
      let received = 0;
      let mismatch = -1;
      const drain = () => {
        s.poll();
        const [, data] = s.getPartialData(s.getAvailableBytes());
        for (let i = 0; i < data.length && mismatch < 0; i++) if (data[i] !== ((received + i) & 0xff)) mismatch = received + i;
        received += data.length;
      };
      const put = (): GodotError => {
        for (let i = 0; i < chunk.length; i++) chunk[i] = (sent + i) & 0xff;
        const err = c.putData(chunk);
        if (err === GodotError.OK) sent += chunk.length;
        else assert.equal(err, GodotError.ERR_BUSY);
        return err;
      };
      while (put() === GodotError.OK) {
        assert.ok(sent < 512 << 20, "putData never said ERR_BUSY");
        // Let the socket flush to the kernel now and then, as a game loop would between frames.
        if ((sent & ((1 << 20) - 1)) === 0) {
          c.poll();
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      busy++;
      // Then 2 MiB more while the server reads: refused records must wait and go out in order.
      const total = sent + (2 << 20);
      while (sent < total) {
        if (put() === GodotError.OK) continue;
        busy++;
        drain();
        c.poll();
        await new Promise((r) => setTimeout(r, 1));
      }
      await until(() => {
        drain();
        c.poll();
        return received >= total || s.getStatus() !== StreamPeerTLSStatus.STATUS_CONNECTED;
      }, "every byte at the server", 60_000);
      assert.equal(s.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED, s.getErrorMessage());
      assert.equal(received, total);
      assert.equal(mismatch, -1);
      assert.ok(busy > 0, "the pending bound was reached");
    }, { outboundBufferLimit: 64 * 1024 });
  });
});

describe("StreamPeerTLS writing more than 64 MiB in one putData", () => {
  test("OK, and every byte reaches the server (the session's 4,096-record outbox stopped it with ERR_OUT_OF_MEMORY after 64 MiB had gone out)", async () => {
    await withTlsSession(async ({ c, s }) => {
      const size = (64 << 20) + 1000;
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 4096) data[i] = (i >>> 12) & 0xff;
      assert.equal(c.putData(data), GodotError.OK);
      let received = 0;
      let mismatch = -1;
      await until(() => {
        c.poll();
        s.poll();
        const [, got] = s.getPartialData(s.getAvailableBytes());
        for (let i = 0; i < got.length && mismatch < 0; i++) if (got[i] !== data[received + i]) mismatch = received + i;
        received += got.length;
        return received >= size || s.getStatus() !== StreamPeerTLSStatus.STATUS_CONNECTED;
      }, "every byte at the server", 60_000);
      assert.equal(s.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED, s.getErrorMessage());
      assert.equal(received, size);
      assert.equal(mismatch, -1);
    });
  });
});

describe("StreamPeerTLS reading many records at once", () => {
  test("5,000 one-byte records waiting in TCP when the server polls: every byte arrives, in order (4,096 did, the rest were dropped)", async () => {
    await withTlsSession(async ({ c, s, server }) => {
      // A one-byte record's size on the wire depends on the suite the runtime chose (22 bytes with
      // ChaCha20-Poly1305, 30 with AES-GCM, which Bun prefers): one is sent first and measured.
      assert.equal(c.putData(Uint8Array.of(0xaa)), GodotError.OK);
      await until(() => server.getAvailableBytes() > 0, "the first record in the server's TCP buffer");
      const recordBytes = server.getAvailableBytes();
      s.poll();
      assert.deepEqual(s.getPartialData(1), [GodotError.OK, Uint8Array.of(0xaa)]);
      // One record per putData, as Godot's put_data makes them; the server reads nothing meanwhile.
      for (let i = 0; i < 5000; i++) assert.equal(c.putData(Uint8Array.of(i & 0xff)), GodotError.OK);
      const wireBytes = 5000 * recordBytes;
      await until(() => {
        c.poll();
        server.poll();
        return server.getAvailableBytes() >= wireBytes;
      }, "the records in the server's TCP buffer");
      s.poll();
      assert.equal(s.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED, s.getErrorMessage());
      const [err, data] = s.getPartialData(s.getAvailableBytes());
      assert.equal(err, GodotError.OK);
      assert.equal(data.length, 5000);
      data.forEach((b, i) => assert.equal(b, i & 0xff));
    });
  });
});

describe("StreamPeerTLS over a StreamPeerTCP that is not connected, as Godot 4.6's", () => {
  test("connectToStream: FAILED and STATUS_ERROR_HOSTNAME_MISMATCH (its status for a handshake failing at once); acceptStream: FAILED and STATUS_ERROR", () => {
    const c = new StreamPeerTLS();
    assert.equal(c.connectToStream(new StreamPeerTCP(), "localhost", TLSOptions.client(cert)), GodotError.FAILED);
    assert.equal(c.getStatus(), StreamPeerTLSStatus.STATUS_ERROR_HOSTNAME_MISMATCH);
    assert.equal(c.getStream(), null);
    const s = new StreamPeerTLS();
    assert.equal(s.acceptStream(new StreamPeerTCP(), TLSOptions.server(key, cert)), GodotError.FAILED);
    assert.equal(s.getStatus(), StreamPeerTLSStatus.STATUS_ERROR);
    assert.equal(s.getStream(), null);
  });
});

// StreamPeerUDS and UDSServer on this runtime: byte layouts against python3's
// AF_UNIX sockets both ways, the status machine over unix sockets, and errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GodotError, NetError, StreamPeerSocketStatus as S, StreamPeerUDS, UDSServer } from "../../src/index.ts";
import { exchange } from "./layout.ts";
import { spawnPython, until } from "./spawn-peer.ts";

const isCode = (code: GodotError) => (e: unknown): boolean => e instanceof NetError && e.code === code;
let n = 0;
const socketPath = (): string => join(tmpdir(), `pp-uds-${process.pid}-${n++}.sock`);

describe("unix domain sockets", { skip: process.platform === "win32" && "no unix sockets" }, () => {
  test("StreamPeerUDS -> python AF_UNIX server: byte layouts both ways", async () => {
    const path = socketPath();
    const py = spawnPython("server", "layout", "unix", path);
    const peer = new StreamPeerUDS();
    try {
      await py.ready;
      const p = peer.connectToHost(path);
      assert.equal(peer.getStatus(), S.STATUS_CONNECTING);
      await p;
      assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
      assert.equal(peer.getConnectedPath(), path);
      await exchange(peer);
      peer.disconnectFromHost();
      assert.equal(peer.getConnectedPath(), "");
      assert.equal((await py.exited).code, 0);
    } finally {
      peer.disconnectFromHost();
      py.kill();
      rmSync(path, { force: true });
    }
  });

  test("python AF_UNIX client -> UDSServer: layouts, then FIN -> NONE on poll()", async () => {
    const path = socketPath();
    const server = new UDSServer();
    let py: ReturnType<typeof spawnPython> | undefined;
    try {
      await server.listen(path);
      assert.equal(server.isListening(), true);
      assert.equal(server.getListeningPath(), path);
      py = spawnPython("client", "layout", "unix", path);
      await until(() => server.isConnectionAvailable(), "python to connect");
      const peer = server.takeConnection()!;
      assert.ok(peer instanceof StreamPeerUDS);
      await exchange(peer);
      peer.disconnectFromHost();
      assert.equal((await py.exited).code, 0);

      py = spawnPython("client", "fin", "unix", path);
      await until(() => server.isConnectionAvailable(), "fin client");
      const finPeer = server.takeConnection()!;
      await assert.rejects(finPeer.getData(6), isCode(GodotError.ERR_FILE_EOF));
      assert.equal(finPeer.getString(5), "hello");
      assert.equal(finPeer.getStatus(), S.STATUS_CONNECTED);
      finPeer.poll();
      assert.equal(finPeer.getStatus(), S.STATUS_NONE);
    } finally {
      server.stop();
      py?.kill();
      rmSync(path, { force: true });
    }
  });

  test("python AF_UNIX peer resets -> ERROR on poll()", async () => {
    const path = socketPath();
    const py = spawnPython("server", "rst", "unix", path);
    const peer = new StreamPeerUDS();
    try {
      await py.ready;
      await peer.connectToHost(path);
      assert.deepEqual(await peer.getData(1), Uint8Array.of(0x78));
      const pending = peer.getData(1);
      peer.putU8(0);
      // SO_LINGER 0 on a unix socket still closes it; whether the OS reports a reset or a
      // clean close, a pending read must not hang and poll() must leave CONNECTED.
      await assert.rejects(pending, NetError);
      peer.poll();
      assert.notEqual(peer.getStatus(), S.STATUS_CONNECTED);
    } finally {
      peer.disconnectFromHost();
      py.kill();
      rmSync(path, { force: true });
    }
  });

  test("in-process UDSServer and StreamPeerUDS", async () => {
    const path = socketPath();
    const server = new UDSServer();
    const client = new StreamPeerUDS();
    try {
      await server.listen(path);
      await client.connectToHost(path);
      await until(() => server.isConnectionAvailable(), "accept");
      const accepted = server.takeConnection()!;
      assert.equal(accepted.getConnectedPath(), "");
      client.bigEndian = true;
      client.putU64(42n);
      client.putUtf8String("über unix");
      accepted.bigEndian = true;
      await until(() => accepted.getAvailableBytes() >= 8 + 4 + 10, "bytes");
      assert.equal(accepted.getU64(), 42n);
      assert.equal(accepted.getUtf8String(), "über unix");
      accepted.disconnectFromHost();
      await assert.rejects(client.getData(1), isCode(GodotError.ERR_FILE_EOF));
      client.poll();
      assert.equal(client.getStatus(), S.STATUS_NONE);
    } finally {
      client.disconnectFromHost();
      server.stop();
      rmSync(path, { force: true });
    }
  });

  test("listen takes over a socket file its server left behind (a connect is refused), as Godot's; not a live server's path", async () => {
    const stale = socketPath();
    // A socket python bound and left without listening or unlinking: what a killed server leaves.
    const py = spawnPython("stale", "-", "unix", stale);
    const server = new UDSServer();
    const other = new UDSServer();
    const client = new StreamPeerUDS();
    try {
      assert.equal((await py.exited).code, 0);
      await server.listen(stale);
      assert.equal(server.getListeningPath(), stale);
      await client.connectToHost(stale);
      await until(() => server.isConnectionAvailable(), "the client to reach the new server");
      // A server that answers keeps its path.
      await assert.rejects(other.listen(stale), isCode(GodotError.ERR_ALREADY_IN_USE));
      assert.equal(other.isListening(), false);
      client.putData(Uint8Array.of(7));
      const accepted = server.takeConnection()!;
      await until(() => accepted.getAvailableBytes() === 1, "the byte to arrive");
      assert.equal(accepted.getU8(), 7);
    } finally {
      client.disconnectFromHost();
      server.stop();
      other.stop();
      py.kill();
      rmSync(stale, { force: true });
    }
  });

  test("errors: nothing listening, path in use, double listen, bind, bad arguments", async () => {
    const missing = socketPath();
    const peer = new StreamPeerUDS();
    // As Godot 4.6's StreamPeerUDS: the unix connect() fails inside connect_to_host, FAILED and NONE.
    await assert.rejects(peer.connectToHost(missing), isCode(GodotError.FAILED));
    assert.equal(peer.getStatus(), S.STATUS_NONE);

    const busy = socketPath();
    writeFileSync(busy, "not a socket");
    const server = new UDSServer();
    try {
      await assert.rejects(server.listen(busy), isCode(GodotError.ERR_ALREADY_IN_USE));
      assert.equal(server.isListening(), false);
      const path = socketPath();
      await server.listen(path);
      await assert.rejects(server.listen(socketPath()), isCode(GodotError.ERR_ALREADY_IN_USE));
      server.stop();
      assert.equal(server.isListening(), false);
      assert.equal(server.getListeningPath(), "");
      rmSync(path, { force: true });
    } finally {
      server.stop();
      rmSync(busy, { force: true });
    }
    assert.equal(new StreamPeerUDS().bind(socketPath()), GodotError.ERR_UNAVAILABLE);
    await assert.rejects(new StreamPeerUDS().connectToHost(""), isCode(GodotError.ERR_INVALID_PARAMETER));
    await assert.rejects(new StreamPeerUDS().connectToHost(42 as unknown as string), TypeError);
    await assert.rejects(new StreamPeerUDS().connectToHost("/tmp/" + "x".repeat(200)), RangeError);
  });
});

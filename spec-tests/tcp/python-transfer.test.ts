// 100 MiB each way between StreamPeerTCP and a python3 socket peer, checked with
// SHA-256 on both sides. Data is generated and hashed in 1 MiB blocks as it
// streams; nothing holds the whole transfer.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { StreamPeerTCP } from "../../src/index.ts";
import { peerPort, spawnPython } from "./spawn-peer.ts";

const TOTAL = 100 * 1024 * 1024;
const BLOCK = 1024 * 1024;

function u64le(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

/** Send `data` whole, waiting for room as the peer reads. */
async function sendAll(peer: StreamPeerTCP, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const [err, sent] = peer.putPartialData(off === 0 ? data : data.subarray(off));
    assert.equal(err, 0);
    off += sent;
    if (off < data.length) await peer.waitWritable();
  }
}

describe("100 MiB transfers against python3", () => {
  test("StreamPeerTCP -> python: 100 MiB, SHA-256 verified by python", async () => {
    const py = spawnPython("server", "sink");
    const peer = new StreamPeerTCP();
    try {
      await peer.connectToHost("127.0.0.1", await peerPort(py));
      const hash = createHash("sha256");
      const block = new Uint8Array(BLOCK);
      for (let i = 0; i < BLOCK; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
      const view = new DataView(block.buffer);
      await sendAll(peer, u64le(TOTAL));
      const started = performance.now();
      for (let sent = 0, n = 0; sent < TOTAL; sent += BLOCK, n++) {
        view.setUint32(0, n, true); // vary every block so reordering would be caught
        hash.update(block);
        await sendAll(peer, block);
      }
      await sendAll(peer, new Uint8Array(hash.digest()));
      const verdict = await peer.getData(2);
      const seconds = (performance.now() - started) / 1000;
      assert.equal(String.fromCharCode(...verdict), "OK");
      console.log(`# send 100 MiB: ${(100 / seconds).toFixed(0)} MiB/s`);
      peer.disconnectFromHost();
      assert.equal((await py.exited).code, 0);
    } finally {
      peer.disconnectFromHost();
      py.kill();
    }
  });

  test("python -> StreamPeerTCP: 100 MiB, SHA-256 verified here", async () => {
    const py = spawnPython("server", "source");
    const peer = new StreamPeerTCP();
    try {
      await peer.connectToHost("127.0.0.1", await peerPort(py));
      assert.equal(peer.putData(u64le(TOTAL)), 0);
      const hash = createHash("sha256");
      const started = performance.now();
      let left = TOTAL;
      while (left > 0) {
        const chunk = await peer.getData(Math.min(left, 256 * 1024));
        hash.update(chunk);
        left -= chunk.length;
      }
      const theirs = await peer.getData(32);
      const seconds = (performance.now() - started) / 1000;
      assert.deepEqual(new Uint8Array(hash.digest()), theirs);
      console.log(`# receive 100 MiB: ${(100 / seconds).toFixed(0)} MiB/s`);
      peer.disconnectFromHost();
      assert.equal((await py.exited).code, 0);
    } finally {
      peer.disconnectFromHost();
      py.kill();
    }
  });
});

// ENet hands its datagrams to a transport with sendUncopied (Node's) as views of its arena,
// without a copy, and rewrites that arena only once the transport says no send is queued.
// Here a transport keeps every datagram it is given "queued" (as libuv does when the socket
// buffer is full) for several service passes: the bytes it was handed must not change meanwhile.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { DatagramTransport, RuntimeAdapter } from "../../src/transport/types.ts";

interface Held {
  view: Uint8Array;
  snapshot: Uint8Array;
  address: string;
  port: number;
}

/** A runtime whose sockets take datagrams uncopied and hold them until `release()`. */
function holdingSends(inner: RuntimeAdapter): { runtime: RuntimeAdapter; held: Held[]; arenas: Set<ArrayBufferLike>; release(): number } {
  const held: Held[] = [];
  const arenas = new Set<ArrayBufferLike>();
  let transport: DatagramTransport | null = null;
  const runtime: RuntimeAdapter = {
    ...inner,
    createDatagramTransport(): DatagramTransport {
      const t = inner.createDatagramTransport();
      transport = t;
      return {
        bind: (a, p) => t.bind(a, p),
        send: (d, a, p) => t.send(d, a, p),
        sendUncopied: (d, a, p) => {
          held.push({ view: d, snapshot: d.slice(), address: a, port: p });
          arenas.add(d.buffer);
        },
        sendsQueued: () => held.length > 0,
        onDatagram: (cb) => t.onDatagram(cb),
        close: () => t.close(),
      };
    },
  };
  const release = (): number => {
    let changed = 0;
    for (const h of held) {
      if (h.view.length !== h.snapshot.length || h.view.some((b, i) => b !== h.snapshot[i])) changed++;
      transport!.send(h.view, h.address, h.port);
    }
    held.length = 0;
    return changed;
  };
  return { runtime, held, arenas, release };
}

test("ENet leaves the datagrams it handed over uncopied untouched while the transport has sends queued", async () => {
  const net = new MemoryNetwork({ seed: 11, defaultLink: { latencyMs: 2 } });
  const server = new ENetConnection({ runtime: net.createRuntime("10.9.0.1") });
  await server.createHostBound("10.9.0.1", 7100, { maxPeers: 2, maxChannels: 2 });
  const sending = holdingSends(net.createRuntime("10.9.0.2"));
  const client = new ENetConnection({ runtime: sending.runtime });
  await client.createHost({ maxPeers: 1, maxChannels: 2 });
  const peer = await client.connectToHost("10.9.0.1", 7100, { channels: 2 });

  const packets = 1000;
  const payloadOf = (n: number): Uint8Array => {
    const p = new Uint8Array(200 + ((n * 37) % 1100));
    for (let i = 0; i < p.length; i++) p[i] = (n * 7 + i) & 0xff;
    return p;
  };
  const received: Uint8Array[] = [];
  let sent = 0;
  let changed = 0;
  let heldAtOnce = 0;
  let connected = false;
  for (let round = 0; round < 4000 && received.length < packets; round++) {
    if (connected && sent < packets) {
      for (let k = 0; k < 12 && sent < packets; k++) peer.send(sent % 2, payloadOf(sent++), PacketFlags.RELIABLE);
    }
    client.poll();
    // Hold what the client sent over five passes (its arena fills and is replaced meanwhile),
    // then let it all go at once, checking nothing was rewritten.
    heldAtOnce = Math.max(heldAtOnce, sending.held.length);
    if (round % 5 === 4) changed += sending.release();
    for (let ev = server.poll(); ev.type !== EventType.NONE; ev = server.poll()) {
      if (ev.type === EventType.CONNECT) connected = true;
      if (ev.type === EventType.RECEIVE) received.push(ev.peer!.getPacket());
    }
    if (!connected && client.poll().type === EventType.CONNECT) connected = true;
    await net.runFor(1);
  }
  assert.equal(changed, 0, "no datagram changed while it was queued");
  assert.ok(heldAtOnce >= 20, `several passes' datagrams were held at once (${heldAtOnce})`);
  assert.equal(received.length, packets);
  // Once the held datagrams are released, the next pass starts the arena over: one arena serves
  // the whole run (about 700 KB of datagrams), where never starting over would have replaced it
  // with a larger one each time it filled.
  assert.equal(sending.arenas.size, 1, `arenas used: ${sending.arenas.size}`);
  // Every packet arrives once and intact.
  const expected = new Map<string, number>();
  for (let n = 0; n < packets; n++) {
    const key = Buffer.from(payloadOf(n)).toString("base64");
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  for (const p of received) {
    const key = Buffer.from(p).toString("base64");
    const left = expected.get(key) ?? 0;
    assert.ok(left > 0, "a packet that was never sent, or a corrupted one, arrived");
    expected.set(key, left - 1);
  }
  client.destroy();
  server.destroy();
  net.close();
});

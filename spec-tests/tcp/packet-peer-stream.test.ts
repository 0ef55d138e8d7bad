// PacketPeerStream: Godot's length-prefixed packets over a StreamPeer. Framing across any
// chunking of the stream, Godot's buffer sizing and error codes, a hostile length prefix, and live
// against Godot 3.2.3's PacketPeerStream over TCP both ways (raw packets and Variants).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { GodotError, PacketPeerStream, StreamPeerBuffer, StreamPeerSocketStatus, StreamPeerTCP, TCPServer } from "../../src/index.ts";
import { VirtualClock } from "../../src/transport/virtual-clock.ts";
import { ScriptedRuntime, ScriptedStream } from "./fake-stream.ts";
import { ROOT, spawnPeer, until, type Peer } from "./spawn-peer.ts";

const GODOT = "/usr/bin/godot3-server";
const PROJECT = join(ROOT, "spec-tests", "tcp", "peers", "godot");

/** A StreamPeerBuffer that reports at most `trickle` bytes available at a time, as a slow socket would. */
class TrickleStream extends StreamPeerBuffer {
  constructor(private readonly trickle: number) {
    super();
  }
  override getAvailableBytes(): number {
    return Math.min(this.trickle, super.getAvailableBytes());
  }
}

function framed(...packets: Uint8Array[]): Uint8Array {
  const out = new StreamPeerBuffer();
  for (const p of packets) {
    out.putU32(p.length);
    out.putData(p);
  }
  return out.dataArray;
}

function readable(bytes: Uint8Array, trickle = Infinity): StreamPeerBuffer {
  const stream = trickle === Infinity ? new StreamPeerBuffer() : new TrickleStream(trickle);
  stream.dataArray = bytes;
  return stream;
}

const pattern = (n: number, mod = 251): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % mod);

describe("PacketPeerStream", () => {
  test("packets split across every chunking of the stream come out whole and in order", () => {
    const packets = [pattern(1), pattern(300), new Uint8Array(0), pattern(5000, 7)];
    for (const trickle of [1, 3, 4, 5, 301, Infinity]) {
      const pps = new PacketPeerStream();
      pps.streamPeer = readable(framed(...packets), trickle);
      const got: Uint8Array[] = [];
      for (let polls = 0; polls < 10_000 && got.length < packets.length; polls++) {
        if (pps.getAvailablePacketCount() > 0) got.push(pps.getPacket());
      }
      assert.deepEqual(got, packets, `trickle ${trickle}`);
      assert.equal(pps.getAvailablePacketCount(), 0);
      assert.equal(pps.getPacket().length, 0);
      assert.equal(pps.getPacketError(), GodotError.ERR_UNAVAILABLE);
    }
  });

  test("putPacket frames with a little-endian length; an empty packet sends nothing; sizes as Godot", () => {
    const pps = new PacketPeerStream();
    assert.equal(pps.putPacket(pattern(3)), GodotError.ERR_UNCONFIGURED);
    assert.equal(pps.putPacket(new Uint8Array(0)), GodotError.OK); // Godot's binding answers it before the peer
    assert.equal(pps.getPacket().length, 0);
    assert.equal(pps.getPacketError(), GodotError.ERR_UNCONFIGURED);
    const out = new StreamPeerBuffer();
    pps.setStreamPeer(out);
    assert.equal(pps.putPacket(new Uint8Array([7, 8, 9])), GodotError.OK);
    assert.equal(pps.putPacket(new Uint8Array(0)), GodotError.OK);
    assert.deepEqual(Array.from(out.dataArray), [3, 0, 0, 0, 7, 8, 9]);
    assert.equal(pps.outputBufferMaxSize, 65532);
    assert.equal(pps.putPacket(new Uint8Array(65533)), GodotError.ERR_INVALID_PARAMETER);
    assert.equal(pps.putPacket(new Uint8Array(65532)), GodotError.OK);
    // Godot rounds a buffer up to a power of two holding the packet and its prefix.
    pps.outputBufferMaxSize = 1000;
    assert.equal(pps.outputBufferMaxSize, 1020);
    pps.inputBufferMaxSize = 10;
    assert.equal(pps.getInputBufferMaxSize(), 12);
    assert.throws(() => (pps.inputBufferMaxSize = -1), RangeError);
    assert.throws(() => pps.putPacket("x" as never), TypeError);
    assert.throws(() => pps.setStreamPeer({} as never), TypeError);
  });

  test("a length prefix larger than the input buffer stops reading the stream and reports ERR_OUT_OF_MEMORY", () => {
    const pps = new PacketPeerStream();
    pps.inputBufferMaxSize = 60;
    const hostile = new StreamPeerBuffer();
    hostile.putU32(0xffffffff);
    hostile.putData(pattern(200));
    hostile.seek(0);
    pps.streamPeer = hostile;
    assert.equal(pps.getAvailablePacketCount(), 0);
    assert.equal(pps.getPacket().length, 0);
    assert.equal(pps.getPacketError(), GodotError.ERR_OUT_OF_MEMORY);
    assert.equal(pps.oversizedPackets, 1);
    // At most one input buffer was read: the rest stays in the stream.
    assert.equal(hostile.getAvailableBytes(), 204 - 64);
    // A new stream starts afresh.
    pps.streamPeer = readable(framed(pattern(10)));
    assert.deepEqual(pps.getPacket(), pattern(10));
    assert.equal(pps.getPacketError(), GodotError.OK);
  });

  test("every call reads the stream, as Godot's _poll_buffer(): a closed TCP stream is found (NONE) and putPacket returns the read's error", async () => {
    async function over(): Promise<{ tcp: StreamPeerTCP; stream: ScriptedStream; pps: PacketPeerStream }> {
      const runtime = new ScriptedRuntime(new VirtualClock());
      const tcp = new StreamPeerTCP({ runtime, clock: runtime.clock });
      const connecting = tcp.connectToHost("127.0.0.1", 4242);
      const stream = new ScriptedStream();
      runtime.connects[0]!.resolve(stream);
      await connecting;
      const pps = new PacketPeerStream();
      pps.streamPeer = tcp;
      return { tcp, stream, pps };
    }
    const a = await over();
    a.stream.receive(framed(pattern(3)));
    a.stream.fin();
    assert.equal(a.pps.getAvailablePacketCount(), 1); // this read takes the bytes
    assert.equal(a.tcp.getStatus(), StreamPeerSocketStatus.STATUS_CONNECTED);
    assert.deepEqual(a.pps.getPacket(), pattern(3)); // this one finds the end; the packet was buffered
    assert.equal(a.tcp.getStatus(), StreamPeerSocketStatus.STATUS_NONE);
    assert.equal(a.pps.getAvailablePacketCount(), 0);
    assert.equal(a.pps.putPacket(pattern(2)), GodotError.FAILED);
    const b = await over();
    b.stream.fin();
    assert.equal(b.pps.putPacket(new Uint8Array(0)), GodotError.OK); // reads nothing: answered before the stream
    assert.equal(b.tcp.getStatus(), StreamPeerSocketStatus.STATUS_CONNECTED);
    assert.equal(b.pps.putPacket(pattern(2)), GodotError.ERR_FILE_EOF);
    assert.equal(b.tcp.getStatus(), StreamPeerSocketStatus.STATUS_NONE);
    assert.deepEqual(b.stream.writtenBytes(), []);
  });

  test("putVar / getVar round trip through the framing", () => {
    const sender = new PacketPeerStream();
    const wire = new StreamPeerBuffer();
    sender.streamPeer = wire;
    assert.equal(sender.putVar({ name: "ada", hp: 7 }), GodotError.OK);
    assert.equal(sender.putVar([1, "two"]), GodotError.OK);
    const receiver = new PacketPeerStream();
    receiver.streamPeer = readable(wire.dataArray, 5);
    const got: unknown[] = [];
    for (let polls = 0; polls < 1000 && got.length < 2; polls++) if (receiver.getAvailablePacketCount() > 0) got.push(receiver.getVar());
    assert.deepEqual(got, [{ name: "ada", hp: 7 }, [1, "two"]]);
  });
});

describe("PacketPeerStream against real Godot", { skip: !existsSync(GODOT) && "godot3-server not installed" }, () => {
  test("Godot 3.2.3 PacketPeerStream over StreamPeerTCP <-> ours over TCPServer: Variants and a 60000-byte packet both ways", async () => {
    const server = new TCPServer();
    let godot: Peer | undefined;
    const godot3 = { protocol: "godot3" } as const;
    try {
      await server.listen(0, "127.0.0.1");
      godot = spawnPeer(GODOT, ["--path", PROJECT, "-s", "packet_stream.gd", `pp_port=${server.getLocalPort()}`], 30_000);
      await until(() => server.isConnectionAvailable(), "Godot to connect", 25_000);
      const pps = new PacketPeerStream();
      pps.streamPeer = server.takeConnection()!;
      await until(() => pps.getAvailablePacketCount() >= 3, "Godot's three packets", 20_000);
      assert.deepEqual(pps.getVar(false, godot3), { hello: "from godot", n: 7 });
      assert.deepEqual(pps.getPacket(), pattern(60000), "Godot's raw packet");
      assert.deepEqual(pps.getVar(false, godot3), [1, 2.5, "three"]);
      assert.equal(pps.getAvailablePacketCount(), 0, "Godot's empty put_packet sent nothing");

      const big = pattern(50000, 13);
      assert.equal(pps.putVar("ping", false, godot3), GodotError.OK);
      assert.equal(pps.putVar(big, false, godot3), GodotError.OK);
      await until(() => pps.getAvailablePacketCount() >= 2, "Godot's echoes", 20_000);
      assert.deepEqual(pps.getVar(false, godot3), ["echo", "ping"]);
      assert.deepEqual(pps.getVar(false, godot3), ["echo", big]);
      assert.equal(pps.putVar("bye", false, godot3), GodotError.OK);
      const { stdout, stderr } = await godot.exited;
      const sum = big.reduce((a, b) => a + b, 0);
      assert.match(stdout, new RegExp(`GODOT GOT \\["ping","bytes:50000:${sum}","bye"\\]`), `${stdout}\n${stderr}`);
    } finally {
      server.stop();
      godot?.kill();
    }
  });
});

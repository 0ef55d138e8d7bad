// The edges of StreamPeerBuffer, PacketPeerStream (over a StreamPeerBuffer) and StreamPeerGZIP,
// and the empty-array answers of the StreamPeer/PacketPeer bindings, on real Godot 4.6 against
// ours: every case's result, Godot's and ours, must be equal. The edges ours keeps different on
// purpose (docs/tcp.md: a short get_data or typed read, a length prefix above 2^31 - 1, resize
// below the cursor, a packet of exactly input_buffer_max_size) are left out.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PacketPeerStream, StreamPeerBuffer, StreamPeerGZIP, StreamPeerTCP } from "../../src/index.ts";
import { godot4SkipReason, runGodot4, GD_QUIT_ON_FIRST_FRAME } from "../godot4/harness.ts";

const skip = godot4SkipReason();
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const pair = ([err, data]: [number, Uint8Array]): [number, string] => [err, hex(data)];

// Each case: the GDScript that computes it (into `r`), and ours computing the same value.
const cases: Record<string, { gd: string; ours: () => unknown }> = {
  buffer_partial_at_end: {
    gd: `var b := StreamPeerBuffer.new()
	b.put_data(PackedByteArray([1, 2, 3]))
	var x = b.get_partial_data(5)
	var y = b.get_partial_data(0)
	r = [x[0], x[1].hex_encode(), y[0], y[1].hex_encode()]`,
    ours: () => {
      const b = new StreamPeerBuffer();
      b.putData(Uint8Array.of(1, 2, 3));
      return [...pair(b.getPartialData(5)), ...pair(b.getPartialData(0))];
    },
  },
  buffer_duplicate: {
    gd: `var b := StreamPeerBuffer.new()
	b.data_array = PackedByteArray([1, 0, 0, 2])
	b.big_endian = true
	b.seek(2)
	var d := b.duplicate()
	r = [d.big_endian, d.get_position(), d.get_size(), d.get_u32(), b.get_position()]`,
    ours: () => {
      const b = new StreamPeerBuffer();
      b.dataArray = Uint8Array.of(1, 0, 0, 2);
      b.bigEndian = true;
      b.seek(2);
      const d = b.duplicate();
      return [d.bigEndian, d.getPosition(), d.getSize(), d.getU32(), b.getPosition()];
    },
  },
  buffer_empty_puts: {
    gd: `var b := StreamPeerBuffer.new()
	r = [b.put_data(PackedByteArray()), b.put_partial_data(PackedByteArray()), b.get_size()]`,
    ours: () => {
      const b = new StreamPeerBuffer();
      return [b.putData(new Uint8Array(0)), b.putPartialData(new Uint8Array(0)), b.getSize()];
    },
  },
  buffer_strings_and_vars: {
    gd: `var b := StreamPeerBuffer.new()
	b.data_array = PackedByteArray([2, 0, 0, 0, 65, 0, 4, 0, 0, 0, 255, 255, 255, 255])
	r = [b.get_string(), b.get_position(), b.get_var(), b.get_position()]`,
    ours: () => {
      const b = new StreamPeerBuffer();
      b.dataArray = Uint8Array.of(2, 0, 0, 0, 65, 0, 4, 0, 0, 0, 255, 255, 255, 255);
      return [b.getString(), b.getPosition(), b.getVar(), b.getPosition()];
    },
  },
  pps_without_stream: {
    gd: `var p := PacketPeerStream.new()
	var g := p.get_packet()
	r = [p.input_buffer_max_size, p.output_buffer_max_size, p.put_packet(PackedByteArray([1])), p.put_packet(PackedByteArray()), g.size(), p.get_packet_error(), p.get_available_packet_count()]`,
    ours: () => {
      const p = new PacketPeerStream();
      const g = p.getPacket();
      return [p.inputBufferMaxSize, p.outputBufferMaxSize, p.putPacket(Uint8Array.of(1)), p.putPacket(new Uint8Array(0)), g.length, p.getPacketError(), p.getAvailablePacketCount()];
    },
  },
  pps_over_buffer: {
    gd: `var s := StreamPeerBuffer.new()
	var p := PacketPeerStream.new()
	p.stream_peer = s
	var puts := [p.put_packet(PackedByteArray([7, 8])), p.put_packet(PackedByteArray()), p.put_var(5)]
	var written := s.data_array.hex_encode()
	s.seek(0)
	var count := p.get_available_packet_count()
	var first := p.get_packet().hex_encode()
	var err := p.get_packet_error()
	var v = p.get_var()
	var last := p.get_packet().size()
	r = [puts, written, count, first, err, v, last, p.get_packet_error()]`,
    ours: () => {
      const s = new StreamPeerBuffer();
      const p = new PacketPeerStream();
      p.streamPeer = s;
      const puts = [p.putPacket(Uint8Array.of(7, 8)), p.putPacket(new Uint8Array(0)), p.putVar(5)];
      const written = hex(s.dataArray);
      s.seek(0);
      const count = p.getAvailablePacketCount();
      const first = hex(p.getPacket());
      const err = p.getPacketError();
      const v = p.getVar();
      const last = p.getPacket().length;
      return [puts, written, count, first, err, v, last, p.getPacketError()];
    },
  },
  pps_buffer_sizes: {
    gd: `var p := PacketPeerStream.new()
	p.stream_peer = StreamPeerBuffer.new()
	p.input_buffer_max_size = 100
	p.output_buffer_max_size = 100
	var a := [p.input_buffer_max_size, p.output_buffer_max_size]
	p.output_buffer_max_size = 0
	var z := [p.output_buffer_max_size, p.put_packet(PackedByteArray([1]))]
	p.output_buffer_max_size = 4
	r = [a, z, p.output_buffer_max_size, p.put_packet(PackedByteArray([1, 2, 3, 4])), p.put_packet(PackedByteArray([1, 2, 3, 4, 5]))]`,
    ours: () => {
      const p = new PacketPeerStream();
      p.streamPeer = new StreamPeerBuffer();
      p.inputBufferMaxSize = 100;
      p.outputBufferMaxSize = 100;
      const a = [p.inputBufferMaxSize, p.outputBufferMaxSize];
      p.outputBufferMaxSize = 0;
      const z = [p.outputBufferMaxSize, p.putPacket(Uint8Array.of(1))];
      p.outputBufferMaxSize = 4;
      return [a, z, p.outputBufferMaxSize, p.putPacket(Uint8Array.of(1, 2, 3, 4)), p.putPacket(Uint8Array.of(1, 2, 3, 4, 5))];
    },
  },
  pps_largest_receivable: {
    gd: `var s := StreamPeerBuffer.new()
	s.put_u32(11)
	s.put_data(PackedByteArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))
	s.seek(0)
	var p := PacketPeerStream.new()
	p.input_buffer_max_size = 12
	p.stream_peer = s
	r = [p.get_available_packet_count(), p.get_packet().hex_encode(), p.get_packet_error()]`,
    ours: () => {
      const s = new StreamPeerBuffer();
      s.putU32(11);
      s.putData(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
      s.seek(0);
      const p = new PacketPeerStream();
      p.inputBufferMaxSize = 12;
      p.streamPeer = s;
      return [p.getAvailablePacketCount(), hex(p.getPacket()), p.getPacketError()];
    },
  },
  gzip_unstarted: {
    gd: `var z := StreamPeerGZIP.new()
	var x = z.put_partial_data(PackedByteArray([1]))
	var y = z.get_partial_data(3)
	r = [z.put_data(PackedByteArray([1])), x, y[0], y[1].hex_encode(), z.get_available_bytes(), z.finish(), z.put_data(PackedByteArray()), z.put_partial_data(PackedByteArray())]`,
    ours: () => {
      const z = new StreamPeerGZIP();
      const x = z.putPartialData(Uint8Array.of(1));
      const y = pair(z.getPartialData(3));
      return [z.putData(Uint8Array.of(1)), x, ...y, z.getAvailableBytes(), z.finish(), z.putData(new Uint8Array(0)), z.putPartialData(new Uint8Array(0))];
    },
  },
  gzip_finish: {
    gd: `var z := StreamPeerGZIP.new()
	z.start_compression()
	z.put_data("hello".to_ascii_buffer())
	var d := StreamPeerGZIP.new()
	d.start_decompression()
	r = [z.finish(), z.finish(), z.put_data(PackedByteArray([1])), z.get_available_bytes(), d.finish(), d.start_compression()]`,
    ours: () => {
      const z = new StreamPeerGZIP();
      z.startCompression();
      z.putData(new TextEncoder().encode("hello"));
      const d = new StreamPeerGZIP();
      d.startDecompression();
      return [z.finish(), z.finish(), z.putData(Uint8Array.of(1)), z.getAvailableBytes(), d.finish(), d.startCompression()];
    },
  },
  tcp_unconnected: {
    // The web build cannot connect, but an unconnected StreamPeerTCP answers as anywhere.
    gd: `var t := StreamPeerTCP.new()
	var x = t.get_partial_data(4)
	var y = t.get_partial_data(0)
	r = [t.get_status(), t.put_data(PackedByteArray([1])), t.put_data(PackedByteArray()), t.put_partial_data(PackedByteArray([1])), t.put_partial_data(PackedByteArray()), x[0], x[1].hex_encode(), y[0], t.get_connected_host(), t.get_connected_port(), t.poll()]`,
    ours: () => {
      const t = new StreamPeerTCP();
      const x = pair(t.getPartialData(4));
      const y = t.getPartialData(0);
      return [t.getStatus(), t.putData(Uint8Array.of(1)), t.putData(new Uint8Array(0)), t.putPartialData(Uint8Array.of(1)), t.putPartialData(new Uint8Array(0)), ...x, y[0], t.getConnectedHost(), t.getConnectedPort(), t.poll()];
    },
  },
};

function gdscript(): string {
  const funcs = Object.entries(cases)
    .map(([name, c]) => `func case_${name}() -> Variant:\n\tvar r: Variant = null\n\t${c.gd}\n\treturn r\n`)
    .join("\n");
  const calls = Object.keys(cases)
    .map((name) => `\tout["${name}"] = case_${name}()`)
    .join("\n");
  return `extends SceneTree
${funcs}
func _initialize() -> void:
	var out := {}
${calls}
	print(JSON.stringify(out))

${GD_QUIT_ON_FIRST_FRAME}`;
}

describe("live: StreamPeerBuffer, PacketPeerStream, StreamPeerGZIP edges vs real Godot 4.6", { skip }, () => {
  test("every case gives Godot's result", async () => {
    const run = await runGodot4({ script: gdscript(), timeoutMs: 30_000 });
    assert.equal(run.exitCode, 0, run.errors.join("\n"));
    const godot = run.json[0] as Record<string, unknown>;
    assert.ok(godot, `no JSON from Godot: ${run.lines.join("\n")}`);
    for (const [name, c] of Object.entries(cases)) {
      // JSON on both sides: Godot's JSON.stringify prints its ints as numbers and its nulls as null.
      assert.deepEqual(JSON.parse(JSON.stringify(c.ours())), godot[name], name);
    }
  });
});

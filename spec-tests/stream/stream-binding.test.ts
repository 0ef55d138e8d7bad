// The stream plumbing WebSocketPeer and StreamPeerTCP/UDS share (src/stream/stream-binding.ts),
// on its own: a scripted stream and a virtual clock, so every step is deterministic.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StreamBinding, COALESCE_MAX } from "../../src/stream/stream-binding.ts";
import { VirtualClock } from "../../src/transport/virtual-clock.ts";
import type { Stream, StreamSink } from "../../src/transport/types.ts";
import { ScriptedStream, settle } from "../tcp/fake-stream.ts";

/**
 * A ScriptedStream that also offers Stream.setSink (as NodeStream does): the binding then takes its
 * events as the sink, and the stream's own callbacks are replaced by it (and it by them).
 */
class SinkScriptedStream extends ScriptedStream {
  private sink: StreamSink | null = null;
  sinkSet = 0;
  setSink(sink: StreamSink): void {
    this.sink = sink;
    this.sinkSet++;
  }
  override onData(cb: (c: Uint8Array) => void): void {
    this.sink = null;
    super.onData(cb);
  }
  override receive(bytes: number[] | Uint8Array): void {
    if (this.sink) this.sink.streamData(this, Uint8Array.from(bytes));
    else super.receive(bytes);
  }
  override fin(): void {
    if (this.sink) this.sink.streamEnd(this);
    else super.fin();
  }
  override finAndClose(): void {
    if (this.sink) {
      this.sink.streamEnd(this);
      this.sink.streamClose(this);
    } else super.finAndClose();
  }
  override reset(): void {
    if (this.sink) this.sink.streamClose(this, new Error("ECONNRESET"));
    else super.reset();
  }
  override osTakes(n: number): void {
    if (!this.sink) return super.osTakes(n);
    this.bufferedAmount = Math.max(0, this.bufferedAmount - n);
    this.sink.streamDrain(this);
  }
}

function binding(clock = new VirtualClock()) {
  const seen: string[] = [];
  const io = new StreamBinding(clock, {
    onData: () => seen.push("data"),
    onEnd: () => seen.push("end"),
    onClose: () => seen.push("close"),
    onDrain: () => seen.push("drain"),
  }, null);
  return { io, seen, clock };
}

/** A connect the test resolves or rejects by hand. */
function manualConnect() {
  let resolve: (s: Stream) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const open = (): Promise<Stream> => new Promise<Stream>((res, rej) => ((resolve = res), (reject = rej)));
  return { open, resolve: (s: Stream) => resolve(s), reject: (e: unknown) => reject(e) };
}

for (const kind of ["callbacks", "setSink"] as const) {
const newStream = (): ScriptedStream => (kind === "setSink" ? new SinkScriptedStream() : new ScriptedStream());

describe(`StreamBinding (stream events by ${kind})`, () => {
  test("the binding takes a stream's events as its sink when the stream offers setSink", () => {
    const { io } = binding();
    const s = newStream();
    io.attach(s);
    assert.equal(s instanceof SinkScriptedStream ? s.sinkSet : -1, kind === "setSink" ? 1 : -1);
  });

  test("connect with a deadline: the timer fails it once; a stream arriving after that is closed, not handed over", async () => {
    const { io, clock } = binding();
    const c = manualConnect();
    const results: string[] = [];
    io.connect(c.open, 500, { connected: () => results.push("connected"), failed: (_e, timedOut) => results.push(`failed timedOut=${timedOut}`) });
    assert.equal(io.connecting, true);
    clock.advance(499);
    assert.deepEqual(results, []);
    clock.advance(1);
    assert.deepEqual(results, ["failed timedOut=true"]);
    const late = newStream();
    c.resolve(late);
    await settle();
    assert.equal(late.closed, true);
    assert.deepEqual(results, ["failed timedOut=true"]);
  });

  test("checkConnectDeadline fails a connect from poll() when no timer fired; a refused connect reports timedOut=false", async () => {
    const frozen = { now: () => t, setTimeout: () => 0, clearTimeout: () => {} };
    let t = 0;
    const io = new StreamBinding(frozen, { onData() {}, onEnd() {}, onClose() {}, onDrain() {} }, null);
    const results: string[] = [];
    io.connect(manualConnect().open, 100, { connected: () => results.push("connected"), failed: (_e, timedOut) => results.push(`timedOut=${timedOut}`) });
    t = 100;
    assert.equal(io.checkConnectDeadline(t), false);
    t = 101;
    assert.equal(io.checkConnectDeadline(t), true);
    assert.deepEqual(results, ["timedOut=true"]);
    const c = manualConnect();
    io.connect(c.open, 0, { connected: () => results.push("connected"), failed: (_e, timedOut) => results.push(`timedOut=${timedOut}`) });
    c.reject(new Error("ECONNREFUSED"));
    await settle();
    assert.deepEqual(results, ["timedOut=true", "timedOut=false"]);
  });

  test("generation guard: after detach() nothing of the old stream reaches the handler; release() closes the stream", () => {
    const { io, seen } = binding();
    const s = newStream();
    io.attach(s);
    s.receive([1, 2]);
    assert.deepEqual(seen, ["data"]);
    assert.equal(io.inbound.length, 2);
    assert.equal(io.detach(), s);
    s.receive([3]);
    s.finAndClose();
    assert.deepEqual(seen, ["data"], "events of a stream let go of are ignored");
    assert.equal(s.closed, false, "detach does not close");
    const t = newStream();
    io.attach(t);
    io.release();
    assert.equal(t.closed, true);
    assert.equal(io.inbound.length, 0);
  });

  test("read flow: pauses above the high-water mark, resumes at the low-water mark", () => {
    const { io } = binding();
    const s = newStream();
    io.attach(s);
    s.receive(new Uint8Array(100));
    io.updateReadFlow(150, 50);
    assert.equal(s.paused, false);
    s.receive(new Uint8Array(100));
    io.updateReadFlow(150, 50);
    assert.equal(s.paused, true);
    io.inbound.read(120);
    io.updateReadFlow(150, 50);
    assert.equal(s.paused, true, "80 bytes left: above the low-water mark");
    io.inbound.read(30);
    io.updateReadFlow(150, 50);
    assert.equal(s.paused, false);
  });

  test("coalescing writer: small writes of one turn become one stream write; a large one flushes and goes at once, in order", async () => {
    const { io } = binding();
    const s = newStream();
    io.attach(s);
    io.writeCoalesced(Uint8Array.of(1));
    io.writeCoalesced(Uint8Array.of(2, 3));
    assert.equal(s.written.length, 0, "held until the end of the turn");
    assert.equal(io.bufferedAmount, 3);
    assert.equal(io.pendingWrites(), 2);
    await settle();
    assert.deepEqual(s.written.map((w) => [...w]), [[1, 2, 3]]);
    io.writeCoalesced(Uint8Array.of(4));
    io.writeCoalesced(new Uint8Array(COALESCE_MAX));
    assert.equal(s.written.length, 3, "the small write is flushed first, then the large one");
    assert.deepEqual([...s.written[1]!], [4]);
    assert.equal(io.pendingWrites(), 4, "writes the OS has not taken yet");
    s.osTakes(3 + 1 + COALESCE_MAX);
    assert.equal(io.pendingWrites(), 0);
  });

  test("end-linger-close: after our FIN, a stream the other side never closes is closed after the linger time", () => {
    const { io, clock } = binding();
    const s = newStream();
    io.attach(s);
    io.endAndLinger(2000);
    clock.advance(1999);
    assert.equal(s.closed, false);
    clock.advance(1);
    assert.equal(s.closed, true);
    const t = newStream();
    io.attach(t);
    io.endAndLinger(2000);
    t.finAndClose(); // the other side closed in time: no forced close pending
    clock.advance(5000);
    assert.equal(t.closed, false);
  });
});
}

// Two Godot 4.6 WebSocketMultiplayerPeer clients at once (one browser, two pages) against our
// WebSocketMultiplayerPeer server (Godot 4 protocol): the id handshake, put_packet/get_packet with
// get_packet_peer, transfer modes and channels, targeted / broadcast / excluding sends, relaying
// one client's packets to the other, one client leaving while the other stays, and the server
// closing. The clients obey "cmd:" packets from the server and report JSON lines.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { GodotError } from "../../src/errors.ts";
import { ConnectionStatus, TransferMode, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { dec, drain, enc, recordEvents, type Received } from "../multiplayer/support.ts";
import { godot4SkipReason, openGodot4, type Godot4Result } from "./harness.ts";

const skip = godot4SkipReason();

const CLIENT = readFileSync(fileURLToPath(new URL("./mp_client.gd", import.meta.url)), "utf8");

interface Report {
  ev: string;
  who: string;
  [k: string]: unknown;
}

describe("live: Godot 4.6 WebSocketMultiplayerPeer clients vs our WebSocketMultiplayerPeer server", { skip }, () => {
  test("id handshake, packets with peer/channel/mode, targets, relay, one client leaving, server close", async () => {
    const server = new WebSocketMultiplayerPeer();
    // Chromium offers permessage-deflate under Godot's web WebSocketPeer: the multiplayer framing runs over it.
    server.perMessageDeflate = { threshold: 0 };
    await server.createServer(0, "127.0.0.1");
    const serverLog = recordEvents(server);
    const got: Received[] = [];
    const reports: Report[] = [];
    const godot = await openGodot4();
    const abort = new AbortController();
    let failure: unknown;
    const runs: Promise<Godot4Result>[] = [];
    try {
      const url = `ws://127.0.0.1:${server.getLocalPort()}/`;
      for (const name of ["A", "B"]) {
        runs.push(
          godot.run({
            script: CLIENT,
            args: [`url=${url}`, `name=${name}`],
            timeoutMs: 60_000,
            signal: abort.signal,
            onLine: (line, stream) => {
              if (stream === "out" && line.startsWith("{")) reports.push(JSON.parse(line) as Report);
            },
          }),
        );
      }
      const until = async (done: () => boolean, what: string, ms = 15_000): Promise<void> => {
        const end = Date.now() + ms;
        for (;;) {
          server.poll();
          drain(server, got);
          if (done()) return;
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 2));
        }
      };
      const of = (who: string, ev: string) => reports.filter((r) => r.who === who && r.ev === ev);
      const send = (target: number, text: string, mode = TransferMode.TRANSFER_MODE_RELIABLE, channel = 0): void => {
        server.setTargetPeer(target);
        server.transferMode = mode;
        server.transferChannel = channel;
        assert.equal(server.putPacket(enc(text)), GodotError.OK);
      };

      // Handshake: both clients get an id (4 bytes from us) and say hello; get_packet_peer names them.
      const connected = (who: string) => of(who, "status").some((r) => r.status === ConnectionStatus.CONNECTION_CONNECTED);
      // (Godot's console lines reach us a little after its packets: wait for both.)
      // The first wait includes the web build booting in Chromium (over 15 s on a loaded machine): up to the runs' own limit.
      await until(() => got.filter((r) => r.text.startsWith("hello:")).length === 2 && connected("A") && connected("B"), "both hellos", 55_000);
      const ids = new Map(got.filter((r) => r.text.startsWith("hello:")).map((r) => [r.text.slice(6), r.from]));
      const a = ids.get("A")!;
      const b = ids.get("B")!;
      assert.ok(a >= 2 && b >= 2 && a !== b, `ids ${a} ${b}`);
      assert.deepEqual([...serverLog].sort(), [`+${a}`, `+${b}`].sort());
      assert.deepEqual(server.getPeerIds().sort(), [a, b].sort());
      for (const id of [a, b]) assert.match(server.getPeer(id)!.getExtensions(), /^permessage-deflate/);
      for (const r of got) assert.deepEqual([r.channel, r.mode], [0, TransferMode.TRANSFER_MODE_RELIABLE]);
      for (const [who, id] of [["A", a], ["B", b]] as const) {
        assert.deepEqual(of(who, "create").map((r) => r.err), [0]);
        assert.deepEqual(of(who, "peer_connected").map((r) => r.id), [1], `${who} sees the server, and only it`);
        const statuses = of(who, "status").map((r) => [r.status, r.id]);
        assert.deepEqual(statuses.at(-1), [ConnectionStatus.CONNECTION_CONNECTED, id], `${who} learnt its id`);
      }
      got.length = 0;

      // Clients send in every transfer mode and on channels: WebSocket is one reliable ordered
      // stream, so we see them in order as RELIABLE on channel 0.
      for (const [mode, ch] of [[TransferMode.TRANSFER_MODE_UNRELIABLE, 0], [TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, 3], [TransferMode.TRANSFER_MODE_RELIABLE, 7]]) {
        send(a, `cmd:send:${mode}:${ch}:1:m${mode}c${ch}`);
      }
      await until(() => got.length === 3, "A's three packets");
      assert.deepEqual(got.map((r) => [r.from, r.text, r.channel, r.mode]), [
        [a, "m0c0", 0, TransferMode.TRANSFER_MODE_RELIABLE],
        [a, "m1c3", 0, TransferMode.TRANSFER_MODE_RELIABLE],
        [a, "m2c7", 0, TransferMode.TRANSFER_MODE_RELIABLE],
      ]);
      assert.ok(of("A", "sent").every((r) => r.err === 0));
      got.length = 0;

      // Our sends: targeted, broadcast, all-but-one, in several modes/channels.
      send(a, "only-A", TransferMode.TRANSFER_MODE_UNRELIABLE, 2);
      send(b, "only-B");
      send(0, "everyone", TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, 1);
      send(-a, "all-but-A");
      // Relay: A asks to reach B; our application forwards it (Godot 4 relays in SceneMultiplayer).
      send(a, `cmd:send:2:0:1:to-B`);
      await until(() => got.length === 1, "A's relay request");
      assert.deepEqual([got[0]!.from, got[0]!.text], [a, "to-B"]);
      send(b, `from ${a}: to-B`);
      await until(() => of("B", "pkt").length === 4 && of("A", "pkt").length === 2, "the packets at both clients");
      const pkts = (who: string) => of(who, "pkt").map((r) => [r.from, r.data]);
      assert.deepEqual(pkts("A"), [[1, "only-A"], [1, "everyone"]]);
      assert.deepEqual(pkts("B"), [[1, "only-B"], [1, "everyone"], [1, "all-but-A"], [1, `from ${a}: to-B`]]);
      // Godot 4.6's WebSocket peer reports channel 0 / RELIABLE for everything it receives.
      for (const r of [...of("A", "pkt"), ...of("B", "pkt")]) assert.deepEqual([r.ch, r.mode], [0, TransferMode.TRANSFER_MODE_RELIABLE]);
      got.length = 0;

      // A leaves: we see it go; B stays connected and still gets broadcasts, A no longer does.
      send(a, "cmd:leave");
      await until(() => serverLog.includes(`-${a}`), "A's disconnection");
      assert.deepEqual(server.getPeerIds(), [b]);
      send(0, "after-A-left");
      await until(() => of("B", "pkt").length === 5 && of("A", "done").length === 1, "B's packet and A's end");
      assert.deepEqual(pkts("B").at(-1), [1, "after-A-left"]);
      assert.equal(of("A", "pkt").length, 2);
      assert.deepEqual(of("B", "peer_disconnected"), [], "B saw nothing of A leaving (Godot 4 clients know only the server)");
      assert.equal((await runs[0]!).exitCode, 0);

      // Chromium compressed B's hello; ours are too short to shrink and went plain (websocket.godot4.test.ts sends compressed ones).
      assert.ok(server.getPeer(b)!.getStats().messagesInflated >= 1, JSON.stringify(server.getPeer(b)!.getStats()));
      // The server closes: B sees peer 1 go and the connection end.
      server.close();
      const rb = await runs[1]!;
      assert.equal(rb.exitCode, 0, rb.errors.join("\n"));
      assert.deepEqual(of("B", "peer_disconnected").map((r) => r.id), [1]);
      assert.equal(of("B", "status").at(-1)?.status, ConnectionStatus.CONNECTION_DISCONNECTED);
    } catch (e) {
      failure = e;
      abort.abort();
    } finally {
      server.close();
      await Promise.allSettled(runs);
      await godot.close();
    }
    if (failure) {
      console.log(reports.map((r) => JSON.stringify(r)).join("\n"));
      throw failure;
    }
  });
});

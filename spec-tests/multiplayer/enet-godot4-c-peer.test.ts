// ENetMultiplayerPeer (Godot 4 protocol) against C ENet 1.3.17 playing a native Godot 4.6 peer at the
// ENet level, on real 127.0.0.1 sockets: what Godot's create_client sends (255 channels, CONNECT data =
// its ID), its put_packet channels and flags (RELIABLE on 0, UNSEQUENCED|UNRELIABLE_FRAGMENT or
// UNRELIABLE_FRAGMENT on 1, user channel n on n + 1), and what Godot's server accepts. Native Godot 4
// cannot run here (its web build has no ENet); its ENet is C ENet 1.3.18 with Godot's socket patches.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PacketFlags } from "../../src/enet/index.ts";
import { ConnectionStatus, ENetMultiplayerPeer, MultiplayerPeerEvent, TransferMode, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { buildEnetPeer, startCPeer, type JsonLineProcess } from "../enet-interop/harness.ts";
import { dec, drain, enc, type Received } from "./support.ts";

const built = buildEnetPeer();
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`enet-godot4-c-peer: skipped: ${skip}`);
const bin = () => (built as { path: string }).path;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `done()`; bounded so a broken run fails instead of hanging (no timing is asserted). */
async function until(peers: MultiplayerPeer[], done: () => boolean, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    for (const p of peers) p.poll();
    if (done()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

const ID = 123456789;

describe("ENetMultiplayerPeer with C ENet as a Godot 4 peer", { skip }, () => {
  const procs: JsonLineProcess[] = [];
  after(() => {
    for (const p of procs) p.kill();
  });

  test("our server: a C client connecting as Godot's create_client does; channels, flags, modes both ways; refused IDs; leave", async () => {
    const server = new ENetMultiplayerPeer();
    server.setBindIp("127.0.0.1");
    try {
      await server.createServer(0, 4);
      const port = server.host!.getLocalPort();
      const joined: number[] = [];
      const left: string[] = [];
      server.addEventListener("peer_connected", (e) => joined.push((e as MultiplayerPeerEvent).id));
      server.addEventListener("peer_disconnected", (e) => {
        const id = (e as MultiplayerPeerEvent).id;
        left.push(`${id}:${server.getPeer(id) !== null}`);
      });
      const { proc: c } = await startCPeer(bin(), { connect: `127.0.0.1:${port}`, channels: 255, data: ID });
      procs.push(c);
      await until([server], () => joined.length === 1, "the C client joins");
      assert.deepEqual(joined, [ID]);
      const connect = await c.waitFor((e) => e.ev === "connect");
      assert.equal(connect.channels, 255, "our server grants Godot's default 255 channels");

      // Godot's put_packet: RELIABLE ch 0; UNRELIABLE ch 1 UNSEQUENCED|UNRELIABLE_FRAGMENT; ORDERED ch 1
      // UNRELIABLE_FRAGMENT; transfer_channel 2 -> ENet channel 3.
      const U = PacketFlags.UNSEQUENCED | PacketFlags.UNRELIABLE_FRAGMENT;
      c.command(`send 0 0 ${PacketFlags.RELIABLE} str:rel`, `send 0 1 ${U} str:unrel`, `send 0 1 ${PacketFlags.UNRELIABLE_FRAGMENT} str:ordered`, `send 0 3 ${PacketFlags.RELIABLE} str:user2`, "flush");
      const got: Received[] = [];
      await until([server], () => drain(server, got).length === 4, "four packets");
      const by = Object.fromEntries(got.map((r) => [r.text, [r.from, r.channel, r.mode]]));
      assert.deepEqual(by, {
        rel: [ID, 0, TransferMode.TRANSFER_MODE_RELIABLE],
        unrel: [ID, 0, TransferMode.TRANSFER_MODE_UNRELIABLE],
        ordered: [ID, 0, TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED],
        user2: [ID, 2, TransferMode.TRANSFER_MODE_RELIABLE],
      });

      // And what the C client (a Godot client's ENet) receives from us.
      server.setTargetPeer(ID);
      const sends: [TransferMode, number, string][] = [
        [TransferMode.TRANSFER_MODE_RELIABLE, 0, "s-rel"],
        [TransferMode.TRANSFER_MODE_UNRELIABLE, 0, "s-unrel"],
        [TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, 0, "s-ordered"],
        [TransferMode.TRANSFER_MODE_RELIABLE, 2, "s-user2"],
      ];
      for (const [mode, ch, text] of sends) {
        server.transferMode = mode;
        server.transferChannel = ch;
        assert.equal(server.putPacket(enc(text)), 0);
      }
      const rx = await c.waitForCount((e) => e.ev === "receive", 4, 10000);
      const seen = Object.fromEntries(rx.map((e) => [dec(Uint8Array.from((e.hex as string).match(/../g)!, (b) => parseInt(b, 16))), [e.ch, e.flags]]));
      assert.deepEqual(seen, {
        "s-rel": [0, PacketFlags.RELIABLE],
        "s-unrel": [1, PacketFlags.UNSEQUENCED],
        "s-ordered": [1, 0],
        "s-user2": [3, PacketFlags.RELIABLE],
      });

      // IDs a Godot server resets on CONNECT: 0, 1, one taken.
      const refused: JsonLineProcess[] = [];
      for (const data of [0, 1, ID]) {
        const { proc } = await startCPeer(bin(), { connect: `127.0.0.1:${port}`, channels: 255, data });
        procs.push(proc);
        refused.push(proc);
      }
      await until([server], () => server.getDropCounters().refusedConnections === 3, "three refusals");
      assert.deepEqual(joined, [ID]);

      // A graceful leave: peer_disconnected while getPeer(id) still answers (Godot 4.6's poll()).
      c.command("disconnect 0");
      await until([server], () => left.length === 1, "the C client leaves");
      assert.deepEqual(left, [`${ID}:true`]);
      assert.equal(server.getPeer(ID), null);
      for (const p of [c, ...refused]) p.kill();
    } finally {
      server.close();
    }
  });

  test("our client: a C server sees Godot's CONNECT (255 channels, our ID); its packets arrive from 1; its disconnect ends the session", async () => {
    const { proc: s, port } = await startCPeer(bin(), { server: true, port: 0, peers: 4, channels: 255 });
    procs.push(s);
    const client = new ENetMultiplayerPeer();
    try {
      await client.createClient("127.0.0.1", port);
      await until([client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED, "connected");
      const connect = await s.waitFor((e) => e.ev === "connect");
      assert.equal(connect.data, client.getUniqueId(), "CONNECT data is our ID");
      assert.equal(connect.channels, 255, "Godot's create_client asks for 255 channels");
      s.command(`send 0 0 ${PacketFlags.RELIABLE} str:hello`, `send 0 4 ${PacketFlags.RELIABLE} str:user3`, "flush");
      const got: Received[] = [];
      await until([client], () => drain(client, got).length === 2, "two packets");
      assert.deepEqual(got, [
        { from: 1, channel: 0, mode: TransferMode.TRANSFER_MODE_RELIABLE, text: "hello" },
        { from: 1, channel: 3, mode: TransferMode.TRANSFER_MODE_RELIABLE, text: "user3" },
      ]);
      const seen: string[] = [];
      client.addEventListener("peer_disconnected", (e) => seen.push(`${(e as MultiplayerPeerEvent).id}:${client.getConnectionStatus()}`));
      s.command("disconnect 0");
      await until([client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED, "server gone");
      assert.deepEqual(seen, [`1:${ConnectionStatus.CONNECTION_CONNECTED}`]);
    } finally {
      client.close();
      s.kill();
    }
  });
});

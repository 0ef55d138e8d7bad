// The Godot 3 relay rules on their own (sans-IO): what the server does with each client
// packet, which sources a client accepts, and which peer-list messages it applies.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FORWARD_ALL,
  FORWARD_NONE,
  Godot3PeerListChange,
  godot3PeerListChange,
  isPlausibleGodot3Source,
  receivesGodot3Broadcast,
  routeGodot3ClientPacket,
} from "../../src/multiplayer/godot3-relay.ts";
import { MAX_KNOWN_REMOTE_PEERS } from "../../src/multiplayer/multiplayer-peer.ts";

const linked = (ids: number[]) => (id: number): boolean => ids.includes(id);

describe("Godot 3 relay: server routing of a client packet", () => {
  test("a packet naming another source is dropped as spoofed, whatever its target", () => {
    for (const target of [1, 0, -5, 5]) {
      const r = routeGodot3ClientPacket(7, 8, target, true, linked([7, 8, 5]));
      assert.equal(r.drop, "spoofedSource");
      assert.equal(r.deliver, false);
      assert.equal(r.forwardTo, FORWARD_NONE);
    }
  });

  test("target 1 is kept by the server only", () => {
    assert.deepEqual(routeGodot3ClientPacket(7, 7, 1, true, linked([7])), { drop: null, deliver: true, forwardTo: FORWARD_NONE, exclude: 0 });
  });

  test("target 0 is kept and forwarded to every other client; -N excludes N; -1 is not kept by the server", () => {
    const all = routeGodot3ClientPacket(7, 7, 0, true, linked([7, 8, 9]));
    assert.deepEqual(all, { drop: null, deliver: true, forwardTo: FORWARD_ALL, exclude: 0 });
    assert.deepEqual([7, 8, 9].filter((id) => receivesGodot3Broadcast(id, 7, all)), [8, 9]);
    const butNine = routeGodot3ClientPacket(7, 7, -9, true, linked([7, 8, 9]));
    assert.equal(butNine.deliver, true);
    assert.deepEqual([7, 8, 9].filter((id) => receivesGodot3Broadcast(id, 7, butNine)), [8]);
    const notServer = routeGodot3ClientPacket(7, 7, -1, true, linked([7, 8]));
    assert.equal(notServer.deliver, false);
    assert.equal(notServer.forwardTo, FORWARD_ALL);
  });

  test("target N goes to client N only; itself or an unknown or unlinked client counts as unknownTarget", () => {
    assert.deepEqual(routeGodot3ClientPacket(7, 7, 8, true, linked([7, 8])), { drop: null, deliver: false, forwardTo: 8, exclude: 0 });
    assert.equal(routeGodot3ClientPacket(7, 7, 7, true, linked([7, 8])).drop, "unknownTarget");
    assert.equal(routeGodot3ClientPacket(7, 7, 99, true, linked([7, 8])).drop, "unknownTarget");
  });

  test("with relaying off only packets for the server are kept; the rest vanish without a count", () => {
    assert.equal(routeGodot3ClientPacket(7, 7, 1, false, linked([7, 8])).deliver, true);
    for (const target of [0, -8, 8]) {
      assert.deepEqual(routeGodot3ClientPacket(7, 7, target, false, linked([7, 8])), { drop: null, deliver: false, forwardTo: FORWARD_NONE, exclude: 0 });
    }
  });
});

describe("Godot 3 relay: client side", () => {
  test("data sources: not 0, not negative, not past int32, not ourselves, and only once we have an ID", () => {
    assert.equal(isPlausibleGodot3Source(1, 5), true);
    assert.equal(isPlausibleGodot3Source(9, 5), true);
    for (const bad of [0, -3, 5, 0x80000000]) assert.equal(isPlausibleGodot3Source(bad, 5), false, String(bad));
    assert.equal(isPlausibleGodot3Source(1, 0), false);
  });

  test("peer-list messages: ADD of a new plausible ID, REMOVE of a known one; everything else is invalid", () => {
    const known = new Map<number, null | object>([[1, {}], [9, null]]);
    assert.equal(godot3PeerListChange(true, 8, 5, known), Godot3PeerListChange.ADD);
    assert.equal(godot3PeerListChange(true, 9, 5, known), Godot3PeerListChange.INVALID); // already known
    assert.equal(godot3PeerListChange(true, 5, 5, known), Godot3PeerListChange.INVALID); // ourselves
    assert.equal(godot3PeerListChange(true, 1, 5, known), Godot3PeerListChange.INVALID); // the server
    assert.equal(godot3PeerListChange(false, 9, 5, known), Godot3PeerListChange.REMOVE);
    assert.equal(godot3PeerListChange(false, 8, 5, known), Godot3PeerListChange.INVALID); // unknown
    assert.equal(godot3PeerListChange(false, 1, 5, known), Godot3PeerListChange.INVALID); // never the server
  });

  test("the known-peer table is bounded: ADD past MAX_KNOWN_REMOTE_PEERS is invalid", () => {
    const known = new Map<number, null>();
    for (let i = 0; i < MAX_KNOWN_REMOTE_PEERS; i++) known.set(100 + i, null);
    assert.equal(godot3PeerListChange(true, 99, 5, known), Godot3PeerListChange.INVALID);
  });
});

// Conformance: every member of Godot 4.6's class reference for the classes we provide is present
// under its camelCase name (or listed as a deliberate other shape with its reason), and
// docs/godot-conformance.md is the table generated from exactly this walk.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { conformanceRows, renderConformance } from "./class-reference.ts";
import { makeSubjects } from "./subjects.ts";

const TABLE = new URL("../../docs/godot-conformance.md", import.meta.url);

describe("Godot 4.6 class reference conformance", () => {
  test("no member is missing, and no deliberate difference is secretly present", async () => {
    const { subjects, close } = await makeSubjects();
    try {
      const rows = conformanceRows(subjects);
      const missing = rows.filter((r) => r.kind !== "deliberate" && !r.present).map((r) => `${r.ours}: ${r.godot}.${r.member} (${r.js})`);
      assert.deepEqual(missing, [], "Godot 4 members missing");
      const stale = rows.filter((r) => r.kind === "deliberate" && !r.present).map((r) => `${r.ours}.${r.member}`);
      assert.deepEqual(stale, [], "listed as a deliberate difference but present: move it to the member list");
      assert.ok(rows.length > 300, `walked ${rows.length} rows`);
    } finally {
      close();
    }
  });

  test("docs/godot-conformance.md is up to date (regenerate with npm run conformance)", async () => {
    const { subjects, close } = await makeSubjects();
    try {
      assert.equal(readFileSync(TABLE, "utf8"), renderConformance(conformanceRows(subjects)));
    } finally {
      close();
    }
  });

  test("MultiplayerAPI.rpc(peer, node, method, args) reaches the node's rpc path", async () => {
    const { SceneMultiplayer, GodotError } = await import("../../src/index.ts");
    const mp = new SceneMultiplayer();
    // No peer yet: Godot's rpc answers ERR_UNCONFIGURED without sending, through the node as Node.rpc would.
    const viaApi = mp.rpc(0, "/root/Lobby", "hello", [1]);
    const viaNode = mp.node("/root/Lobby").rpc("hello", 1);
    assert.equal(viaApi, viaNode);
    assert.notEqual(viaApi, GodotError.OK);
    assert.throws(() => mp.rpc(0, new SceneMultiplayer().node("/root/Lobby"), "hello"), TypeError);
    assert.throws(() => mp.rpc(0, "/root/Lobby", "hello", 5 as unknown as unknown[]), TypeError);
  });
});

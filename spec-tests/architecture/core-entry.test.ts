// `packetpeer/core` must load with no runtime: bundle src/core.ts for a neutral platform (esbuild
// fails on any `node:` import it meets, since nothing marks them external), check the bundle's
// inputs, then load the bundle and use it: a Variant round trip and an ENet handshake between two
// sans-IO host cores, datagrams carried by hand.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");

/** Bundle `entry` for a platform with no Node built-ins; returns the code and every input path. */
async function bundleNeutral(entry: string): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: "neutral",
    format: "esm",
    mainFields: ["module", "main"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text;
  assert.ok(code, "esbuild produced no output");
  return { code, inputs: Object.keys(result.metafile.inputs) };
}

describe("packetpeer/core entry", () => {
  test("a neutral bundle of the main entry fails on its node: imports (the check can fail)", async () => {
    await assert.rejects(bundleNeutral("src/index.ts"), /node:/);
  });

  test("bundles with no node: module and works when loaded", async () => {
    const { code, inputs } = await bundleNeutral("src/core.ts");
    assert.deepEqual(inputs.filter((p) => p.startsWith("node:") || p.includes("src/transport/node.ts") || p.includes("src/transport/runtimes.ts")), []);
    const dir = mkdtempSync(join(tmpdir(), "packetpeer-core-"));
    try {
      const file = join(dir, "core.mjs");
      writeFileSync(file, code);
      const core = (await import(pathToFileURL(file).href)) as typeof import("../../src/core.ts");

      const value = { name: "core", hp: 7, pos: new core.Vector2(1.5, -2) };
      const back = core.bytesToVar(core.varToBytes(value)) as { name: string; hp: number; pos: { x: number; y: number } };
      assert.equal(back.name, "core");
      assert.equal(back.hp, 7);
      assert.deepEqual([back.pos.x, back.pos.y], [1.5, -2]);

      // No runtime is registered by this entry: the error names the fix.
      assert.throws(() => core.detectRuntime(), (e: unknown) => e instanceof core.NetError && /import "packetpeer"/.test((e as Error).message));

      const server = new core.ENetHostCore({ peerCount: 4 });
      const client = new core.ENetHostCore({ peerCount: 1 });
      const hosts = [
        { core: server, address: "10.0.0.1", port: 1000 },
        { core: client, address: "10.0.0.2", port: 2000 },
      ];
      assert.ok(client.connect("10.0.0.1", 1000, 2, 0));
      const connected = new Set<unknown>();
      for (let now = 1; now < 2000 && connected.size < 2; now += 10) {
        for (const h of hosts) {
          h.core.service(now);
          for (let t = h.core.pollTransmit(); t; t = h.core.pollTransmit()) {
            const to = hosts.find((x) => x.address === t.address && x.port === t.port);
            to?.core.handleDatagram(now, t.data.slice(), h.address, h.port);
          }
          h.core.releaseTransmits();
          for (let e = h.core.pollEvent(); e; e = h.core.pollEvent()) if (e.type === core.EventType.CONNECT) connected.add(h.core);
        }
      }
      assert.equal(connected.size, 2, "both host cores saw CONNECT");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

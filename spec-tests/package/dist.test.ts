// The package as it is published: `tsup` builds dist/ (into a scratch directory here, so a
// developer's dist/ is left alone) from a clean output directory, and the build is then used the
// way an installed package is: the ES module entries on Node, Deno and Bun (dist-smoke.mjs: ENet
// and WebSocket over loopback sockets, Variant, compression, certificates, packetpeer/core), the
// CommonJS entry through require(), the type declarations compiled by a strict consumer, and the
// command line. Node only (it starts the other two runtimes itself).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "the build is checked once, from Node, on all three runtimes" : false;
const out = join(root, ".cache", `dist-test-${process.pid}`);
const bin = (name: string): string => join(root, "node_modules", ".bin", name);

function run(cmd: string, args: string[], timeoutMs = 120_000): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1" } });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

describe("the published build (tsup -> dist/)", { skip }, () => {
  before(() => {
    rmSync(out, { recursive: true, force: true });
    // The output directory does not exist beforehand, as on a fresh clone.
    const build = run(process.execPath, [join(root, "node_modules", "tsup", "dist", "cli-default.js"), "--out-dir", out], 240_000);
    assert.equal(build.status, 0, build.output);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test("every file package.json points at exists, with the licences of the bundled code", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, Record<string, Record<string, string>>> };
    const files = Object.values(pkg.exports).flatMap((conditions) => Object.values(conditions).flatMap((c) => Object.values(c)));
    assert.ok(files.length >= 10);
    for (const file of files) assert.ok(existsSync(join(out, file.replace(/^\.\/dist\//, ""))), `${file} was not built`);
    assert.ok(existsSync(join(out, "cli.js")), "bin/packetpeer.mjs runs dist/cli.js in an installed package");
    assert.match(readFileSync(join(out, "THIRD-PARTY-LICENSES.txt"), "utf8"), /@peculiar\/asn1-x509@/);
  });

  for (const [runtime, cmd, args] of [
    ["Node", process.execPath, []],
    ["Deno", bin("deno"), ["run", "-A", "--unstable-net"]],
    ["Bun", bin("bun"), []],
  ] as const) {
    test(`the ES module entries work on ${runtime} (ENet and WebSocket over loopback, Variant, compression, certificates, core)`, { skip: existsSync(cmd) ? false : `${cmd} is not installed` }, () => {
      const r = run(cmd, [...args, join(root, "spec-tests", "package", "dist-smoke.mjs"), out], 60_000);
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, /SMOKE OK/);
    });
  }

  test("the CommonJS entries load through require()", () => {
    const script = `
      const pp = require(${JSON.stringify(join(out, "index.cjs"))});
      const core = require(${JSON.stringify(join(out, "core.cjs"))});
      const back = pp.bytesToVar(core.varToBytes({ a: [1, "x"] }));
      if (back.a[1] !== "x") throw new Error("Variant through CommonJS");
      // One copy of every class when a program requires both entries.
      if (pp.StringName !== core.StringName || pp.NetError !== core.NetError || pp.registerRuntime !== core.registerRuntime) throw new Error("the two entries have classes of their own");
      if (!(pp.bytesToVar(pp.varToBytes(new core.StringName("x"))) instanceof core.StringName)) throw new Error("a StringName of packetpeer/core through packetpeer");
      const host = new pp.ENetConnection();
      host.createHostBound("127.0.0.1", 0, { maxPeers: 1 }).then(() => {
        if (!(host.getLocalPort() > 0)) throw new Error("no port");
        host.destroy();
        console.log("CJS OK");
      });`;
    const r = run(process.execPath, ["-e", script], 30_000);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /CJS OK/);
  });

  test("the type declarations compile in a strict consumer, and misuse is a type error", () => {
    const consumer = join(out, "consumer.ts");
    writeFileSync(
      consumer,
      [
        'import { ENetConnection, PacketFlags, SceneMultiplayer, VisibilityUpdateMode, WebSocketPeer, type SynchronizerOptions } from "./index.js";',
        'import { ENetHostCore, varToBytes } from "./core.js";',
        "export async function main(): Promise<number> {",
        "  const host = new ENetConnection();",
        '  await host.createHostBound("127.0.0.1", 0, { maxPeers: 4, maxChannels: 2 });',
        "  const options: SynchronizerOptions = { properties: [{ path: \".:position\" }], visibilityUpdateMode: VisibilityUpdateMode.VISIBILITY_PROCESS_NONE, visibilityFilters: [(peer) => peer !== 2] };",
        '  new SceneMultiplayer().synchronizer("S", "R", options).addVisibilityFilter((peer: number) => peer > 1);',
        "  const flags: number = PacketFlags.RELIABLE;",
        "  const ws = new WebSocketPeer();",
        "  ws.perMessageDeflate = { threshold: 64 };",
        "  void ENetHostCore;",
        "  return varToBytes([1, 2]).length + flags + host.getLocalPort();",
        "}",
        "// @ts-expect-error: a port is a number",
        'export const wrong = () => new ENetConnection().createHostBound("127.0.0.1", "7777");',
      ].join("\n"),
    );
    const r = run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", consumer]);
    assert.equal(r.status, 0, r.output);
  });

  test("a page's bundler gets module files: a WebSocket client leaves the DTLS, certificate and codec code out, and both entries share their classes", async () => {
    // The package as a page's project installs it: package.json and the build copied into
    // node_modules/packetpeer of a project outside this repository (inside it, "packetpeer" would
    // resolve to the repository's own package.json and dist/), resolved by name under the
    // "browser" condition; its dependencies come from the repository's node_modules.
    const page = mkdtempSync(join(tmpdir(), "packetpeer-page-"));
    after(() => rmSync(page, { recursive: true, force: true }));
    const pkg = join(page, "node_modules", "packetpeer");
    mkdirSync(pkg, { recursive: true });
    copyFileSync(join(root, "package.json"), join(pkg, "package.json"));
    cpSync(out, join(pkg, "dist"), { recursive: true });
    const bundle = (contents: string) =>
      build({
        stdin: { contents, resolveDir: page, loader: "js" },
        nodePaths: [join(root, "node_modules")],
        bundle: true,
        minify: true,
        format: "esm",
        platform: "browser",
        write: false,
        metafile: true,
        logLevel: "silent",
      });
    const client = await bundle('export { WebSocketPeer, WebSocketMultiplayerPeer } from "packetpeer";');
    // The modules that put code into the bundle (the metafile also lists those tree-shaken away).
    const inputs = Object.values(client.metafile!.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([f]) => f));
    assert.ok(inputs.some((f) => f.endsWith("node_modules/packetpeer/dist/browser/websocket/peer.js")), `the bundle is made of the installed module files: ${inputs.join(", ")}`);
    for (const left of ["/dtls/", "/crypto/", "/compress/zstd/", "@noble/curves", "@peculiar/", "fzstd"]) {
      assert.deepEqual(inputs.filter((f) => f.includes(left)), [], `a WebSocket client bundle has no ${left} code`);
    }
    const size = client.outputFiles[0]!.contents.length;
    assert.ok(size < 200_000, `WebSocket client bundle: ${size} bytes minified`);
    const both = await bundle('import { StringName, varToBytes } from "packetpeer"; import * as core from "packetpeer/core"; export const same = StringName === core.StringName && core.varToBytes(new StringName("x")).length === varToBytes(new core.StringName("x")).length;');
    const code = join(page, "both.mjs");
    writeFileSync(code, both.outputFiles[0]!.contents);
    const { same } = (await import(pathToFileURL(code).href)) as { same: boolean };
    assert.equal(same, true, "packetpeer and packetpeer/core share their classes in a page's bundle");
    // The module files as they are, unbundled (the runtime's own ES module loader: import cycles
    // and evaluation order as a bundler-less page or an import map would meet them).
    const pageMain = (await import(pathToFileURL(join(out, "browser", "browser.js")).href)) as typeof import("../../src/browser.ts");
    const pageCore = (await import(pathToFileURL(join(out, "browser", "core.js")).href)) as typeof import("../../src/core.ts");
    assert.equal(pageMain.StringName, pageCore.StringName);
    const back = pageMain.bytesToVar(pageCore.varToBytes({ at: new pageMain.Vector2(1, 2), name: new pageCore.StringName("x") })) as { at: { y: number }; name: unknown };
    assert.equal(back.at.y, 2);
    assert.ok(back.name instanceof pageMain.StringName);
  });

  test("the command line runs from the build", () => {
    const r = run(process.execPath, [join(out, "cli.js"), "--help"], 30_000);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /^packetpeer — /);
    assert.match(r.output, /decode/);
  });
});

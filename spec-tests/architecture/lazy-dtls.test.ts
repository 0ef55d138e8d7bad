// ENet loads its DTLS layer (and the crypto libraries under it: @noble/curves, @noble/ciphers,
// @peculiar/asn1-*) on the first dtls*Setup, not when it is imported: a program or the command
// line that never uses DTLS does not pay for loading them (`packetpeer --help` went from about
// 0.45 s to 0.18 s). Checked on the module graph: bundle an entry with code splitting, then follow
// only the static imports from the entry's own chunk.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");

/** Inputs of the DTLS layer and of the crypto libraries it stands on. */
const HEAVY = /(^|\/)node_modules\/@noble\/(curves|ciphers)\/|(^|\/)node_modules\/@peculiar\/|src\/dtls\/dtls-datagram-transport\.ts$|src\/dtls\/session\.ts$/;

/** Inputs loaded when `entry` is imported, and inputs of the whole bundle (dynamic imports included). */
async function loadedInputs(entry: string): Promise<{ atImport: string[]; all: string[] }> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    outdir: join(root, "dist-lazy-check"),
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const outputs: Metafile["outputs"] = result.metafile.outputs;
  const start = Object.keys(outputs).find((o) => outputs[o]!.entryPoint !== undefined);
  assert.ok(start, "esbuild reported no entry chunk");
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const imp of outputs[queue.pop()!]!.imports) {
      if (imp.kind !== "import-statement" || imp.external || seen.has(imp.path)) continue;
      seen.add(imp.path);
      queue.push(imp.path);
    }
  }
  const inputsOf = (names: Iterable<string>): string[] => [...new Set([...names].flatMap((o) => Object.keys(outputs[o]!.inputs)))];
  return { atImport: inputsOf(seen), all: inputsOf(Object.keys(outputs)) };
}

describe("the DTLS layer loads on first use", () => {
  for (const entry of ["src/enet/index.ts", "src/multiplayer/enet-multiplayer.ts", "src/cli/main.ts"]) {
    test(`${entry}: nothing of DTLS or its crypto libraries is imported until dtls*Setup`, async () => {
      const { atImport, all } = await loadedInputs(entry);
      // The check can fail: the DTLS layer is in the bundle, behind a dynamic import.
      assert.ok(all.some((p) => HEAVY.test(p)), "the bundle holds the DTLS layer");
      assert.deepEqual(atImport.filter((p) => HEAVY.test(p)), []);
    });
  }

  test("the main entry still exports the DTLS and crypto classes (loaded with it)", async () => {
    const { atImport } = await loadedInputs("src/index.ts");
    assert.ok(atImport.some((p) => /src\/dtls\/dtls-datagram-transport\.ts$/.test(p)));
  });
});

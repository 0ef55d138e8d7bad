// The browser entry leaves permessage-deflate's codecs out (the page's own WebSocket compresses
// there): bundling src/browser.ts for the browser must not pull in the compressor, while the main
// entry does (so the check can fail).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
const CODEC_FILES = ["src/websocket/message-compression.ts"];

async function inputsOf(entry: string, platform: "browser" | "node"): Promise<string[]> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform,
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    external: ["node:*"],
  });
  return Object.keys(result.metafile.inputs);
}

describe("browser entry", () => {
  test("the main entry bundles permessage-deflate's codecs (the check can fail)", async () => {
    const inputs = await inputsOf("src/index.ts", "node");
    for (const file of CODEC_FILES) assert.ok(inputs.includes(file), `${file} missing from the main entry's bundle`);
  });

  test("the browser entry's bundle does not have the codecs", async () => {
    const inputs = await inputsOf("src/browser.ts", "browser");
    // The negotiation code stays (a core without codecs declines the extension); the codecs do not.
    assert.ok(inputs.includes("src/websocket/permessage-deflate.ts"), "the WebSocket client is in the bundle");
    assert.deepEqual(inputs.filter((p) => CODEC_FILES.includes(p)), []);
  });
});

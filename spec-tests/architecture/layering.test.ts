// The layer rules of ../shared/ARCHITECTURE.md, checked over every file in src/ on every runtime:
//   foundation (errors, util) <- protocol (wire codecs + sans-IO cores) <- classes (Godot-shaped) <- entries,
//   with transport (runtime adapters) beside them: imported by classes, importing only the foundation.
// 1. No file imports a higher layer (protocol code never reaches a class, a transport or an entry).
// 2. `node:` modules and the `Deno`/`Bun` globals appear only in src/transport (and in src/cli, the
//    command-line program, which reads files, stdin and signals through Node's modules on every runtime).
// 3. Foundation and protocol code read no clock, start no timer and draw no randomness: those come
//    in as options, defaulting to util/platform-sources.ts (the one place that may touch them).
// Imports are read with the TypeScript compiler's preProcessFile and tokens with its parser, so
// comments and strings never count.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");

enum Layer {
  Foundation = 0,
  Protocol = 1,
  Transport = 2,
  Class = 3,
  Entry = 4,
}

/** Files of a protocol folder that are its Godot-shaped class layer, not its codec/core. */
const CLASS_FILES = new Set([
  "src/enet/connection.ts",
  "src/enet/packet-peer.ts",
  "src/enet/index.ts",
  "src/websocket/peer.ts",
  "src/websocket/server.ts",
  "src/websocket/events.ts",
  "src/websocket/index.ts",
  "src/dtls/dtls-datagram-transport.ts",
  "src/dtls/packet-peer-dtls.ts",
  "src/dtls/dtls-server.ts",
  // The DTLS servers' admission policy (exempts this machine's addresses, a transport-level fact).
  "src/dtls/server-admission.ts",
  "src/dtls/index.ts",
  "src/crypto/index.ts",
  "src/compress/index.ts",
]);
const PROTOCOL_FOLDERS = ["src/compress/", "src/variant/", "src/crypto/", "src/dtls/", "src/enet/", "src/websocket/"];
/** The one module allowed to read the platform's randomness and wall clock (cores take it as a default). */
const PLATFORM_SOURCES = "src/util/platform-sources.ts";

export function layerOf(file: string): Layer {
  if (file === "src/index.ts" || file === "src/core.ts" || file === "src/browser.ts" || file.startsWith("src/cli/")) return Layer.Entry;
  if (file === "src/errors.ts" || file.startsWith("src/util/")) return Layer.Foundation;
  if (file.startsWith("src/transport/")) return Layer.Transport;
  if (CLASS_FILES.has(file)) return Layer.Class;
  if (PROTOCOL_FOLDERS.some((d) => file.startsWith(d))) return Layer.Protocol;
  return Layer.Class;
}

/** Calls and reads that make code depend on time, timers or randomness. */
const NONDETERMINISTIC_CALLS = new Set(["setTimeout", "setInterval", "setImmediate", "queueMicrotask"]);
const NONDETERMINISTIC_MEMBERS = new Set(["Date.now", "performance.now", "Math.random", "crypto.getRandomValues", "crypto.randomUUID"]);

function mayImport(from: Layer, to: Layer): boolean {
  if (from === Layer.Transport) return to === Layer.Foundation || to === Layer.Transport;
  if (to === Layer.Transport) return from === Layer.Class || from === Layer.Entry;
  return to <= from;
}

/** Every rule `file` (a path relative to the project root, with `/`) breaks, as readable lines. */
export function violationsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const layer = layerOf(file);
  for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
    const spec = imported.fileName;
    if (spec.startsWith("node:") || spec === "fs" || spec === "net" || spec === "dgram") {
      // The command line is a program on top of the library: it reads files, stdin and signals.
      if (layer !== Layer.Transport && !file.startsWith("src/cli/")) out.push(`${file}: imports ${spec} outside src/transport`);
      continue;
    }
    if (!spec.startsWith(".")) continue; // a package (fflate, @noble/*, ...)
    const target = posix.normalize(posix.join(posix.dirname(file), spec));
    if (!mayImport(layer, layerOf(target))) out.push(`${file}: ${Layer[layer]} imports ${Layer[layerOf(target)]} ${target}`);
  }
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const deterministic = (layer === Layer.Foundation || layer === Layer.Protocol) && file !== PLATFORM_SOURCES;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && (node.text === "Deno" || node.text === "Bun") && layer !== Layer.Transport) {
      const parent = node.parent;
      const isName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || ts.isPropertyAssignment(parent) || ts.isTypeReferenceNode(parent);
      if (!isName) out.push(`${file}: uses the ${node.text} global outside src/transport`);
    }
    if (deterministic) {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && NONDETERMINISTIC_CALLS.has(node.expression.text)) {
        out.push(`${file}: calls ${node.expression.text} in ${Layer[layer]} code`);
      }
      if (ts.isPropertyAccessExpression(node)) {
        const base = node.expression;
        const owner = ts.isIdentifier(base) ? base.text : ts.isPropertyAccessExpression(base) && ts.isIdentifier(base.expression) && base.expression.text === "globalThis" ? base.name.text : "";
        if (NONDETERMINISTIC_MEMBERS.has(`${owner}.${node.name.text}`)) out.push(`${file}: reads ${owner}.${node.name.text} in ${Layer[layer]} code`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (entry.endsWith(".ts")) out.push(relative(root, p).split(sep).join("/"));
  }
  return out.sort();
}

describe("layering (ARCHITECTURE.md's rules over src/)", () => {
  test("the checker finds each kind of violation in synthetic files", () => {
    assert.match(violationsOf("src/enet/receive.ts", `import { x } from "../enet/connection.ts";`).join(), /Protocol imports Class/);
    assert.match(violationsOf("src/variant/decode.ts", `import { y } from "../transport/node.ts";`).join(), /Protocol imports Transport/);
    assert.match(violationsOf("src/transport/node.ts", `import { z } from "../enet/host-core.ts";`).join(), /Transport imports Protocol/);
    assert.match(violationsOf("src/scene/session.ts", `import { readFile } from "node:fs";`).join(), /node:fs outside src\/transport/);
    assert.match(violationsOf("src/tcp/tcp.ts", `const v = Deno.version;`).join(), /Deno global/);
    assert.match(violationsOf("src/enet/host-core.ts", `const t = Date.now();`).join(), /Date\.now/);
    assert.match(violationsOf("src/websocket/mask.ts", `globalThis.crypto.getRandomValues(b);`).join(), /crypto\.getRandomValues/);
    assert.match(violationsOf("src/dtls/session.ts", `setTimeout(() => {}, 1);`).join(), /calls setTimeout/);
    // Allowed shapes: a class binding reading its injected clock, a method named setTimeout, comments.
    assert.deepEqual(violationsOf("src/enet/host-core.ts", `// Date.now() is not used\nthis.core.setTimeout(view, 1, 2, 3);`), []);
    assert.deepEqual(violationsOf("src/websocket/peer.ts", `import { resolveIo } from "../transport/registry.ts"; this.clock.setTimeout(f, 1);`), []);
  });

  test("every file in src/ keeps the rules", () => {
    const files = sourceFiles(join(root, "src"));
    assert.ok(files.length > 100, `expected the whole tree, read ${files.length} files`);
    const violations = files.flatMap((f) => violationsOf(f, readFileSync(join(root, f), "utf8")));
    assert.deepEqual(violations, []);
  });

  test("the classification the rules rest on", () => {
    assert.equal(layerOf("src/enet/host-core.ts"), Layer.Protocol);
    assert.equal(layerOf("src/enet/connection.ts"), Layer.Class);
    assert.equal(layerOf("src/websocket/connection-core.ts"), Layer.Protocol);
    assert.equal(layerOf("src/transport/registry.ts"), Layer.Transport);
    assert.equal(layerOf("src/util/fifo.ts"), Layer.Foundation);
  });
});

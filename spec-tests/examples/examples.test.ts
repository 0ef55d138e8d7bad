// Every example of examples/README.md runs as its line says (child processes on 127.0.0.1, each
// bounded; servers are stopped by the test, clients end by themselves). Node only: the examples
// are `npx tsx` commands; the browser example is driven in headless Chromium.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM_PATH } from "../godot4/harness.ts";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "the examples run as `npx tsx` commands (Node)" : false;
if (skip) console.log(`examples: skipped: ${skip}`);

const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

function tsx(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; exit: Promise<number> } {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const exit = new Promise<number>((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    }),
  );
  return { child, out: () => out, exit };
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port free right now on 127.0.0.1 (for examples that take a fixed port, and the browser example's port + 1). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const next = await new Promise<boolean>((resolve) => {
      const s = createServer().once("error", () => resolve(false)).listen(port + 1, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (next && port < 65535) return port;
  }
}

describe("examples", { skip }, () => {
  test("npm start's demo runs to its statistics and points at the examples", async () => {
    const demo = tsx(["examples/demo.ts"]);
    assert.equal(await demo.exit, 0, demo.out());
    assert.match(demo.out(), /session statistics/);
    assert.match(demo.out(), /examples\/README\.md/);
  });

  test("ENet chat: the server relays a client's line to it", async () => {
    const port = await freePort();
    const server = tsx(["examples/enet-chat/server.ts", String(port)]);
    await until("the chat server", () => /chat server on/.test(server.out()));
    const client = tsx(["examples/enet-chat/client.ts", "ada", `127.0.0.1:${port}`, "--say", "hello chat"]);
    assert.equal(await client.exit, 0, client.out());
    assert.match(client.out(), /ada: hello chat/);
    await until("the leave line", () => /\* ada left/.test(server.out()));
    server.child.kill("SIGINT");
    await server.exit;
  });

  test("scene-chat: a SceneMultiplayer client authenticates, calls say, receives message", async () => {
    const port = await freePort();
    for (const transport of ["ws", "enet"]) {
      const server = tsx(["examples/scene-chat/server.ts", String(port), ...(transport === "enet" ? ["--enet"] : [])]);
      await until("the scene-chat server", () => /chat server on/.test(server.out()));
      const client = tsx(["examples/scene-chat/client.ts", `${transport}://127.0.0.1:${port}`, "bob", "hi from the test"]);
      assert.equal(await client.exit, 0, client.out() + server.out());
      assert.match(client.out(), /bob: hi from the test/);
      server.child.kill("SIGKILL");
      await server.exit;
    }
  });

  test("TCP StreamPeer: typed values and a Variant there and back", async () => {
    const port = await freePort();
    const server = tsx(["examples/tcp-streampeer/server.ts", String(port)]);
    await until("the StreamPeer server", () => /StreamPeer server on/.test(server.out()));
    const client = tsx(["examples/tcp-streampeer/client.ts", `127.0.0.1:${port}`, "grace"]);
    assert.equal(await client.exit, 0, client.out());
    assert.match(client.out(), /hello grace/);
    assert.match(client.out(), /"seenBy":"packetpeer"/);
    assert.match(server.out(), /message 1 from grace: score 12\.5/);
    server.child.kill("SIGINT");
    await server.exit;
  });

  test("compress-file: every mode round-trips a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "packetpeer-example-"));
    try {
      const file = join(dir, "level.json");
      writeFileSync(file, JSON.stringify({ tiles: Array.from({ length: 500 }, (_, i) => i % 7) }));
      for (const mode of ["fastlz", "deflate", "zstd", "gzip"]) {
        const run = tsx(["examples/compress-file.ts", file, mode]);
        assert.equal(await run.exit, 0, run.out());
        assert.match(run.out(), /decompress: identical, decompressDynamic: identical/);
        assert.ok(existsSync(`${file}.${mode}`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("browser: the page joins the Node server and gets its Variant answered", { skip: existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH}` }, async () => {
    const port = await freePort();
    const server = tsx(["examples/browser/server.ts", String(port)]);
    await until("the browser example server", () => /open http:\/\/127\.0\.0\.1/.test(server.out()));
    const { chromium } = (await import("playwright-core")) as unknown as {
      chromium: { launch(o: object): Promise<{ newPage(): Promise<{ goto(u: string): Promise<unknown>; click(s: string): Promise<void>; evaluate<T>(f: string): Promise<T> }>; close(): Promise<void> }> };
    };
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      for (let i = 0; i < 200 && !(await page.evaluate<number | undefined>("window.packetpeerConnected")); i++) await new Promise((r) => setTimeout(r, 25));
      const id = (await page.evaluate<number | undefined>("window.packetpeerConnected")) ?? 0;
      assert.ok(id > 1, `the page connected as peer ${id}`);
      await page.click("button");
      let received: { echo?: { text?: string }; server?: string }[] | undefined;
      for (let i = 0; i < 200 && !received; i++) {
        received = await page.evaluate("window.packetpeerReceived");
        if (!received) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(received?.[0]?.server, "packetpeer on Node");
      assert.equal(received?.[0]?.echo?.text, "hello from the browser");
      assert.match(server.out(), /peer \d+: \{"text":"hello from the browser"/);
    } finally {
      await browser.close();
      server.child.kill("SIGKILL");
      await server.exit;
    }
  });
});

// Every example of examples/README.md runs as its line says (child processes on 127.0.0.1, each
// bounded; servers are stopped by the test, clients end by themselves). Node only: the examples
// are `npx tsx` commands; the browser example is driven in headless Chromium.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM_PATH, godot4SkipReason, openGodot4 } from "../godot4/harness.ts";
import { endChildren, freePort, root, tsx, until } from "./children.ts";
import { readFileSync } from "node:fs";

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "the examples run as `npx tsx` commands (Node)" : false;
if (skip) console.log(`examples: skipped: ${skip}`);

after(endChildren);

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

  test("ENet chat with piped lines prints their relays before leaving; mistakes get one line and an exit code, not a stack trace", async () => {
    const port = await freePort();
    const server = tsx(["examples/enet-chat/server.ts", String(port)]);
    try {
      await until("the chat server", () => /chat server on/.test(server.out()));
      const piped = tsx(["examples/enet-chat/client.ts", "bob", `127.0.0.1:${port}`]);
      piped.child.stdin.end("line one\nline two\n");
      assert.equal(await piped.exit, 0, piped.out());
      assert.match(piped.out(), /bob: line one\nbob: line two/);
      // The port is taken by the server above.
      const second = tsx(["examples/enet-chat/server.ts", String(port)]);
      assert.equal(await second.exit, 1, second.out());
      assert.match(second.out(), /^cannot listen on 127\.0\.0\.1:\d+: .*ERR_ALREADY_IN_USE/);
    } finally {
      server.child.kill("SIGINT");
      await server.exit;
    }
    for (const [args, code, message] of [
      [["examples/enet-chat/client.ts", "dave", "127.0.0.1"], 2, /^not HOST:PORT: "127\.0\.0\.1"\nusage: /],
      [["examples/tcp-streampeer/client.ts", `127.0.0.1:${port}`], 1, /^could not connect to 127\.0\.0\.1:\d+: .*ERR_CANT_CONNECT/],
      [["examples/load-test/swarm.ts", "--bots=0"], 2, /^--bots must be a whole number from 1 to 4000\nusage: /],
      [["examples/scene-chat/server.ts", "port"], 2, /^not a port: "port"\nusage: /],
    ] as const) {
      const r = tsx([...args]);
      assert.equal(await r.exit, code, `${args.join(" ")}: ${r.out()}`);
      assert.match(r.out(), message);
      assert.doesNotMatch(r.out(), /\n\s+at /, "no stack trace");
    }
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

  test("load-test: 20 bots join the scene-chat server over WebSocket and ENet, chat for 2 s, every line comes back", async () => {
    const port = await freePort();
    for (const transport of ["ws", "enet"]) {
      const server = tsx(["examples/scene-chat/server.ts", String(port), ...(transport === "enet" ? ["--enet"] : [])]);
      try {
        await until("the scene-chat server", () => /chat server on/.test(server.out()));
        const swarm = tsx(["examples/load-test/swarm.ts", `${transport}://127.0.0.1:${port}`, "--bots=20", "--seconds=2", "--rate=5"]);
        assert.equal(await swarm.exit, 0, swarm.out());
        assert.match(swarm.out(), /20 of 20 bots joined, 0 failed/);
        const [, said, back, lost] = /lines: (\d+) said, (\d+) came back, lost (\d+)/.exec(swarm.out()) ?? [];
        assert.ok(Number(said) >= 20 && said === back && lost === "0", swarm.out());
        assert.match(swarm.out(), /round trip \(ms\): p50 [\d.]+, p95 [\d.]+, p99 [\d.]+, max [\d.]+/);
      } finally {
        server.child.kill("SIGKILL");
        await server.exit;
      }
    }
  });

  test("area-of-interest: two bots walk into each other's view and out of it again; a full server refuses one more", async () => {
    const port = await freePort();
    const server = tsx(["examples/area-of-interest/server.ts", String(port), "--radius=300"]);
    await until("the area-of-interest server", () => /area-of-interest server on/.test(server.out()));
    try {
      const url = `ws://127.0.0.1:${port}`;
      // A stays at the spawn point; B goes far away, comes within 100 of A, and leaves again. Both
      // would stay 60 s (A's life includes B's start, which takes seconds on a loaded machine): the
      // test ends them once the events are in (no deadline to race).
      const a = tsx(["examples/area-of-interest/bot.ts", url, "0,0", "--for=60000"]);
      await until("A to join", () => /joined as P\d+/.test(a.out()));
      const b = tsx(["examples/area-of-interest/bot.ts", url, "1000,0", "100,0@1000", "1000,0@2200", "--for=60000"]);
      await until("B to join", () => /joined as P\d+/.test(b.out()));
      const idA = /joined as (P\d+)/.exec(a.out())![1]!;
      const idB = /joined as (P\d+)/.exec(b.out())![1]!;
      // Each sees the other come into view and leave it (both start at the spawn point, so twice).
      const events = (out: string, other: string): string[] => out.split("\n").filter((l) => l.endsWith(` ${other}`)).map((l) => l.split(" ")[1]!);
      await until("each bot to see the other come and go twice", () => events(b.out(), idA).length >= 4 && events(a.out(), idB).length >= 4, 20_000);
      assert.deepEqual(events(b.out(), idA), ["sees", "lost", "sees", "lost"], b.out());
      assert.deepEqual(events(a.out(), idB), ["sees", "lost", "sees", "lost"], a.out());
      for (const bot of [a, b]) {
        bot.child.kill("SIGKILL");
        await bot.exit;
      }
      await until("the server to see both leave", () => server.out().includes(`${idA} left`) && server.out().includes(`${idB} left`));
    } finally {
      server.child.kill("SIGKILL");
      await server.exit;
    }
    // --max=1: the spawner's spawnLimit is reached, and the second player is refused and disconnected.
    const full = tsx(["examples/area-of-interest/server.ts", String(port), "--max=1"]);
    await until("the one-player server", () => /area-of-interest server on/.test(full.out()));
    try {
      const url = `ws://127.0.0.1:${port}`;
      // The first player stays (60 s at most; ended by the test) while the second tries to join.
      const first = tsx(["examples/area-of-interest/bot.ts", url, "--for=60000"]);
      await until("the first player", () => /joined as P\d+/.test(first.out()));
      const second = tsx(["examples/area-of-interest/bot.ts", url, "--for=20000"]);
      assert.equal(await second.exit, 1, second.out());
      // Refused right as it joined: the bot sees either the connection fail or the server close it.
      assert.match(second.out(), /the server closed the connection|could not join/);
      // The server's own line: its output and the bot's exit come through different pipes.
      await until("the server's refusal line", () => /refused: spawn: .* spawnLimit \(1\)/.test(full.out()));
      // The first player was never disturbed.
      assert.equal(first.child.exitCode, null, first.out());
      assert.doesNotMatch(first.out(), /closed|could not/);
      first.child.kill("SIGKILL");
      await first.exit;
    } finally {
      full.child.kill("SIGKILL");
      await full.exit;
    }
  });

  test("scene-chat: the Godot 4.6 client (client.gd, web build) authenticates, says hello and gets the broadcast", { skip: godot4SkipReason() }, async () => {
    const port = await freePort();
    const server = tsx(["examples/scene-chat/server.ts", String(port)]);
    await until("the scene-chat server", () => /chat server on/.test(server.out()));
    const godot = await openGodot4();
    try {
      // client.gd as a user attaches it (the root node /root/Chat), pointed at this server's port,
      // and a frame counter of the test's own so the run ends by itself.
      const script =
        readFileSync(join(root, "examples/scene-chat/client.gd"), "utf8").replace('"ws://127.0.0.1:9080"', `"ws://127.0.0.1:${port}"`) +
        "\nvar _test_frames := 0\nfunc _process(_delta: float) -> void:\n\t_test_frames += 1\n\tif _test_frames > 180:\n\t\tget_tree().quit(0)\n";
      const run = await godot.run({ script, mainScene: { name: "Chat" }, timeoutMs: 60_000 }); // the web build's boot included (over 15 s on a loaded machine)
      const log = run.lines.join("\n") + run.errors.join("\n") + server.out();
      assert.equal(run.exitCode, 0, log);
      assert.match(server.out(), /^godot: hello from godot$/m, log);
      assert.ok(run.lines.includes("server: godot joined"), log);
      assert.ok(run.lines.includes("godot: hello from godot"), log);
    } finally {
      await godot.close();
      server.child.kill("SIGKILL");
      await server.exit;
    }
  });

  test("area-of-interest: the Godot 4.6 client (client.gd, web build) walks past a bot", { skip: godot4SkipReason() }, async () => {
    const port = await freePort();
    const server = tsx(["examples/area-of-interest/server.ts", String(port), "--radius=300"]);
    await until("the area-of-interest server", () => /area-of-interest server on/.test(server.out()));
    const godot = await openGodot4();
    try {
      const url = `ws://127.0.0.1:${port}`;
      // It stays until the test ends it (tsx() ends any child at 120 s), whatever the Godot client's boot takes.
      const bot = tsx(["examples/area-of-interest/bot.ts", url, "0,0", "--for=120000"]);
      await until("the bot to join", () => /joined as P\d+/.test(bot.out()));
      const idBot = /joined as (P\d+)/.exec(bot.out())![1]!;
      const run = await godot.run({
        script: readFileSync(join(root, "examples/area-of-interest/client.gd"), "utf8"),
        mainScene: { name: "World" },
        // The last move is at 2.4 s; quitting at 6 s leaves its despawn ample time on a loaded machine.
        args: [`url=${url}`, "goto=1000,0@0;100,0@1200;1000,0@2400", "quit_ms=6000"],
        timeoutMs: 60_000, // the web build's boot included (over 15 s on a loaded machine)
      });
      assert.equal(run.exitCode, 0, run.lines.join("\n") + run.errors.join("\n") + server.out());
      const idGodot = /joined as (P\d+)/.exec(run.lines.join("\n"))?.[1];
      assert.ok(idGodot, run.lines.join("\n"));
      const seen = run.lines.filter((l) => l.endsWith(` ${idBot}`)).map((l) => l.split(" ")[1]);
      assert.deepEqual(seen, ["sees", "lost", "sees", "lost"], run.lines.join("\n"));
      await until("the bot to see the Godot player leave", () => bot.out().split("\n").filter((l) => l.endsWith(` ${idGodot}`)).length >= 4, 10_000);
      bot.child.kill("SIGKILL");
      await bot.exit;
    } finally {
      await godot.close();
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
    await until("the server's line for the message", () => /message 1 from grace: score 12\.5/.test(server.out()));
    server.child.kill("SIGINT");
    await server.exit;
  });

  test("LAN discovery: a PacketPeerUDP question answered with the server's name (asked of 127.0.0.1, no LAN needed)", async () => {
    const server = tsx(["examples/lan-discovery/server.ts", "0", "Test game"]);
    await until("the discovery server", () => /on 0\.0\.0\.0:\d+/.test(server.out()));
    const port = /on 0\.0\.0\.0:(\d+)/.exec(server.out())![1]!;
    const client = tsx(["examples/lan-discovery/client.ts", port, "127.0.0.1"]);
    assert.equal(await client.exit, 0, client.out());
    assert.match(client.out(), /found Test game at 127\.0\.0\.1:7777/);
    // The server prints after it answered, and through another pipe than the client's.
    await until("the server's answered line", () => /answered 127\.0\.0\.1:\d+/.test(server.out()));
    server.child.kill("SIGINT");
    assert.equal(await server.exit, 0, server.out());
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
      await until("the server's line for the page's Variant", () => /peer \d+: \{"text":"hello from the browser"/.test(server.out()));
    } finally {
      await browser.close();
      server.child.kill("SIGKILL");
      await server.exit;
    }
  });
});

// examples/arena as examples/README.md runs it: the server on Node, Deno and Bun (the same file,
// run by each runtime), two bots and the Godot 4.6 web build's client.gd against it. The test
// itself runs on Node only: it starts the runtimes as child processes.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { godot4SkipReason, openGodot4 } from "../godot4/harness.ts";
import { endChildren, freePort, root, run, tsx, until, type Child as Proc } from "./children.ts";

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "the example's processes are started from Node" : false;
const bin = (name: string): string => join(root, "node_modules", ".bin", name);

after(endChildren);

const servers: Record<string, (port: number) => Proc> = {
  node: (port) => tsx(["examples/arena/server.ts", String(port)]),
  deno: (port) => run(bin("deno"), ["run", "-A", "examples/arena/server.ts", String(port)]),
  bun: (port) => run(bin("bun"), ["examples/arena/server.ts", String(port)]),
};

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await p.exit;
}

describe("examples/arena", { skip }, () => {
  for (const runtime of Object.keys(servers)) {
    test(`the ${runtime} server: a bot steers and shoots another bot down, a wrong token is refused`, async () => {
      const port = await freePort();
      const server = servers[runtime]!(port);
      try {
        await until("the arena server", () => /arena server on/.test(server.out()));
        const url = `ws://127.0.0.1:${port}`;
        const target = tsx(["examples/arena/bot.ts", url, "--name=target", "--for=60000"]);
        await until("the target to join", () => /joined as P\d+/.test(target.out()));
        const idTarget = /joined as (P\d+)/.exec(target.out())![1]!;
        // Four hits of 25 at the centre, where the target stands: the fourth takes it down (it
        // comes back with 100 hp) and scores; meanwhile the shooter steers right at 200 units/s.
        const shooter = tsx(["examples/arena/bot.ts", url, "--name=shooter", "--move=1,0", "--shoot=0,0@100", "--shoot=0,0@150", "--shoot=0,0@200", "--shoot=0,0@250", "--for=1500"]);
        assert.equal(await shooter.exit, 0, shooter.out() + server.out());
        const idShooter = /joined as (P\d+)/.exec(shooter.out())![1]!;
        assert.match(shooter.out(), new RegExp(`^sees ${idTarget} \\(target\\)$`, "m"));
        const hits = (out: string): string[] => out.split("\n").filter((l) => l.includes(" hit "));
        const expected = [75, 50, 25, 100].map((hp) => `${idShooter} hit ${idTarget}: hp ${hp}`);
        assert.deepEqual(hits(shooter.out()), expected, shooter.out());
        await until("the target to see the hits and the shooter leave", () => target.out().includes(`lost ${idShooter}`));
        assert.deepEqual(hits(target.out()), expected, target.out());
        // Steered by its Input synchronizer: x grew (200 units/s for about 1.5 s), y stayed 0.
        const [, x, y, hp, score] = /left at (-?\d+),(-?\d+) with hp (\d+) and score (\d+)/.exec(shooter.out())!;
        assert.ok(Number(x) > 100 && Number(x) <= 1000, shooter.out());
        assert.deepEqual([y, hp, score], ["0", "100", "1"]);
        const bad = tsx(["examples/arena/bot.ts", url, "--name=bad", "--token=wrong", "--for=60000"]);
        assert.equal(await bad.exit, 1, bad.out());
        assert.deepEqual(bad.out().trim().split("\n"), ["refused by the server", "the server closed the connection"]);
        await stop(target);
        assert.match(server.out(), /^target joined as P\d+$/m);
        assert.match(server.out(), /^refused \d+$/m);
      } finally {
        await stop(server);
      }
    });
  }

  test("the Godot 4.6 client (client.gd, web build) steers, shoots a bot down and sees it", { skip: godot4SkipReason() }, async () => {
    const port = await freePort();
    const server = servers.node!(port);
    const godot = await openGodot4();
    try {
      await until("the arena server", () => /arena server on/.test(server.out()));
      const url = `ws://127.0.0.1:${port}`;
      const target = tsx(["examples/arena/bot.ts", url, "--name=target", "--for=120000"]);
      await until("the target to join", () => /joined as P\d+/.test(target.out()));
      const idTarget = /joined as (P\d+)/.exec(target.out())![1]!;
      const r = await godot.run({
        script: readFileSync(join(root, "examples/arena/client.gd"), "utf8"),
        mainScene: { name: "Arena" },
        args: [`url=${url}`, "move=0,1", "shoot=0,0@100;0,0@150;0,0@200;0,0@250", "quit_ms=2000"],
        timeoutMs: 60_000, // the web build's boot included (over 15 s on a loaded machine)
      });
      const log = r.lines.join("\n") + "\n" + r.errors.join("\n") + "\n" + server.out();
      assert.equal(r.exitCode, 0, log);
      const idGodot = /joined as (P\d+) \{"map":1000,"radius":400,"speed":200\}/.exec(r.lines.join("\n"))?.[1];
      assert.ok(idGodot, log);
      assert.ok(r.lines.includes(`sees ${idTarget} (target)`), log);
      const expected = [75, 50, 25, 100].map((hp) => `${idGodot} hit ${idTarget}: hp ${hp}`);
      assert.deepEqual(r.lines.filter((l) => l.includes(" hit ")), expected, log);
      // Steered down by its Input synchronizer for about 2 s at 200 units/s.
      const [, x, y, hp, score] = /left at (-?\d+),(-?\d+) with hp (\d+) and score (\d+)/.exec(r.lines.join("\n")) ?? [];
      assert.equal(x, "0", log);
      assert.ok(Number(y) > 100 && Number(y) <= 1000, log);
      assert.deepEqual([hp, score], ["100", "1"], log);
      await until("the target to see the hits and the Godot player leave", () => target.out().includes(`lost ${idGodot}`));
      assert.deepEqual(target.out().split("\n").filter((l) => l.includes(" hit ")), expected, target.out());
      assert.match(server.out(), new RegExp(`^godot joined as ${idGodot}$`, "m"));
      await stop(target);
    } finally {
      await godot.close();
      await stop(server);
    }
  });
});

// The `packetpeer` command as a user runs it (in child processes, loopback
// only, every process killed at the end): help and exit codes, ENet and WebSocket netcat
// exchanging lines both ways (raw and with Godot 4 multiplayer framing), decode --json, bench.
// Node only: the bin runs through Node (Deno and Bun run the same source in decode.test.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeIdentity, opensslAvailable } from "../dtls/support.ts";
import { localhostAddress } from "../support/localhost.ts";
import { ipv6LoopbackMissing } from "../transport/support/ipv6.ts";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
const bin = join(root, "bin", "packetpeer.mjs");
const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "the bin runs through Node; decode.test.ts covers the CLI code on this runtime" : false;
if (skip) console.log(`cli commands: skipped: ${skip}`);
const openssl = opensslAvailable();
const opensslMissing = openssl === true ? false : openssl.skip;

/**
 * Most children run the command's source bundled once by esbuild, as tsup bundles dist/cli.js:
 * through bin/packetpeer.mjs, a clone runs it with tsx, which costs each of this file's ~40 starts
 * about 0.9 s instead of 0.35 s (2-core CI machine). The first test runs the bin itself, and
 * spec-tests/package/dist.test.ts the published build. The bundle lives in the clone, where its
 * external dependencies resolve from node_modules.
 */
const bundleDir = join(root, ".cache", `cli-test-${process.pid}`);
const bundled = join(bundleDir, "cli.mjs");
let bundleReady: Promise<unknown> | null = null;
const bundle = (): Promise<unknown> =>
  (bundleReady ??= import("esbuild").then((esbuild) =>
    esbuild.build({ entryPoints: [join(root, "src", "cli", "main.ts")], outfile: bundled, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "error" }),
  ));

const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(bundleDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, ms?: number): Promise<void>;
  exit: Promise<number>;
}

/** `packetpeer ARGS` from the bundle (call bundle() first), or through bin/packetpeer.mjs with `viaBin`. */
function start(args: string[], viaBin = false): Running {
  const child = spawn(process.execPath, [viaBin ? bin : bundled, ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  // "close", not "exit": "exit" may come before the last of the child's output has been read.
  let closed = false;
  const exit = new Promise<number>((resolve) =>
    child.on("close", (code) => {
      closed = true;
      resolve(code ?? -1);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    async waitFor(stream, pattern, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(stream === "stdout" ? out : err)) {
        if (Date.now() > deadline || closed) throw new Error(`no ${pattern} on ${stream} of packetpeer ${args.join(" ")}\nstdout: ${out}\nstderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

async function runToEnd(args: string[], input = "", viaBin = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = start(args, viaBin);
  r.child.stdin.end(input);
  const timer = setTimeout(() => r.child.kill("SIGKILL"), 20_000);
  const code = await r.exit;
  clearTimeout(timer);
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

const listenPort = (r: Running, what: RegExp): number => Number(what.exec(r.stderr())![1]);

describe("packetpeer command line", { skip }, () => {
  before(bundle);

  test("--help and exit codes: 0 for help, 2 for a wrong command line, 1 for a failed run", async () => {
    // The bin as a clone runs it (tsx), then the bundle for the rest.
    const help = await runToEnd(["--help"], "", true);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /enet connect HOST:PORT/);
    for (const cmd of ["enet", "ws", "decode", "bench"]) {
      const h = await runToEnd([cmd, "--help"]);
      assert.equal(h.code, 0, cmd);
      assert.match(h.stdout, new RegExp(`packetpeer ${cmd}`));
    }
    // The version is a constant in src/cli/main.ts (the bundled CLI reads no package.json at run
    // time): it must stay the package's.
    const version = await runToEnd(["--version"], "", true);
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `packetpeer ${(JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version}\n`);
    const unknown = await runToEnd(["frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const badOption = await runToEnd(["enet", "listen", "7777", "--compress", "lzma"]);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /none, range, fastlz, zlib, zstd/);
    const badTarget = await runToEnd(["enet", "connect", "localhost"]);
    assert.equal(badTarget.code, 2);
    assert.match(badTarget.stderr, /HOST:PORT/);
    // Mistakes a user makes, each a one-line usage error (2) naming it, without a stack trace.
    for (const [args, message] of [
      [["enet", "listen", "7777", "--bogus"], /^packetpeer: unknown option --bogus\n {2}see: packetpeer enet --help\n/],
      [["enet", "listen", "7777", "--channel"], /^packetpeer: option --channel needs a value\n/],
      [["help", "frobnicate"], /^packetpeer: help: unknown command "frobnicate"\n/],
      [["ws", "connect", "http://127.0.0.1:9/"], /^packetpeer: ws connect: the URL must start with ws:\/\/ or wss:\/\/, got "http:\/\/127\.0\.0\.1:9\/"\n {2}for example: ws:\/\//],
      [["ws", "connect", "ws://127.0.0.1:99999/"], /^packetpeer: ws connect: "ws:\/\/127\.0\.0\.1:99999\/" is not a URL\n/],
      // Options that would do nothing in this mode.
      [["enet", "listen", "7777", "--godot", "4", "--rtt", "1"], /^packetpeer: --rtt works without --godot only\n/],
      [["enet", "connect", "127.0.0.1:9", "--max-peers", "4"], /^packetpeer: --max-peers is for enet listen\n/],
    ] as const) {
      const r = await runToEnd([...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at |To specify a positional/);
    }
    const missing = await runToEnd(["decode", join(root, "no-such-file.pcap")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read/);
    const nobody = await runToEnd(["enet", "connect", "127.0.0.1:9", "--timeout", "1"]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /could not connect to 127\.0\.0\.1:9 within 1 s/);
  });

  test("enet listen --echo and enet connect exchange lines (range coder, checksums, a fragmented line)", async () => {
    const server = start(["enet", "listen", "0", "--echo", "--compress", "range", "--checksum", "--json"]);
    await server.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/);
    const port = listenPort(server, /listening on 127\.0\.0\.1:(\d+)/);
    const client = start(["enet", "connect", `127.0.0.1:${port}`, "--compress", "range", "--checksum", "--channel", "3"]);
    const long = "x".repeat(5000);
    client.child.stdin.write("hello over ENet\n" + long + "\n");
    await client.waitFor("stdout", /\[127\.0\.0\.1:\d+ ch 3 reliable\] "hello over ENet"/);
    await client.waitFor("stdout", /\(5000 B\)/);
    await server.waitFor("stdout", /"text":"hello over ENet"/);
    const received = server.stdout().trim().split("\n").map((l) => JSON.parse(l) as { event: string; channel?: number; size?: number });
    assert.ok(received.some((e) => e.event === "connect"));
    assert.ok(received.some((e) => e.event === "receive" && e.channel === 3 && e.size === 5000));
    client.child.stdin.end();
    assert.equal(await client.exit, 0);
    await server.waitFor("stdout", /"event":"disconnect"/);
    // The last round-trip time seen while connected, not the 500 ms ENet resets a peer to.
    const left = server.stdout().trim().split("\n").map((l) => JSON.parse(l) as { event: string; rtt?: number }).find((e) => e.event === "disconnect");
    assert.ok(left?.rtt !== undefined && left.rtt < 500, `disconnect rtt ${left?.rtt}`);
    server.child.kill("SIGINT");
    assert.equal(await server.exit, 0);
  });

  test("--bind with an IPv6 address: the listening line brackets it (ws://[::1]:PORT/, [::1]:PORT), so it can be copied into a connect", { skip: ipv6LoopbackMissing() ?? false }, async () => {
    for (const [args, line] of [
      [["ws", "listen", "0", "--bind", "::1"], /listening on ws:\/\/\[::1\]:(\d+)\//],
      [["ws", "listen", "0", "--bind", "::1", "--godot", "4"], /listening on ws:\/\/\[::1\]:(\d+)\/ \(Godot 4/],
      [["enet", "listen", "0", "--bind", "::1"], /listening on \[::1\]:(\d+) \(ENet/],
      [["enet", "listen", "0", "--bind", "::1", "--godot", "4"], /listening on \[::1\]:(\d+) \(Godot 4/],
    ] as const) {
      const server = start([...args]);
      await server.waitFor("stderr", line);
      const port = listenPort(server, line);
      if (args[0] === "ws") {
        const godot = (args as readonly string[]).includes("--godot");
        const client = start(["ws", "connect", `ws://[::1]:${port}/`, ...(godot ? ["--godot", "4"] : [])]);
        await client.waitFor("stderr", godot ? /peer 1 connected/ : /^connected/m);
        client.child.kill("SIGINT");
        await client.exit;
      }
      server.child.kill("SIGINT");
      assert.equal(await server.exit, 0);
    }
  });

  test("a client stopped (Ctrl-C, SIGTERM) before its connection opened exits 130 / 143 at once, not 0 and not after --timeout", async () => {
    // Peers that never answer: a bound UDP socket that reads nothing (no ICMP refusal), a TCP server that
    // accepts and never replies to the WebSocket handshake.
    const silentUdp = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => silentUdp.bind(0, "127.0.0.1", resolve));
    const held: net.Socket[] = [];
    const silentTcp = net.createServer((s) => held.push(s));
    await new Promise<void>((resolve) => silentTcp.listen(0, "127.0.0.1", resolve));
    const udpPort = silentUdp.address().port;
    const tcpPort = (silentTcp.address() as net.AddressInfo).port;
    try {
      for (const [args, signal, code] of [
        [["enet", "connect", `127.0.0.1:${udpPort}`], "SIGINT", 130],
        [["enet", "connect", `127.0.0.1:${udpPort}`, "--godot", "4"], "SIGTERM", 143],
        [["ws", "connect", `ws://127.0.0.1:${tcpPort}/`], "SIGINT", 130],
        [["ws", "connect", `ws://127.0.0.1:${tcpPort}/`, "--godot", "4"], "SIGINT", 130],
      ] as const) {
        const client = start([...args, "--timeout", "60"]);
        await client.waitFor("stderr", /connecting to/);
        const stoppedAt = Date.now();
        client.child.kill(signal);
        assert.equal(await client.exit, code, `${args.join(" ")}: ${client.stderr()}`);
        assert.match(client.stderr(), new RegExp(`${signal}: stopped before connecting to`), args.join(" "));
        assert.ok(Date.now() - stoppedAt < 30_000, `${args.join(" ")} took ${Date.now() - stoppedAt} ms to stop`);
      }
    } finally {
      silentUdp.close();
      for (const s of held) s.destroy();
      silentTcp.close();
    }
  });

  test("stdin lines are sent as their bytes, binary ones unchanged (text ones valid UTF-8 on WebSocket)", async () => {
    const server = start(["enet", "listen", "0", "--echo", "--json"]);
    await server.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/);
    const port = listenPort(server, /listening on 127\.0\.0\.1:(\d+)/);
    const client = start(["enet", "connect", `127.0.0.1:${port}`, "--json"]);
    client.child.stdin.write(Uint8Array.of(0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a));
    await server.waitFor("stdout", /"size":4,"hex":"00fffe80"/);
    await client.waitFor("stdout", /"size":4,"hex":"00fffe80"/);
    client.child.stdin.end();
    assert.equal(await client.exit, 0, client.stderr());
    // A client has timed nothing when it connects (ENet's initial guess is 500 ms): no rtt then; the server has one.
    const connectOf = (out: string): { rtt?: number } => out.trim().split("\n").map((l) => JSON.parse(l) as { event: string; rtt?: number }).find((e) => e.event === "connect")!;
    assert.equal(connectOf(client.stdout()).rtt, undefined, client.stdout());
    assert.equal(typeof connectOf(server.stdout()).rtt, "number", server.stdout());
    server.child.kill("SIGINT");
    assert.equal(await server.exit, 0);

    // A WebSocket text message must be UTF-8: what is not becomes U+FFFD; --binary sends the bytes.
    const ws = start(["ws", "listen", "0", "--echo", "--json"]);
    await ws.waitFor("stderr", /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const wsPort = listenPort(ws, /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const text = start(["ws", "connect", `ws://127.0.0.1:${wsPort}/`, "--json"]);
    text.child.stdin.write(Uint8Array.of(0x68, 0xff, 0x0a));
    await ws.waitFor("stdout", /"mode":"text","size":4,"hex":"68efbfbd"/);
    text.child.stdin.end();
    assert.equal(await text.exit, 0, text.stderr());
    const binary = start(["ws", "connect", `ws://127.0.0.1:${wsPort}/`, "--binary", "--json"]);
    binary.child.stdin.write(Uint8Array.of(0x68, 0xff, 0x0a));
    await ws.waitFor("stdout", /"mode":"binary","size":2,"hex":"68ff"/);
    binary.child.stdin.end();
    assert.equal(await binary.exit, 0, binary.stderr());
    ws.child.kill("SIGINT");
    assert.equal(await ws.exit, 0);
  });

  test("`echo hi | packetpeer ... connect` to an echo server prints the reply: the end of stdin leaves after --wait", async () => {
    const servers = [
      { args: ["enet", "listen", "0", "--echo"], url: (port: number) => ["enet", "connect", `127.0.0.1:${port}`], reply: /\[127\.0\.0\.1:\d+ ch 0 reliable\] "hi"/ },
      { args: ["ws", "listen", "0", "--echo"], url: (port: number) => ["ws", "connect", `ws://127.0.0.1:${port}/`], reply: /\[server text\] "hi"/ },
      { args: ["enet", "listen", "0", "--echo", "--godot", "4"], url: (port: number) => ["enet", "connect", `127.0.0.1:${port}`, "--godot", "4"], reply: /\[peer 1 ch 0 reliable\] "hi"/ },
      { args: ["ws", "listen", "0", "--echo", "--godot", "4"], url: (port: number) => ["ws", "connect", `ws://127.0.0.1:${port}/`, "--godot", "4"], reply: /\[peer 1 ch 0 reliable\] "hi"/ },
    ];
    for (const s of servers) {
      const server = start(s.args);
      await server.waitFor("stderr", /listening on (?:ws:\/\/)?127\.0\.0\.1:(\d+)/);
      const port = listenPort(server, /listening on (?:ws:\/\/)?127\.0\.0\.1:(\d+)/);
      // stdin holds one line and ends at once, as with a pipe.
      const r = await runToEnd([...s.url(port), "--wait", "3"], "hi\n");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, s.reply, `${s.args.join(" ")}: ${r.stderr}`);
      server.child.kill("SIGINT");
      assert.equal(await server.exit, 0);
    }
    const usage = await runToEnd(["ws", "listen", "0", "--wait", "1"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--wait is for ws connect/);
  });

  test("a line the connection refuses (a channel it lacks, too large) is reported, and the run goes on", async () => {
    // The server allows 2 channels, so the client's channel 5 is missing once connected.
    const server = start(["enet", "listen", "0", "--echo", "--channels", "2"]);
    await server.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/);
    const port = listenPort(server, /listening on 127\.0\.0\.1:(\d+)/);
    const client = start(["enet", "connect", `127.0.0.1:${port}`, "--channel", "5"]);
    client.child.stdin.write("first\n");
    await client.waitFor("stderr", /line not sent to 127\.0\.0\.1:\d+: channel must be in 0\.\.1/);
    client.child.stdin.write("second\n");
    await client.waitFor("stderr", /line not sent[^\n]*\n[^\n]*line not sent/);
    client.child.stdin.end();
    assert.equal(await client.exit, 0, client.stderr());
    server.child.kill("SIGINT");
    assert.equal(await server.exit, 0);

    // The same with Godot's framing: the client asked for 3 user channels, the server has 1.
    const godot = start(["enet", "listen", "0", "--godot", "4", "--echo", "--channels", "1"]);
    await godot.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/);
    const godotPort = listenPort(godot, /listening on 127\.0\.0\.1:(\d+)/);
    const godotClient = start(["enet", "connect", `127.0.0.1:${godotPort}`, "--godot", "4", "--channels", "3", "--channel", "3"]);
    godotClient.child.stdin.write("on a missing channel\n");
    await godotClient.waitFor("stderr", /line not sent: transferChannel 3/);
    godotClient.child.stdin.end();
    assert.equal(await godotClient.exit, 0, godotClient.stderr());
    godot.child.kill("SIGINT");
    assert.equal(await godot.exit, 0);

    // A WebSocket line larger than the outgoing buffer (Godot's 65535 B): said so; the next line goes.
    const ws = start(["ws", "listen", "0", "--echo"]);
    await ws.waitFor("stderr", /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const wsPort = listenPort(ws, /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const wsClient = start(["ws", "connect", `ws://127.0.0.1:${wsPort}/`]);
    wsClient.child.stdin.write("a".repeat(70_000) + "\nsmall\n");
    await wsClient.waitFor("stderr", /line not sent to server: 70000 B does not fit in the outgoing buffer \(65535 B/);
    await wsClient.waitFor("stdout", /\[server text\] "small"/);
    wsClient.child.stdin.end();
    assert.equal(await wsClient.exit, 0, wsClient.stderr());
    ws.child.kill("SIGINT");
    assert.equal(await ws.exit, 0);
    // --channel beyond --channels is a usage error before anything runs.
    const usage = await runToEnd(["enet", "connect", "127.0.0.1:9", "--channel", "8"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--channel 8 needs --channels 9 or more/);
  });

  test("enet with --godot 4: ENetMultiplayerPeer framing, the client is peer N, the server peer 1", async () => {
    const server = start(["enet", "listen", "0", "--godot", "4", "--echo"]);
    await server.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/);
    const port = listenPort(server, /listening on 127\.0\.0\.1:(\d+)/);
    const client = start(["enet", "connect", `127.0.0.1:${port}`, "--godot", "4"]);
    client.child.stdin.write("hello multiplayer\n");
    await client.waitFor("stdout", /\[peer 1 ch 0 reliable\] "hello multiplayer"/);
    await server.waitFor("stdout", /\[peer \d+ ch 0 reliable\] "hello multiplayer"/);
    client.child.stdin.end();
    assert.equal(await client.exit, 0);
    server.child.kill("SIGINT");
    assert.equal(await server.exit, 0);
  });

  test("ws with --godot 4 and enet with --godot 3: the multiplayer peers' framing both ways", async () => {
    const ws = start(["ws", "listen", "0", "--godot", "4", "--echo"]);
    await ws.waitFor("stderr", /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const wsPort = listenPort(ws, /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const wsClient = start(["ws", "connect", `ws://127.0.0.1:${wsPort}/`, "--godot", "4", "--json"]);
    wsClient.child.stdin.write("over websocket\n");
    await wsClient.waitFor("stdout", /"from":"peer 1".*"text":"over websocket"/);
    wsClient.child.stdin.end();
    assert.equal(await wsClient.exit, 0);
    ws.child.kill("SIGINT");
    assert.equal(await ws.exit, 0);

    const enet = start(["enet", "listen", "0", "--godot", "3", "--echo"]);
    await enet.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/);
    const enetPort = listenPort(enet, /listening on 127\.0\.0\.1:(\d+)/);
    const enetClient = start(["enet", "connect", `127.0.0.1:${enetPort}`, "--godot", "3"]);
    enetClient.child.stdin.write("over godot 3 enet\n");
    await enetClient.waitFor("stdout", /\[peer 1 ch \d+ reliable\] "over godot 3 enet"/);
    await enet.waitFor("stdout", /\[peer \d+ ch \d+ reliable\] "over godot 3 enet"/);
    enetClient.child.stdin.end();
    assert.equal(await enetClient.exit, 0);
    enet.child.kill("SIGINT");
    assert.equal(await enet.exit, 0);
  });

  test("ws listen --echo and ws connect exchange text and hex-typed binary; close code on both sides", async () => {
    const server = start(["ws", "listen", "0", "--echo"]);
    await server.waitFor("stderr", /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const port = listenPort(server, /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const client = start(["ws", "connect", `ws://127.0.0.1:${port}/chat`, "--hex"]);
    client.child.stdin.write("68 69 00 ff\n");
    await client.waitFor("stdout", /\[server binary\] 68 69 00 ff/);
    await server.waitFor("stderr", /connected to ws:\/\/127\.0\.0\.1:\d+\/chat/);
    client.child.stdin.end();
    assert.equal(await client.exit, 0);
    await client.waitFor("stderr", /connection closed \(code 1000\)/);
    await server.waitFor("stderr", /closed \(code 1000\)/);
    const text = start(["ws", "connect", `ws://127.0.0.1:${port}/`]);
    text.child.stdin.write("héllo\n");
    await text.waitFor("stdout", /\[server text\] "héllo"/);
    text.child.stdin.end();
    assert.equal(await text.exit, 0);
    server.child.kill("SIGINT");
    assert.equal(await server.exit, 0);
    // --deflate on both ends: permessage-deflate is agreed and a compressible line comes back whole.
    const deflating = start(["ws", "listen", "0", "--echo", "--deflate"]);
    await deflating.waitFor("stderr", /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const deflatePort = listenPort(deflating, /listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const compressing = start(["ws", "connect", `ws://127.0.0.1:${deflatePort}/`, "--deflate"]);
    await compressing.waitFor("stderr", /connected to ws:\/\/127\.0\.0\.1:\d+\/ \(permessage-deflate\)/);
    const line = "state ".repeat(400);
    compressing.child.stdin.write(line + "\n");
    // Long payloads print cut short, with their size.
    await compressing.waitFor("stdout", /\[server text\] "state state .*\(2400 B\)/);
    compressing.child.stdin.end();
    assert.equal(await compressing.exit, 0);
    deflating.child.kill("SIGINT");
    assert.equal(await deflating.exit, 0);
  });

  test("--cert/--key serve ENet over DTLS (an RSA key) and wss:// (an EC key); --dtls, --trust, --tls-name and --insecure connect; wrong combinations are usage errors", { skip: opensslMissing }, async () => {
    const rsa = makeIdentity("localhost", "rsa:2048");
    const server = start(["enet", "listen", "0", "--echo", "--cert", rsa.certPath, "--key", rsa.keyPath]);
    await server.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+) \(ENet over DTLS/);
    const port = listenPort(server, /listening on 127\.0\.0\.1:(\d+)/);
    const client = start(["enet", "connect", `127.0.0.1:${port}`, "--dtls", "--trust", rsa.certPath, "--tls-name", "localhost"]);
    client.child.stdin.write("hello over DTLS\n");
    await client.waitFor("stdout", /reliable\] "hello over DTLS"/);
    client.child.stdin.end();
    assert.equal(await client.exit, 0);
    // A name the certificate does not carry, or a certificate not trusted: ENet alone would only see
    // silence until --timeout, so the DTLS layer's reason ends the run at once (--timeout 60 would
    // outlast the test), and the server prints the alert the client sent.
    const wrongName = await runToEnd(["enet", "connect", `127.0.0.1:${port}`, "--dtls", "--trust", rsa.certPath, "--tls-name", "other.example", "--timeout", "60"]);
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.stderr, /the DTLS handshake failed \(certificate verification failed: certificate does not name "other\.example"\)\..*--tls-name NAME/);
    const other = makeIdentity("localhost");
    for (const godot of [[], ["--godot", "4"]]) {
      const untrusted = await runToEnd(["enet", "connect", `127.0.0.1:${port}`, ...godot, "--dtls", "--trust", other.certPath, "--tls-name", "localhost", "--timeout", "60"]);
      assert.equal(untrusted.code, 1, untrusted.stderr);
      assert.match(untrusted.stderr, /the DTLS handshake failed \(certificate verification failed: certificate chain not signed by a trusted certificate\)\..*--trust FILE/);
      assert.doesNotMatch(untrusted.stderr, /DTLS with /, "a failed connect says its reason once");
    }
    await server.waitFor("stderr", /DTLS with 127\.0\.0\.1:\d+ ended: the peer sent fatal alert (bad_certificate|unknown_ca)/);
    server.child.kill("SIGINT");
    assert.equal(await server.exit, 0);

    const godot = start(["enet", "listen", "0", "--godot", "4", "--echo", "--cert", rsa.certPath, "--key", rsa.keyPath]);
    await godot.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/);
    const godotPort = listenPort(godot, /listening on 127\.0\.0\.1:(\d+)/);
    const godotClient = start(["enet", "connect", `127.0.0.1:${godotPort}`, "--godot", "4", "--dtls", "--insecure"]);
    godotClient.child.stdin.write("multiplayer over DTLS\n");
    await godotClient.waitFor("stdout", /\[peer 1 ch 0 reliable\] "multiplayer over DTLS"/);
    godotClient.child.stdin.end();
    assert.equal(await godotClient.exit, 0);
    godot.child.kill("SIGINT");
    assert.equal(await godot.exit, 0);

    const ec = makeIdentity("localhost");
    // wss://localhost below (a certificate refused for trust alone) goes first to the address the
    // name resolves to first, ::1 on a machine whose /etc/hosts lists it: the server listens there.
    const local = await localhostAddress();
    const wssHost = local.includes(":") ? `[${local}]` : local;
    const wss = start(["ws", "listen", "0", "--echo", "--cert", ec.certPath, "--key", ec.keyPath, "--bind", local]);
    await wss.waitFor("stderr", /listening on wss:\/\/\S+:(\d+)\//);
    const wssPort = listenPort(wss, /listening on wss:\/\/\S+:(\d+)\//);
    const wssClient = start(["ws", "connect", `wss://${wssHost}:${wssPort}/`, "--trust", ec.certPath, "--tls-name", "localhost"]);
    wssClient.child.stdin.write("hello over TLS\n");
    await wssClient.waitFor("stdout", /\[server text\] "hello over TLS"/);
    wssClient.child.stdin.end();
    assert.equal(await wssClient.exit, 0);
    // The certificate's name and trust: each failure says what to type.
    const wssWrongName = await runToEnd(["ws", "connect", `wss://${wssHost}:${wssPort}/`, "--trust", ec.certPath, "--tls-name", "other.example"]);
    assert.equal(wssWrongName.code, 1);
    assert.match(wssWrongName.stderr, /ALTNAME.*\n {2}the certificate carries another name: give it with --tls-name NAME/);
    const untrusted = await runToEnd(["ws", "connect", `wss://localhost:${wssPort}/`]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /\n {2}the certificate is not trusted: --trust FILE/);
    wss.child.kill("SIGINT");
    assert.equal(await wss.exit, 0);

    for (const [args, message] of [
      [["enet", "connect", "127.0.0.1:9", "--dtls"], /--dtls needs --trust FILE or --insecure/],
      [["enet", "connect", "127.0.0.1:9", "--insecure"], /--trust and --insecure need --dtls/],
      [["enet", "listen", "0", "--cert", rsa.certPath], /--cert and --key go together/],
      [["enet", "listen", "0", "--dtls"], /--dtls is for enet connect/],
      [["ws", "connect", "ws://127.0.0.1:9/", "--insecure"], /for wss:\/\/ URLs/],
      [["ws", "connect", "wss://127.0.0.1:9/", "--trust", rsa.certPath, "--insecure"], /exclude each other/],
    ] as const) {
      const r = await runToEnd([...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const unreadable = await runToEnd(["enet", "listen", "0", "--cert", join(root, "no-such-cert.pem"), "--key", rsa.keyPath]);
    assert.equal(unreadable.code, 1);
    assert.match(unreadable.stderr, /--cert .*no-such-cert\.pem/);
  });

  test("decode --json prints one parseable record per datagram; the table names the commands", async () => {
    const file = join(root, "spec-tests", "captures", "pcap", "scene-godot4.pcap");
    const json = await runToEnd(["decode", file, "--json", "--godot", "4"]);
    assert.equal(json.code, 0);
    const lines = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { index: number; commands: { command: string }[] });
    assert.deepEqual(lines.map((l) => l.index), lines.map((_, i) => i));
    assert.equal(lines[0]!.commands[0]!.command, "CONNECT");
    // A file cut short (a capture still being written) decodes what it holds and says so on stderr.
    const dir = mkdtempSync(join(tmpdir(), "packetpeer-cli-"));
    try {
      const cut = join(dir, "cut.pcap");
      const whole = readFileSync(file);
      writeFileSync(cut, whole.subarray(0, whole.length - 20));
      const r = await runToEnd(["decode", cut, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split("\n").length, lines.length - 1);
      assert.match(r.stderr, /cut\.pcap: the last \d+ bytes make no whole pcap record \(the file was cut short/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const table = await runToEnd(["decode", file, "--godot", "4"]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /VERIFY_CONNECT/);
    assert.match(table.stdout, /"command":"REMOTE_CALL","path":"Chat"/);
  });

  test("bench prints a table of every scenario", async () => {
    const r = await runToEnd(["bench", "--seconds", "1"]);
    assert.equal(r.code, 0, r.stderr);
    for (const row of ["reliable 64 B", "reliable 1200 B", "reliable 100 KB", "unreliable 64 B", "range coder"]) assert.match(r.stdout, new RegExp(row));
    const rates = [...r.stdout.matchAll(/^\S.*?\s{2,}([\d,]+)\s{2,}[\d.]+$/gm)].map((m) => Number(m[1]!.replace(/,/g, "")));
    assert.equal(rates.length, 5);
    assert.ok(rates.every((x) => x > 0), `every scenario moved packets: ${rates}`);
  });
});

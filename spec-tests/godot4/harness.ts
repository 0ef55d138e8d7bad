/**
 * Runs GDScript on a real Godot 4.6 engine (the official web export template) in headless
 * Chromium, for the live `*.godot4.test.ts` tests. Godot 4.6 is a *client* here: the web
 * platform has no listening sockets, so the TypeScript side is always the server.
 *
 * ```ts
 * import { runGodot4, godot4SkipReason } from "../godot4/harness.ts";
 * const skip = godot4SkipReason(); // string when Chromium / the build / playwright-core is missing
 * test("…", { skip }, async () => {
 *   const r = await runGodot4({ script: `extends SceneTree\nfunc _init():\n\tprint("hi")\n\tquit(0)\n` });
 *   assert.equal(r.exitCode, 0); // r.lines: every print(); r.json: the printed lines that parse as JSON
 * });
 * ```
 *
 * - `script` is `res://main.gd`. By default it is the main loop (it must `extends SceneTree`;
 *   like `godot -s`). With `mainScene: true` (or `{ name: "Pinger" }`) it is the script of the
 *   root node of `res://main.tscn` instead (a `Node` named "Main" by default, so at `/root/Main`),
 *   which is what SceneMultiplayer/RPC scripts need.
 * - `args` reach `OS.get_cmdline_user_args()`; `files` are extra `res://` files (path without "res://").
 * - A run ends when the script calls `quit(code)` (`exitCode`), or after `timeoutMs` (default
 *   60 s, the boot included; `exitCode` null, `timedOut` true). Release template: `assert()` is compiled out and
 *   runtime errors are mostly silent, so scripts check their own results and quit with a code.
 * - `openGodot4()` starts one browser and serves the build once; its `run()` can be called
 *   several times at once (one page each), e.g. two multiplayer clients side by side.
 *   `runGodot4()` is the one-shot form. Everything (pages, browser, HTTP server) is closed at the end.
 * - `onLine(line)` sees each printed line as it arrives (to drive a server step by step);
 *   `signal` (an AbortSignal) ends a run early, e.g. when the test's server side already failed.
 *
 * The build is fetched by `node scripts/fetch-godot4.mjs` into `.cache/godot4/` (or
 * `PACKETPEER_GODOT4_DIR`); Chromium is `/usr/bin/chromium` (or `PACKETPEER_CHROMIUM`).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writePck } from "./pck.ts";

/** sha256 of the pinned Godot v4.6.stable.official.89cea1439 web template wasm (see scripts/fetch-godot4.mjs). */
const GODOT4_WASM_SHA256 = "2b558bdb3c3af1f822ce6c43e09e1fa844d82fa440fe40d2d25d6c36ddf95137";
const ROOT = join(fileURLToPath(import.meta.url), "..", "..", "..");
export const GODOT4_DIR = process.env.PACKETPEER_GODOT4_DIR ?? join(ROOT, ".cache", "godot4");
export const CHROMIUM_PATH = process.env.PACKETPEER_CHROMIUM ?? "/usr/bin/chromium";
/** The web build's boot is part of a run and has taken over 15 s on a loaded machine. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** Global class name the harness registers for a main-loop script. */
const MAIN_LOOP_CLASS = "PacketpeerHarnessMain";
/** Marks the page's exit report among the console lines. */
const EXIT_MARK = "\u0001packetpeer-godot4-exit:";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Godot4RunOptions {
  /** GDScript source of res://main.gd. */
  script: string;
  /** Root node of main.tscn instead of the main loop; `name` is the node's name (default "Main"). */
  mainScene?: boolean | { name?: string; type?: string };
  /** User arguments (`OS.get_cmdline_user_args()`). */
  args?: string[];
  /** Extra project files, keyed by path without "res://". */
  files?: Record<string, string | Uint8Array>;
  /** Upper bound for the run, the engine's boot included (default 60000 ms). */
  timeoutMs?: number;
  /** Called with each printed line as it arrives. */
  onLine?: (line: string, stream: "out" | "err") => void;
  /** Ends the run early (e.g. when the test's server side has already failed): exitCode null, aborted true. */
  signal?: AbortSignal;
}

export interface Godot4Result {
  /** The code given to `quit()`, or null when the run timed out or the engine failed to start. */
  exitCode: number | null;
  timedOut: boolean;
  /** True when `signal` ended the run. */
  aborted: boolean;
  /** Every `print()` line, in order. */
  lines: string[];
  /** `printerr()`/`push_error()` output and engine errors. */
  errors: string[];
  /** The printed lines that parse as JSON (objects, arrays, numbers...), in order. */
  json: unknown[];
}

let skipReason: string | false | undefined;

/** Why the live Godot 4 tests cannot run here, or false when they can. Checked once per process. */
export function godot4SkipReason(): string | false {
  if (skipReason !== undefined) return skipReason;
  skipReason = computeSkipReason();
  if (skipReason) console.log(`skipping live Godot 4.6 tests: ${skipReason}`);
  return skipReason;
}

export function godot4Available(): boolean {
  return godot4SkipReason() === false;
}

function computeSkipReason(): string | false {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined || g.Bun !== undefined) return "the Godot 4.6 harness runs on Node only (scripts/test-all.mjs runs *.godot4.test.ts once, on Node)";
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set PACKETPEER_CHROMIUM)`;
  const wasm = join(GODOT4_DIR, "index.wasm");
  if (!existsSync(join(GODOT4_DIR, "index.js")) || !existsSync(wasm)) return `no Godot 4.6 web build in ${GODOT4_DIR} (run: node scripts/fetch-godot4.mjs)`;
  if (statSync(wasm).size < 1_000_000 || createHash("sha256").update(readFileSync(wasm)).digest("hex") !== GODOT4_WASM_SHA256) {
    return `${wasm} is not the pinned Godot 4.6 build (sha256 mismatch; rerun node scripts/fetch-godot4.mjs)`;
  }
  try {
    import.meta.resolve("playwright-core");
  } catch {
    return "playwright-core is not installed (npm ci)";
  }
  return false;
}

const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<canvas id="canvas" width="0" height="0"></canvas>
<script src="/index.js"></script>
<script>
window.runGodot = async (pckUrl, args) => {
  const report = (code) => console.log(${JSON.stringify(EXIT_MARK)} + code);
  try {
    const pck = new Uint8Array(await (await fetch(pckUrl)).arrayBuffer());
    const engine = new Engine({
      executable: "index",
      canvasResizePolicy: 0,
      onPrint: (...a) => console.log(a.join(" ")),
      onPrintError: (...a) => console.error(a.join(" ")),
      onExit: (code) => report(code),
    });
    await engine.init("index");
    engine.copyToFS("/packetpeer/main.pck", pck);
    // An unknown engine option before "--" lets Main::setup accept a project without a main scene.
    await engine.start({ args: ["--main-pack", "/packetpeer/main.pck", "--headless", "--packetpeer-harness", "--", ...args] });
  } catch (e) {
    console.error("harness: engine failed to start: " + (e && e.stack || e));
    report("null");
  }
};
</script></body></html>`;

const enc = new TextEncoder();
const asBytes = (v: string | Uint8Array): Uint8Array => (typeof v === "string" ? enc.encode(v) : v);

/** The project files for one run: project.godot, main.gd, and either the class cache or main.tscn. */
function projectFiles(opts: Godot4RunOptions): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const scene = opts.mainScene === true ? {} : opts.mainScene || null;
  const project = ["config_version=5", "", "[application]", "", 'config/name="packetpeer-godot4"'];
  if (scene) {
    const name = scene.name ?? "Main";
    const type = scene.type ?? "Node";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`mainScene.name must be a plain node name, got ${JSON.stringify(name)}`);
    project.push('run/main_scene="res://main.tscn"');
    files.set(
      "main.tscn",
      enc.encode(
        `[gd_scene load_steps=2 format=3]\n\n[ext_resource type="Script" path="res://main.gd" id="1"]\n\n[node name="${name}" type="${type}"]\nscript = ExtResource("1")\n`,
      ),
    );
    // An empty class cache, or Godot logs "Could not load global script cache".
    files.set(".godot/global_script_class_cache.cfg", enc.encode("list=[]\n"));
  } else {
    project.push(`run/main_loop_type="${MAIN_LOOP_CLASS}"`);
    files.set(
      ".godot/global_script_class_cache.cfg",
      enc.encode(
        `list=[{\n"base": &"SceneTree",\n"class": &"${MAIN_LOOP_CLASS}",\n"icon": "",\n"is_abstract": false,\n"is_tool": false,\n"language": &"GDScript",\n"path": "res://main.gd"\n}]\n`,
      ),
    );
  }
  files.set("project.godot", enc.encode(project.join("\n") + "\n"));
  files.set("main.gd", enc.encode(opts.script));
  for (const [path, content] of Object.entries(opts.files ?? {})) files.set(path.replace(/^res:\/\//, ""), asBytes(content));
  return files;
}

function parseJsonLines(lines: string[]): unknown[] {
  const out: unknown[] = [];
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith("{") && !t.startsWith("[")) continue;
    try {
      out.push(JSON.parse(t));
    } catch {
      // not JSON: a plain print
    }
  }
  return out;
}

/** Minimal shapes of the playwright-core objects used (its types stay out of the project's types). */
interface PwPage {
  on(event: "console", cb: (msg: { type(): string; text(): string }) => void): void;
  on(event: "pageerror", cb: (err: Error) => void): void;
  on(event: "crash", cb: () => void): void;
  goto(url: string): Promise<unknown>;
  evaluate<A>(fn: (arg: A) => unknown, arg: A): Promise<unknown>;
  close(): Promise<void>;
}
interface PwBrowser {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}

export interface Godot4Session {
  /** Runs one script in its own page; several runs may be in flight at once. */
  run(opts: Godot4RunOptions): Promise<Godot4Result>;
  /** Closes every page, the browser and the HTTP server. */
  close(): Promise<void>;
}

/**
 * GDScript for the end of a main-loop script that does its work in `_init`/`_initialize`: it
 * quits with code 0 on the first frame, once everything printed has gone out.
 */
export const GD_QUIT_ON_FIRST_FRAME = `var frames := 0
func _process(_delta: float) -> bool:
	frames += 1
	if frames == 1:
		quit(0)
	return false
`;

/**
 * GDScript functions for a generated test client: `report(d)` prints `d` as one JSON line (what
 * `Godot4Result.json` and `onLine` read), `read_user_args(opts)` sets `opts[key]` from each
 * `key=value` user argument.
 */
export const GD_REPORT_AND_ARGS = `func report(d: Dictionary) -> void:
	print(JSON.stringify(d))

func read_user_args(opts: Dictionary) -> void:
	for a in OS.get_cmdline_user_args():
		var eq := a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1)
`;

/** What openGodot4 may change about the browser. */
export interface Godot4SessionOptions {
  /**
   * Base64 SHA-256 digests of SubjectPublicKeyInfo DER: Chromium accepts TLS certificates with
   * these keys whatever their issuer and names (`--ignore-certificate-errors-spki-list`), so a
   * page may open wss:// to a test server with a self-signed certificate.
   */
  trustSpki?: readonly string[];
}

/** Starts Chromium and the local HTTP server that serves the build and the packs. */
/** For a command-line runner (the soaks): a session, or the reason there is none on stderr and exit status 2. */
export async function openGodot4OrExit(): Promise<Godot4Session> {
  const skip = godot4SkipReason();
  if (skip) {
    console.error(`cannot run: ${skip}`);
    process.exit(2);
  }
  return openGodot4();
}

export async function openGodot4(options: Godot4SessionOptions = {}): Promise<Godot4Session> {
  const reason = godot4SkipReason();
  if (reason) throw new Error(`Godot 4.6 harness unavailable: ${reason}`);
  const indexJs = readFileSync(join(GODOT4_DIR, "index.js"));
  const indexWasm = readFileSync(join(GODOT4_DIR, "index.wasm"));
  const packs = new Map<string, Uint8Array>();
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0] ?? "/";
    const send = (type: string, body: Uint8Array | string) => {
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (url === "/") return send("text/html; charset=utf-8", PAGE_HTML);
    if (url === "/index.js") return send("text/javascript", indexJs);
    if (url === "/index.wasm") return send("application/wasm", indexWasm);
    if (url === "/favicon.ico") return void res.writeHead(204).end();
    const pack = packs.get(url);
    if (pack) return send("application/octet-stream", pack);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  let browser: PwBrowser;
  try {
    const { chromium } = (await import("playwright-core")) as unknown as {
      chromium: { launch(o: { executablePath: string; headless: boolean; args: string[] }): Promise<PwBrowser> };
    };
    const args = options.trustSpki?.length ? [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${options.trustSpki.join(",")}`] : CHROMIUM_ARGS;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
  } catch (e) {
    server.closeAllConnections();
    server.close();
    throw e;
  }

  let nextRun = 0;
  const open = new Set<PwPage>();
  let closed = false;

  async function run(opts: Godot4RunOptions): Promise<Godot4Result> {
    if (closed) throw new Error("Godot 4 session is closed");
    const pckPath = `/pck/${nextRun++}.pck`;
    packs.set(pckPath, writePck(projectFiles(opts)));
    const lines: string[] = [];
    const errors: string[] = [];
    const page = await browser.newPage();
    open.add(page);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const exit = new Promise<number | null>((resolve) => {
        page.on("console", (msg) => {
          const text = msg.text();
          if (text.startsWith(EXIT_MARK)) {
            const code = Number.parseInt(text.slice(EXIT_MARK.length), 10);
            resolve(Number.isNaN(code) ? null : code);
            return;
          }
          const stream = msg.type() === "error" || msg.type() === "warning" ? "err" : "out";
          for (const line of text.split("\n")) {
            (stream === "out" ? lines : errors).push(line);
            opts.onLine?.(line, stream);
          }
        });
        page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
        // An out-of-memory or crashed tab ends the run instead of waiting for the timeout.
        page.on("crash", () => {
          errors.push("harness: the page crashed");
          resolve(null);
        });
      });
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      });
      const aborted = new Promise<"aborted">((resolve) => {
        if (opts.signal?.aborted) resolve("aborted");
        opts.signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
      });
      const started = (async () => {
        await page.goto(`${base}/`);
        const call = ([url, args]: [string, string[]]) => (globalThis as unknown as { runGodot(u: string, a: string[]): Promise<void> }).runGodot(url, args);
        await page.evaluate(call, [pckPath, opts.args ?? []] as [string, string[]]);
        return exit;
      })();
      const outcome = await Promise.race([started, timeout, aborted]);
      if (typeof outcome === "string") {
        started.catch(() => {}); // the page is closed below; its pending calls reject
        return { exitCode: null, timedOut: outcome === "timeout", aborted: outcome === "aborted", lines, errors, json: parseJsonLines(lines) };
      }
      return { exitCode: outcome, timedOut: false, aborted: false, lines, errors, json: parseJsonLines(lines) };
    } finally {
      clearTimeout(timer);
      packs.delete(pckPath);
      open.delete(page);
      await page.close().catch(() => {});
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await Promise.all([...open].map((p) => p.close().catch(() => {})));
    await browser.close().catch(() => {});
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return { run, close };
}

/** One-shot: opens a session, runs one script, closes everything. */
export async function runGodot4(opts: Godot4RunOptions): Promise<Godot4Result> {
  const session = await openGodot4();
  try {
    return await session.run(opts);
  } finally {
    await session.close();
  }
}

// Profile one ENet loopback run of packetpeer (bench/macro/enet-loopback.ts) with
// node --cpu-prof and print the functions with the most self time, so hot spots can
// be named without opening a profiler UI. The .cpuprofile stays in .build/profiles/
// (open it in Chrome DevTools or speedscope for the full picture).
// usage: node --import tsx bench/profile.ts [reliable|unreliable SIZE COUNT [rangecoder|plain] [window]] [--top=N]
//        node --import tsx bench/profile.ts --script=bench/macro/ws-echo-ours.ts 64 60000 512
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const top = Number(argv.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
const script = argv.find((a) => a.startsWith("--script="))?.slice(9) ?? "bench/macro/enet-loopback.ts";
let scenario = argv.filter((a) => !a.startsWith("--"));
if (scenario.length === 0) scenario = script.endsWith("enet-loopback.ts") ? ["reliable", "64", "200000", "plain", "512"] : [];
const dir = join(ROOT, ".build", "profiles");
mkdirSync(dir, { recursive: true });
// Bundle like bench/run.ts does (tsx's keepNames would show up in the profile); esbuild
// marks each module's code with a "// path" comment line, used below to name the file.
let entry = ["--import", "tsx", script];
let bundleLines: string[] = [];
try {
  const esbuild = await import("esbuild");
  const outfile = join(dir, "profiled.mjs");
  await esbuild.build({
    entryPoints: [join(ROOT, script)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["ws", "tinybench", "fflate", "fzstd", "@noble/hashes", "enet"],
    logLevel: "warning",
  });
  entry = [outfile];
  bundleLines = readFileSync(outfile, "utf8").split("\n");
} catch {
  console.log("(esbuild unavailable: profiling through tsx)");
}
const moduleAt: string[] = [];
let current = "";
for (let i = 0; i < bundleLines.length; i++) {
  const m = /^\/\/ ((?:src|bench|spec-tests|node_modules)\/\S+)$/.exec(bundleLines[i]!);
  if (m) current = m[1]!;
  moduleAt[i] = current;
}
const startedAt = Date.now();
const r = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...entry, ...scenario], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
process.stdout.write(r.stdout.endsWith("\n") ? r.stdout : r.stdout + "\n");
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
const newest = readdirSync(dir)
  .filter((f) => f.endsWith(".cpuprofile"))
  .map((f) => join(dir, f))
  .filter((f) => statSync(f).mtimeMs >= startedAt - 1000)
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (!newest) throw new Error("no profile written");
const profile = JSON.parse(readFileSync(newest, "utf8")) as CpuProfile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
let total = 0;
for (const v of self.values()) total += v;
const byFunction = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)!.callFrame;
  let path = f.url.startsWith("file:") ? relative(ROOT, fileURLToPath(f.url)) : f.url;
  if (path.endsWith("profiled.mjs") && f.lineNumber === 0 && !f.functionName) path = `${script} (top-level code of the bundle)`;
  else if (path.endsWith("profiled.mjs") && moduleAt[f.lineNumber]) path = `${moduleAt[f.lineNumber]} (bundle line ${f.lineNumber + 1})`;
  else if (path) path = `${path}:${f.lineNumber + 1}`;
  const where = path || "(native)";
  const key = `${f.functionName || "(anonymous)"}  ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
console.log(`\nprofile: ${relative(ROOT, newest)}; ${(total / 1000).toFixed(0)} ms sampled; top ${top} by self time:`);
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`);
}

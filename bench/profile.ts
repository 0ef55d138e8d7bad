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
const startedAt = Date.now();
const r = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--import", "tsx", script, ...scenario], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
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
  const path = f.url.startsWith("file:") ? relative(ROOT, fileURLToPath(f.url)) : f.url;
  const where = path ? `${path}:${f.lineNumber + 1}` : "(native)";
  const key = `${f.functionName || "(anonymous)"}  ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
console.log(`\nprofile: ${relative(ROOT, newest)}; ${(total / 1000).toFixed(0)} ms sampled; top ${top} by self time:`);
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`);
}

/**
 * A load test of a SceneMultiplayer server: N bots join at once (each authenticates with its own
 * nickname), each says a numbered line every 1/RATE seconds, and every line's round trip is timed:
 * from the bot's `rpc_id(1, "say", line)` to the server's broadcast `message(nickname, line)`
 * coming back to that bot. At the end it prints join times, round-trip percentiles, lines lost and
 * bots that failed, and exits 1 if any bot could not join or any line did not come back.
 *
 * It speaks the protocol of examples/scene-chat/ (a /root/Chat node with `say` and `message`), so
 * it runs against scene-chat's TypeScript server or a Godot 4 server with the same node; for your
 * own game, change the RPC config and the two methods below.
 *
 * Run: npx tsx examples/load-test/swarm.ts [ws://127.0.0.1:9080 | enet://127.0.0.1:9080] [--bots=50] [--seconds=10] [--rate=2]
 */
import { parseArgs } from "node:util";
import { SceneMultiplayer, type MultiplayerPeer, type SceneNode } from "../../src/index.ts";
import { joinServer } from "../shared/join.ts";

const USAGE = "usage: npx tsx examples/load-test/swarm.ts [ws://127.0.0.1:9080 | enet://127.0.0.1:9080] [--bots=50] [--seconds=10] [--rate=2]";
/** A mistake on the command line: said in one line with the usage, exit 2. */
function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { bots: { type: "string", default: "50" }, seconds: { type: "string", default: "10" }, rate: { type: "string", default: "2" } },
  });
} catch (err) {
  usageError((err as Error).message.split(".")[0]!); // "Unknown option '--bot'"
}
const { values, positionals } = parsed;
const url = positionals[0] ?? "ws://127.0.0.1:9080";
const botCount = Number(values.bots);
const seconds = Number(values.seconds);
const rate = Number(values.rate);
if (!/^(wss?|enet):\/\//.test(url)) usageError(`not a ws://, wss:// or enet:// URL: ${JSON.stringify(url)}`);
if (!Number.isInteger(botCount) || botCount < 1 || botCount > 4000) usageError("--bots must be a whole number from 1 to 4000");
if (!(seconds > 0 && seconds <= 3600)) usageError("--seconds must be in (0, 3600]");
if (!(rate > 0 && rate <= 1000)) usageError("--rate must be in (0, 1000] lines per second per bot");

/** How long a bot may take to join, and how long lines still in flight are waited for at the end. */
const JOIN_TIMEOUT_MS = 10_000;
const DRAIN_MS = 3_000;
const POLL_MS = 5;

interface Bot {
  name: string;
  peer: MultiplayerPeer;
  mp: SceneMultiplayer;
  chat: SceneNode;
  startedAt: number;
  joinedAt: number | null;
  failed: boolean;
  nextLine: number;
  nextSayAt: number;
  /** Line number -> when it was said, until it comes back. */
  inFlight: Map<number, number>;
}

const roundTrips: number[] = [];
let linesSent = 0;

async function startBot(index: number): Promise<Bot> {
  const name = `bot${index}`;
  const startedAt = performance.now();
  const mp = new SceneMultiplayer();
  const chat = mp.node("/root/Chat");
  // The same RPC config as scene-chat's client.gd @rpc annotations.
  chat.rpcConfig("say", { rpcMode: "any_peer" });
  chat.rpcConfig("message", { rpcMode: "authority" });
  const bot: Bot = { name, peer: null as unknown as MultiplayerPeer, mp, chat, startedAt, joinedAt: null, failed: false, nextLine: 0, nextSayAt: 0, inFlight: new Map() };
  chat.on("message", (from, line) => {
    if (from !== name || typeof line !== "string" || !line.startsWith("#")) return;
    const said = bot.inFlight.get(Number(line.slice(1)));
    if (said === undefined) return;
    bot.inFlight.delete(Number(line.slice(1)));
    roundTrips.push(performance.now() - said);
  });
  mp.authCallback = (id) => mp.completeAuth(id);
  mp.addEventListener("peer_authenticating", (e) => mp.sendAuth(e.id, new TextEncoder().encode(name)));
  mp.addEventListener("connected_to_server", () => {
    bot.joinedAt = performance.now();
    // Spread the bots' lines over the interval rather than all at once.
    bot.nextSayAt = bot.joinedAt + Math.random() * (1000 / rate);
  });
  mp.addEventListener("connection_failed", () => (bot.failed = true));
  mp.addEventListener("server_disconnected", () => (bot.failed = true));
  try {
    bot.peer = await joinServer(url);
    mp.multiplayerPeer = bot.peer;
  } catch (err) {
    console.error(`${name}: ${String(err)}`);
    bot.failed = true;
  }
  return bot;
}

const bots = await Promise.all(Array.from({ length: botCount }, (_, i) => startBot(i)));
const started = performance.now();
const stopSayingAt = started + seconds * 1000;
const pollAll = (): void => {
  for (const bot of bots) if (!bot.failed) bot.mp.poll();
};

for (;;) {
  const now = performance.now();
  for (const bot of bots) {
    if (bot.failed) continue;
    if (bot.joinedAt === null && now - bot.startedAt > JOIN_TIMEOUT_MS) bot.failed = true;
    while (bot.joinedAt !== null && now < stopSayingAt && now >= bot.nextSayAt) {
      const n = bot.nextLine++;
      bot.inFlight.set(n, now);
      bot.chat.rpcId(1, "say", `#${n}`);
      linesSent++;
      bot.nextSayAt += 1000 / rate;
    }
  }
  pollAll();
  const waiting = bots.some((b) => !b.failed && b.inFlight.size > 0);
  if (now >= stopSayingAt && (!waiting || now >= stopSayingAt + DRAIN_MS)) break;
  await new Promise((r) => setTimeout(r, POLL_MS));
}

const joined = bots.filter((b) => b.joinedAt !== null);
const failed = bots.filter((b) => b.failed);
const lost = bots.reduce((sum, b) => sum + b.inFlight.size, 0);
const percentile = (sorted: number[], p: number): string => (sorted.length === 0 ? "-" : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1));
const joins = joined.map((b) => b.joinedAt! - b.startedAt).sort((a, b) => a - b);
roundTrips.sort((a, b) => a - b);
console.log(`${url}: ${joined.length} of ${botCount} bots joined, ${failed.length} failed`);
console.log(`join time (ms): p50 ${percentile(joins, 50)}, p95 ${percentile(joins, 95)}, max ${percentile(joins, 100)}`);
console.log(`lines: ${linesSent} said, ${roundTrips.length} came back, lost ${lost} (${(roundTrips.length / seconds).toFixed(0)} round trips a second)`);
console.log(`round trip (ms): p50 ${percentile(roundTrips, 50)}, p95 ${percentile(roundTrips, 95)}, p99 ${percentile(roundTrips, 99)}, max ${percentile(roundTrips, 100)}`);
for (const bot of bots) bot.peer?.close();
process.exit(joined.length === botCount && failed.length === 0 && lost === 0 ? 0 : 1);

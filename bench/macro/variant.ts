// Variant codec throughput on a realistic game-state value (seeded): a snapshot of
// 32 players (ids, names, Vector3 position/velocity, float rotation, health,
// inventory ints, tags) plus recent events, nested dictionaries and arrays.
// Compared on the same run with JSON.stringify / JSON.parse of the equivalent
// plain object (vectors as {x, y, z}). Both figures are MB/s of the Variant
// encoding's size, so the two columns count the same amount of game state per
// second and the ratio is the ratio of snapshots per second. Prints one JSON line.
// usage: variant.ts [minSecondsPerFigure]
import { bytesToVar, StringName, varToBytes, Vector3 } from "../../src/variant/index.ts";
import { SeededRandom } from "../../src/util/prng.ts";

const minMs = Number(process.argv[2] ?? 0.4) * 1000;
const rng = new SeededRandom(0x6a3e);

function gameState(vector: (x: number, y: number, z: number) => unknown): Record<string, unknown> {
  rng.reseed(0x6a3e);
  const r = (scale: number): number => Math.round((rng.nextFloat() - 0.5) * scale * 100) / 100 + 0.005;
  const players = [];
  for (let i = 0; i < 32; i++) {
    players.push({
      id: 1000 + i,
      name: `player_${i}_${rng.nextU32().toString(36)}`,
      position: vector(r(200), r(20), r(200)),
      velocity: vector(r(10), r(10), r(10)),
      rotation: r(6.28),
      health: rng.nextInt(101),
      alive: rng.chance(0.9),
      inventory: Array.from({ length: 6 }, () => rng.nextInt(500)),
      tags: ["team_" + (i % 2 ? "red" : "blue"), "lvl" + rng.nextInt(50)],
    });
  }
  const events = Array.from({ length: 16 }, (_, i) => ({ tick: 50_000 + i, kind: ["hit", "spawn", "pickup"][i % 3]!, who: 1000 + (i % 32), at: vector(r(200), 0.5, r(200)) }));
  return { tick: 50_016, map: "arena_02", players, events };
}

const variantValue = gameState((x, y, z) => new Vector3(x, y, z));
const plainValue = gameState((x, y, z) => ({ x, y, z }));
// Godot's own dictionaries would key the snapshot with StringNames sometimes; keep Strings (what JSON has).
void StringName;

function rate(pass: () => void): number {
  pass();
  let runs = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    pass();
    runs++;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  return runs / (elapsed / 1000);
}

const encoded = varToBytes(variantValue);
const json = JSON.stringify(plainValue);
let sink = 0;
const encodePerSecond = rate(() => {
  sink += varToBytes(variantValue).length;
});
const decodePerSecond = rate(() => {
  sink += (bytesToVar(encoded) as Record<string, unknown>).tick as number;
});
const stringifyPerSecond = rate(() => {
  sink += JSON.stringify(plainValue).length;
});
const parsePerSecond = rate(() => {
  sink += (JSON.parse(json) as { tick: number }).tick;
});
const mb = encoded.length / 1e6;
console.log(
  JSON.stringify({
    variantBytes: encoded.length,
    jsonChars: json.length,
    encodeMBps: encodePerSecond * mb,
    decodeMBps: decodePerSecond * mb,
    stringifyMBps: stringifyPerSecond * mb,
    parseMBps: parsePerSecond * mb,
    sink: sink % 7,
  }),
);

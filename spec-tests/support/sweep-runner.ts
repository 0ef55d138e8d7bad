// The long mode of the lifecycle sweeps (npm run sweep:enet-lifecycle, sweep:multiplayer,
// sweep:websocket, sweep:scene-rpc): seeds in a row, each failing seed's problems printed, the
// counts summed, one closing line, exit 1 on any failure.

/** What one seed of a sweep found and counted. */
export interface SweepOutcome {
  problems: string[];
  counts: Readonly<Record<string, number>>;
}

export interface SweepCli<K extends string> {
  /** The npm script, for the usage line. */
  command: string;
  /** Default seed count and steps per seed. */
  defaults: { seeds: number; steps: number };
  /** The variants each seed runs in (e.g. the transports); one empty string for a sweep without. */
  kinds: readonly K[];
  run(kind: K, seed: number, steps: number): SweepOutcome | Promise<SweepOutcome>;
  /** The closing line's middle: the summed counts in words. */
  describe(total: Record<string, number>): string;
  /** Progress is printed every this many seeds (default 25). */
  progressEvery?: number;
}

/** Parse `SEEDS FIRST_SEED STEPS [KIND]` from the command line, run the seeds, print, and exit. */
export async function runSweepCli<K extends string>(cli: SweepCli<K>): Promise<never> {
  const [seedsArg, firstArg, stepsArg, kindArg] = process.argv.slice(2);
  const seeds = Number(seedsArg ?? cli.defaults.seeds);
  const first = Number(firstArg ?? 1);
  const steps = Number(stepsArg ?? cli.defaults.steps);
  const named = cli.kinds.filter((k) => k !== "");
  const kinds = kindArg === undefined ? cli.kinds : (cli.kinds.filter((k) => k === kindArg) as K[]);
  if (![seeds, first, steps].every(Number.isSafeInteger) || seeds < 1 || steps < 1 || kinds.length === 0) {
    console.error(`usage: npm run ${cli.command} -- [SEEDS>=1] [FIRST_SEED] [STEPS>=1]${named.length > 0 ? ` [${named.join("|")}]` : ""}`);
    process.exit(2);
  }
  const started = performance.now();
  const seconds = (): string => ((performance.now() - started) / 1000).toFixed(1);
  const total: Record<string, number> = {};
  let failing = 0;
  for (const kind of kinds) {
    const label = kind === "" ? "" : `${kind} `;
    for (let seed = first; seed < first + seeds; seed++) {
      const outcome = await cli.run(kind, seed, steps);
      for (const [k, v] of Object.entries(outcome.counts)) total[k] = (total[k] ?? 0) + v;
      if (outcome.problems.length > 0) {
        failing++;
        console.log(`${label}seed ${seed}: ${outcome.problems.length} problem(s)\n  ${outcome.problems.join("\n  ")}`);
      }
      if ((seed - first + 1) % (cli.progressEvery ?? 25) === 0) console.log(`${label}${seed - first + 1} seeds, ${failing} failing, ${seconds()} s`);
    }
  }
  const which = named.length > 0 ? ` (${kinds.join(", ")})` : "";
  console.log(`${cli.command}${which}: seeds ${first}..${first + seeds - 1}, ${steps} steps each, in ${seconds()} s: ${cli.describe(total)}; ${failing === 0 ? "no failure" : `${failing} failing seeds`}`);
  process.exit(failing === 0 ? 0 : 1);
}

// The arguments every bare UDP loop (bench/macro/udp-ceiling*.ts) takes:
// DATAGRAM_SIZE COUNT [window] [warmup] [silence_ms], warm-up as in bench/lib/warmup-clock.ts.

export interface CeilingArgs {
  size: number;
  count: number;
  window: number;
  warmup: number;
  /** Datagrams sent in all: warm-up and timed. */
  total: number;
  /**
   * How long nothing may arrive before the loop stops (datagrams the kernel dropped never do).
   * 250 ms by default; bench/instructions.ts raises it, since under valgrind one optimizing
   * compile of the loop takes longer than that.
   */
  silenceMs: number;
}

/** Reads the loop's arguments (`process.argv` on every runtime: Deno and Bun provide it too). */
export function ceilingArgs(argv: readonly string[] = process.argv.slice(2)): CeilingArgs {
  const [sizeArg, countArg, windowArg, warmupArg, silenceArg] = argv;
  const size = Number(sizeArg);
  const count = Number(countArg);
  const window = Number(windowArg ?? 512);
  const warmup = Number(warmupArg ?? 0);
  const silenceMs = Number(silenceArg ?? 250);
  for (const [name, value] of [["size", size], ["count", count], ["window", window], ["warmup", warmup], ["silence_ms", silenceMs]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`usage: DATAGRAM_SIZE COUNT [window] [warmup] [silence_ms]: bad ${name} ${value}`);
  }
  return { size, count, window, warmup, total: warmup + count, silenceMs };
}

// Memory figures for the per-connection benchmarks. Needs --expose-gc (Node) for
// meaningful numbers; without it, it reports what is there.

export interface MemorySample {
  /** V8 heapUsed + external (ArrayBuffer backing stores live outside the JS heap). */
  heap: number;
  rss: number;
}

export function settledMemory(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

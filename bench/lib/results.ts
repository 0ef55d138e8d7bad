// Collects benchmark rows and writes bench/RESULTS.md. Every figure in that file
// comes from a measurement made in the same `npm run bench` invocation.
import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";

export interface Row {
  group: string;
  name: string;
  unit: string;
  ours: number;
  /** The peer's figure; null when the row has no peer (e.g. a memory-only figure). */
  peer: number | null;
  peerName: string;
  /** true when a larger number is better (throughput); false for sizes and memory. */
  higherIsBetter: boolean;
  goal: string;
  runtime: string;
  note?: string;
  /**
   * When both sides ran interleaved (run i of packetpeer back to back with run i of the peer):
   * the median of the run-by-run ratios, oriented like ratio(). It is the row's ratio, since a slow
   * spell of a shared machine that covers one pair then slows both of its sides.
   */
  pairedRatio?: number;
}

export const RUNS_PER_FIGURE = 3;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * ours/peer for throughput, peer/ours for costs, so that > 1 always means "ours is better"; the
 * median of the run-by-run ratios where the row has them (Row.pairedRatio).
 */
export function ratio(row: Row): number | null {
  if (row.pairedRatio !== undefined && Number.isFinite(row.pairedRatio)) return row.pairedRatio;
  if (row.peer === null || row.peer === 0 || row.ours === 0 || !Number.isFinite(row.peer) || !Number.isFinite(row.ours)) return null;
  return row.higherIsBetter ? row.ours / row.peer : row.peer / row.ours;
}

export function machineDescription(): string {
  const cpu = cpus();
  const model = cpu[0]?.model?.trim() ?? "unknown CPU";
  return `${model}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${process.platform}-${process.arch}`;
}

export function format(n: number | null): string {
  if (n === null) return "—";
  if (Number.isNaN(n)) return "failed";
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString("en-US");
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/** Table cells cannot hold a pipe or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, "/").replace(/\s*\n\s*/g, " ");
}

/** One figure of an earlier RESULTS.md, keyed by group, name and unit. */
export interface EarlierFigure {
  value: number;
  date: string;
}

export function figureKey(group: string, name: string, unit: string): string {
  return `${group}\u0000${name}\u0000${unit}`;
}

/** Read the packetpeer column of an earlier results file written by writeResults (empty map if unreadable). */
export function parseEarlierResults(markdown: string): Map<string, EarlierFigure> {
  const figures = new Map<string, EarlierFigure>();
  const date = /on (\d{4}-\d{2}-\d{2})T/.exec(markdown)?.[1] ?? "earlier";
  let group = "";
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) {
      group = line.slice(3).trim();
      continue;
    }
    if (!line.startsWith("| ") || line.startsWith("| figure ") || line.startsWith("|---")) continue;
    const cells = line.split(" | ").map((c) => c.replace(/^\| ?/, "").replace(/ ?\|$/, "").trim());
    if (cells.length < 3) continue;
    const value = Number(cells[2]!.replace(/,/g, ""));
    if (!Number.isFinite(value)) continue;
    figures.set(figureKey(group, cells[0]!, cells[1]!), { value, date });
  }
  return figures;
}

export function writeResults(path: string, rows: Row[], meta: { started: Date; seconds: number; command: string; versions: Record<string, string>; notes?: string[] }): void {
  const lines: string[] = [];
  lines.push("# Benchmark results");
  lines.push("");
  lines.push(`Produced by \`${meta.command}\` on ${meta.started.toISOString()} in ${meta.seconds.toFixed(0)} s. Do not edit by hand.`);
  lines.push("");
  lines.push(`Machine: ${machineDescription()}.`);
  lines.push("");
  lines.push(`Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(", ")}.`);
  lines.push("");
  for (const note of meta.notes ?? []) {
    lines.push(note);
    lines.push("");
  }
  lines.push(`Each figure is the median of ${RUNS_PER_FIGURE} runs. Ratio > 1 means packetpeer is better (faster, or smaller for sizes and memory).`);
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const group of groups) {
    lines.push("");
    lines.push(`## ${group}`);
    lines.push("");
    lines.push("| figure | unit | packetpeer | peer | peer figure | ratio | goal | runtime | date | notes |");
    lines.push("|---|---|---:|---|---:|---:|---|---|---|---|");
    for (const r of rows.filter((x) => x.group === group)) {
      const q = ratio(r);
      lines.push(
        `| ${cell(r.name)} | ${cell(r.unit)} | ${format(r.ours)} | ${cell(r.peerName || "—")} | ${format(r.peer)} | ${q === null ? "—" : q.toFixed(2) + "x"} | ${cell(r.goal)} | ${cell(r.runtime)} | ${meta.started.toISOString().slice(0, 10)} | ${cell(r.note ?? "")} |`,
      );
    }
  }
  lines.push("");
  writeFileSync(path, lines.join("\n"));
}

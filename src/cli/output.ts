/**
 * What every subcommand shares: colours only on a terminal (and never with NO_COLOR), payloads
 * shown as text when they are printable UTF-8 and as hex otherwise, and the two kinds of
 * failure with their exit codes (2: the command line is wrong, 1: the run failed).
 */
import process from "node:process";
import { GodotError } from "../errors.ts";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Godot's name of an Error code (ERR_OUT_OF_MEMORY, ...), for messages. */
export function errorName(code: number): string {
  return GodotError[code] ?? `error ${code}`;
}

/** A mistake on the command line: the message names the problem, `fix` what to type instead. */
export class UsageError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(message);
  }
}

type Stream = { isTTY?: boolean; write(s: string): unknown };

function colourful(stream: Stream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

const CODES = { dim: 2, bold: 1, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Colour = keyof typeof CODES;

/** `text` in a colour when `stream` is a terminal that wants colours, else as is. */
export function paint(stream: Stream, colour: Colour, text: string): string {
  return colourful(stream) ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

/** A status line for people (connects, disconnects, RTT): stderr, so stdout stays the data. */
export function status(text: string, colour: Colour = "dim"): void {
  process.stderr.write(paint(process.stderr, colour, text) + "\n");
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The bytes as text when they are valid UTF-8 without control characters (tab allowed), else null. */
export function printable(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b-\x1f\x7f]/.test(text) ? null : text;
}

export function toHex(bytes: Uint8Array, separator = ""): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (i > 0 ? separator : "") + bytes[i]!.toString(16).padStart(2, "0");
  return s;
}

/** Parse `--hex` input: pairs of hex digits, spaces and colons ignored. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new UsageError(`not hex: ${JSON.stringify(text.slice(0, 40))}`, "with --hex, type pairs of hex digits such as 48 69 or 4869");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A payload for a human: text as JSON string literal when printable, else hex; long ones cut. */
export function describePayload(bytes: Uint8Array, hex: boolean, limit = 256): string {
  const text = hex ? null : printable(bytes);
  if (text !== null) return text.length > limit ? `${JSON.stringify(text.slice(0, limit))}… (${bytes.length} B)` : JSON.stringify(text);
  const shown = toHex(bytes.subarray(0, limit), " ");
  return bytes.length > limit ? `${shown} … (${bytes.length} B)` : shown;
}

/** Print a failure the way every subcommand does and return its exit code. */
export function reportFailure(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`packetpeer: ${err.message}\n`);
    if (err.fix) process.stderr.write(`  ${err.fix}\n`);
    process.stderr.write("  (packetpeer --help lists the commands)\n");
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(paint(process.stderr, "red", `packetpeer: ${message}`) + "\n");
  return EXIT_FAILURE;
}

/** Parse an integer option in [min, max] or throw a UsageError naming the option. */
export function intOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** HOST:PORT (IPv6 as [::1]:PORT) split, or a UsageError. */
export function hostPort(text: string | undefined, what: string): { host: string; port: number } {
  if (!text) throw new UsageError(`${what}: missing HOST:PORT`, `for example: 127.0.0.1:7777`);
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`${what}: ${JSON.stringify(text)} is not HOST:PORT`, "for example: 127.0.0.1:7777 or [::1]:7777");
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`${what}: port ${port} is outside 1..65535`);
  return { host: m[1]!, port };
}

export function portArgument(text: string | undefined, what: string): number {
  if (text === undefined) throw new UsageError(`${what}: missing PORT`, "for example: 7777 (0 picks a free port)");
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${what}: ${JSON.stringify(text)} is not a port (0..65535)`);
  return port;
}

/** How received data is shown: `json` lines on stdout, payloads as hex with `hex`. */
export interface PrintOptions {
  json: boolean;
  hex: boolean;
}

/** One received packet or event on stdout: a readable line, or a JSON line with --json. */
export function printPacket(o: PrintOptions, from: string, channel: number, kind: string, data: Uint8Array): void {
  if (o.json) {
    const text = o.hex ? null : describePayload(data, false, Infinity);
    const line: Record<string, unknown> = { event: "receive", from, ...(channel >= 0 ? { channel } : {}), mode: kind, size: data.length, hex: toHex(data) };
    if (text !== null && text.startsWith('"')) line.text = JSON.parse(text) as string;
    process.stdout.write(JSON.stringify(line) + "\n");
    return;
  }
  process.stdout.write(`${paint(process.stdout, "cyan", `[${from}${channel >= 0 ? ` ch ${channel}` : ""} ${kind}]`)} ${describePayload(data, o.hex)}\n`);
}

export function printEvent(o: PrintOptions, event: string, fields: Record<string, unknown>, human: string, colour: "green" | "yellow" | "red" | "dim" = "dim"): void {
  if (o.json) process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
  status(human, colour);
}


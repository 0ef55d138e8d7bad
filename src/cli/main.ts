/**
 * The `packetpeer` command line: ENet and WebSocket netcat, a dissector for captures of ENet
 * and Godot traffic, and a short loopback benchmark. Each subcommand lives in its own file;
 * this one picks it, and turns failures into messages and exit codes.
 */
import process from "node:process";
import "../transport/runtimes.ts";
import { installMessageCompression } from "../websocket/compression-hook.ts";
import { permessageDeflateCodecs } from "../websocket/message-compression.ts";
import { benchCommand, BENCH_HELP } from "./bench.ts";
import { decodeCommand, DECODE_HELP } from "./decode.ts";
import { enetCommand, ENET_HELP } from "./enet.ts";
import { EXIT_OK, reportFailure, UsageError } from "./output.ts";
import { wsCommand, WS_HELP } from "./ws.ts";

installMessageCompression(permessageDeflateCodecs);

export const MAIN_HELP = `packetpeer — Godot's networking (ENet, WebSocket, multiplayer) from the command line

Usage: packetpeer <command> [options]

Commands:
  enet listen PORT         ENet server: stdin lines go to every peer, received packets print
  enet connect HOST:PORT   ENet client (netcat for ENet); --godot 3|4 for ENetMultiplayerPeer
  ws listen PORT           WebSocket server; --godot 3|4 for WebSocketMultiplayerPeer
  ws connect URL           WebSocket client
  decode FILE              dissect ENet / Godot traffic in a .pcap or .pcapng capture
  bench                    a short ENet loopback benchmark with a result table

Run "packetpeer <command> --help" for a command's options.
Exit codes: 0 done, 1 the run failed (network, file), 2 the command line is wrong.
`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  enet: { run: enetCommand, help: ENET_HELP },
  ws: { run: wsCommand, help: WS_HELP },
  decode: { run: decodeCommand, help: DECODE_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic !== undefined && !COMMANDS[topic]) return reportFailure(new UsageError(`help: unknown command ${JSON.stringify(topic)}`, `commands: ${Object.keys(COMMANDS).join(", ")}`));
    process.stdout.write(topic ? COMMANDS[topic]!.help : MAIN_HELP);
    return EXIT_OK;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`packetpeer ${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`, `commands: ${Object.keys(COMMANDS).join(", ")}`);
    return await command.run(rest);
  } catch (err) {
    // parseArgs reports unknown or malformed options with these codes: they are usage errors.
    const code = (err as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) return reportFailure(new UsageError(parseArgsMessage(code, (err as Error).message), `see: packetpeer ${name} --help`));
    return reportFailure(err);
  }
}

/**
 * parseArgs's message, shortened where it misleads: an unknown option's comes with advice on
 * positional arguments starting with "-" that is beside the point for a mistyped option.
 */
function parseArgsMessage(code: string, message: string): string {
  const option = /'([^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) return `unknown option ${option}`;
  const missing = /(--[\w-]+)[^']*' argument missing/.exec(message)?.[1];
  if (missing !== undefined) return `option ${missing} needs a value`;
  return message;
}

const VERSION = "0.1.0";

/** True when this module is the program being run (not imported by a test). */
function isEntry(): boolean {
  const argv1 = process.argv[1] ?? "";
  return /(?:^|[\\/])(?:main\.(?:ts|js|mjs)|cli\.(?:js|mjs)|packetpeer(?:\.mjs)?)$/.test(argv1) || (globalThis as { __packetpeerCli?: boolean }).__packetpeerCli === true;
}

if (isEntry()) {
  // `packetpeer decode x.pcap | head`: a closed pipe ends the output, not with a stack trace.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // Sockets and stdin may hold the loop open after a command ends: leave now.
  setTimeout(() => process.exit(code), 50).unref?.();
}

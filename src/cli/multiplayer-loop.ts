/**
 * The `--godot 3|4` mode of `enet` and `ws`: drive a MultiplayerPeer (ENet or WebSocket, Godot 3
 * or 4 framing) the way a Godot game does, print what arrives with its sender, channel and
 * transfer mode, and send stdin lines to `--to` (everyone by default).
 */
import { GodotError } from "../errors.ts";
import type { MultiplayerPeer } from "../multiplayer/multiplayer-peer.ts";
import { ConnectionStatus, MultiplayerPeerEvent, TransferMode } from "../multiplayer/multiplayer-peer.ts";
import { interruptedExitCode, readStdinLines, stdinWaitOver, untilSignal } from "./input.ts";
import { errorName, EXIT_FAILURE, EXIT_OK, printEvent, printPacket, status, type PrintOptions } from "./output.ts";

export interface MultiplayerLoopOptions extends PrintOptions {
  role: "listen" | "connect";
  channel: number;
  mode: TransferMode;
  to: number;
  echo: boolean;
  timeoutMs: number;
  /** connect: how long packets are still printed after the end of stdin. */
  waitMs: number;
  /** The status line to start with. */
  where: string;
  /** HOST:PORT or URL, for messages. */
  target: string;
  /** What should be listening at `target`, for the connect-failure hint. */
  what: string;
  /** connect: why the connection can no longer open, once that is known before the timeout (a failed DTLS handshake). */
  handshakeFailure?: () => string | null;
}

function modeName(mode: TransferMode): string {
  return mode === TransferMode.TRANSFER_MODE_RELIABLE ? "reliable" : mode === TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED ? "unreliable-ordered" : "unreliable";
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runMultiplayer(mp: MultiplayerPeer, o: MultiplayerLoopOptions): Promise<number> {
  // Listening for Ctrl-C before saying "connecting": a signal sent on that line must find the handler.
  const signal = untilSignal();
  let quit: string | null = null;
  void signal.promise.then((s) => (quit = s));
  status(o.where);
  const connected = new Set<number>();
  const pending: Uint8Array[] = [];
  const send = (bytes: Uint8Array): void => {
    mp.setTargetPeer(o.to);
    mp.transferChannel = o.channel;
    mp.transferMode = o.mode;
    // What refuses a line (a channel the connection lacks, a packet too large) is reported, and the run goes on.
    let err: GodotError;
    try {
      err = mp.putPacket(bytes);
    } catch (e) {
      status(`line not sent: ${(e as Error).message}`, "red");
      return;
    }
    if (err !== GodotError.OK) status(`line not sent: put_packet failed with ${errorName(err)}`, "red");
  };
  mp.addEventListener("peer_connected", (e) => {
    const id = (e as MultiplayerPeerEvent).id;
    connected.add(id);
    if (connectedAt === 0) connectedAt = Date.now();
    printEvent(o, "peer_connected", { id }, `peer ${id} connected`, "green");
    for (const bytes of pending.splice(0)) send(bytes);
  });
  mp.addEventListener("peer_disconnected", (e) => {
    const id = (e as MultiplayerPeerEvent).id;
    connected.delete(id);
    printEvent(o, "peer_disconnected", { id }, `peer ${id} disconnected`, "yellow");
  });
  let stdinEndedAt: number | null = null;
  let connectedAt = 0;
  const stopInput = readStdinLines(
    o.hex,
    (bytes) => {
      if (connected.size > 0) send(bytes);
      else if (o.role === "connect") pending.push(bytes); // typed before the handshake finished: sent once connected
      else status("no peer connected: line dropped", "yellow");
    },
    () => (stdinEndedAt = Date.now()),
  );
  const started = Date.now();
  let code = EXIT_OK;
  try {
    for (;;) {
      if (quit !== null) {
        if (o.role === "connect" && connected.size === 0) {
          status(`${quit}: stopped before connecting to ${o.target}`, "yellow");
          code = interruptedExitCode(quit);
        }
        break;
      }
      mp.poll();
      while (mp.getAvailablePacketCount() > 0) {
        const from = mp.getPacketPeer();
        const channel = mp.getPacketChannel();
        const packetMode = mp.getPacketMode();
        const data = mp.getPacket();
        printPacket(o, `peer ${from}`, channel, modeName(packetMode), data);
        if (o.echo) {
          mp.setTargetPeer(from);
          mp.transferChannel = channel;
          mp.transferMode = packetMode;
          mp.putPacket(data);
        }
      }
      if (o.role === "connect") {
        const st = mp.getConnectionStatus();
        if (st === ConnectionStatus.CONNECTION_DISCONNECTED) {
          if (connected.size === 0 && Date.now() - started < o.timeoutMs) {
            status(`could not connect to ${o.target}: the server refused or went away`, "red");
            code = EXIT_FAILURE;
          }
          break;
        }
        const failure = st === ConnectionStatus.CONNECTION_CONNECTING ? (o.handshakeFailure?.() ?? null) : null;
        if (failure !== null) {
          status(`could not connect to ${o.target}: ${failure}`, "red");
          code = EXIT_FAILURE;
          break;
        }
        if (st === ConnectionStatus.CONNECTION_CONNECTING && Date.now() - started > o.timeoutMs) {
          status(`could not connect to ${o.target} within ${o.timeoutMs / 1000} s: is ${o.what} listening there?`, "red");
          code = EXIT_FAILURE;
          break;
        }
        if (st === ConnectionStatus.CONNECTION_CONNECTED && stdinWaitOver(stdinEndedAt, connectedAt, o.waitMs)) {
          // What arrived within --wait has printed: let what was queued go out, then leave.
          for (let i = 0; i < 10; i++) {
            mp.poll();
            await tick(10);
          }
          break;
        }
      }
      await tick(10);
    }
  } finally {
    stopInput();
    signal.dispose();
    mp.close();
  }
  return code;
}

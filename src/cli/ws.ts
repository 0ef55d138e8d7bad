/**
 * `packetpeer ws listen PORT` / `packetpeer ws connect URL`: netcat for WebSocket. Lines on
 * stdin become text messages (binary with --binary or --hex), received messages print on
 * stdout with their kind, opens and closes (code and reason) go to stderr. With `--godot 3|4`
 * the same over WebSocketMultiplayerPeer.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { GodotError, NetError } from "../errors.ts";
import { TransferMode } from "../multiplayer/multiplayer-peer.ts";
import { WebSocketMultiplayerPeer } from "../multiplayer/websocket-multiplayer.ts";
import { WebSocketState } from "../websocket/connection-core.ts";
import { WebSocketPeer, WriteMode } from "../websocket/peer.ts";
import { WebSocketServer } from "../websocket/server.ts";
import { parseWebSocketUrl } from "../websocket/url.ts";
import { formatEndpoint } from "../transport/addresses.ts";
import { interruptedExitCode, readStdinLines, stdinWaitOver, untilSignal } from "./input.ts";
import { runMultiplayer } from "./multiplayer-loop.ts";
import { SECURITY_HELP, SECURITY_OPTIONS, clientSecurity, clientTlsOptions, serverSecurity, serverTlsOptions, type ClientSecurity, type ServerSecurity } from "./security.ts";
import { errorName, EXIT_FAILURE, EXIT_OK, intOption, portArgument, printEvent, printPacket, status, UsageError } from "./output.ts";

export const WS_HELP = `packetpeer ws listen PORT [options]
packetpeer ws connect URL [options]

WebSocket netcat. Each stdin line is sent as one message (text by default; to every client
when listening); received messages print on stdout as "[from text|binary] payload"; opens
and closes (with code and reason) print on stderr. Ctrl-C closes with code 1000; so does the
end of stdin when connecting, once what arrives within --wait SECONDS has printed.

Options:
      --binary           send binary messages instead of text
      --hex              stdin lines are hex bytes (sent as binary), payloads print as hex
      --json             print received messages and events as JSON lines on stdout
      --protocol NAME    a subprotocol to offer (connect) or accept (listen); repeatable
      --deflate          permessage-deflate (RFC 7692): offer it (connect) or accept it (listen)
      --bind ADDRESS     listen: address to bind (default 127.0.0.1; 0.0.0.0 or :: for every interface)
      --echo             listen: send every received message back as it came
      --godot 3|4        speak WebSocketMultiplayerPeer's framing (Godot 3.x or 4.x multiplayer)
      --to ID            with --godot: send to peer ID (default 0, everyone; 1 is the server)
  -c, --channel N        with --godot: transfer channel (default 0)
      --unreliable       with --godot: transfer mode unreliable (WebSocket delivers it reliably anyway)
      --timeout SECONDS  connect: give up after SECONDS (default 5)
      --wait SECONDS     connect: after the end of stdin, print what arrives for SECONDS, then close (default 1)
${SECURITY_HELP.replace("%s", "wss:// (TLS)")}
  -h, --help             this text

Examples:
  packetpeer ws listen 8080 --echo
  packetpeer ws listen 8443 --cert cert.pem --key key.pem       # wss://
  packetpeer ws connect wss://127.0.0.1:8443/ --trust cert.pem --tls-name localhost
  packetpeer ws connect ws://127.0.0.1:8080/chat
  packetpeer ws listen 9080 --godot 4          # Godot 4 WebSocketMultiplayerPeer clients join
`;

interface WsOptions {
  role: "listen" | "connect";
  port: number;
  url: string;
  bind: string;
  binary: boolean;
  hex: boolean;
  json: boolean;
  protocols: string[];
  deflate: boolean;
  echo: boolean;
  godot: 0 | 3 | 4;
  to: number;
  channel: number;
  unreliable: boolean;
  timeoutMs: number;
  /** connect: how long replies are still printed after the end of stdin. */
  waitMs: number;
  /** listen: serve wss:// with this identity. */
  tlsServer: ServerSecurity | undefined;
  /** connect to a wss:// URL checking the server so (default: the library's TLSOptions.client()). */
  tlsClient: ClientSecurity | undefined;
}

function parse(argv: string[]): WsOptions | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      binary: { type: "boolean" },
      hex: { type: "boolean" },
      json: { type: "boolean" },
      protocol: { type: "string", multiple: true },
      deflate: { type: "boolean" },
      bind: { type: "string" },
      echo: { type: "boolean" },
      godot: { type: "string" },
      to: { type: "string" },
      channel: { type: "string", short: "c" },
      unreliable: { type: "boolean" },
      timeout: { type: "string" },
      wait: { type: "string" },
      ...SECURITY_OPTIONS,
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const [role, target, extra] = positionals;
  if (role !== "listen" && role !== "connect") throw new UsageError(role ? `ws: unknown mode ${JSON.stringify(role)}` : "ws: missing mode", "use: packetpeer ws listen PORT, or packetpeer ws connect URL");
  if (extra !== undefined) throw new UsageError(`ws ${role}: unexpected argument ${JSON.stringify(extra)}`);
  let godot: 0 | 3 | 4 = 0;
  if (values.godot !== undefined) {
    if (values.godot !== "3" && values.godot !== "4") throw new UsageError(`--godot ${JSON.stringify(values.godot)}: use 3 or 4`);
    godot = values.godot === "3" ? 3 : 4;
  } else if (values.to !== undefined || values.channel !== undefined || values.unreliable) {
    throw new UsageError("--to, --channel and --unreliable need --godot (plain WebSocket has no peers, channels or modes)");
  }
  if (values.echo && role !== "listen") throw new UsageError("--echo is for ws listen");
  if (values.wait !== undefined && role !== "connect") throw new UsageError("--wait is for ws connect", "a server keeps serving when its stdin ends");
  if (values.deflate && values.godot !== undefined) throw new UsageError("--deflate is for plain WebSocket (Godot's WebSocketMultiplayerPeer does not compress)");
  if (values.bind !== undefined && role !== "listen") throw new UsageError("--bind is for ws listen");
  const tlsServer = serverSecurity(values, role);
  const tlsClient = clientSecurity(values, role);
  let port = 0;
  let url = "";
  if (role === "listen") port = portArgument(target, "ws listen");
  else {
    if (!target) throw new UsageError("ws connect: missing URL", "for example: ws://127.0.0.1:8080/ (wss:// for TLS)");
    url = target;
    try {
      parseWebSocketUrl(url);
    } catch (err) {
      throw new UsageError(`ws connect: ${(err as Error).message.replace(/^url is not a valid URL: (.*)$/, "$1 is not a URL").replace(/^url /, "the URL ")}`, "for example: ws://127.0.0.1:8080/ (wss:// for TLS; without a scheme it is ws://)");
    }
    if (tlsClient && !/^wss:/i.test(url)) throw new UsageError("--trust and --insecure are for wss:// URLs");
  }
  return {
    role,
    port,
    url,
    bind: values.bind ?? "127.0.0.1",
    binary: values.binary === true || values.hex === true,
    hex: values.hex === true,
    json: values.json === true,
    protocols: values.protocol ?? [],
    deflate: values.deflate === true,
    echo: values.echo === true,
    godot,
    to: intOption("to", values.to, 0, -0x7fffffff, 0x7fffffff),
    channel: intOption("channel", values.channel, 0, 0, 255),
    unreliable: values.unreliable === true,
    timeoutMs: intOption("timeout", values.timeout, 5, 1, 3600) * 1000,
    waitMs: intOption("wait", values.wait, 1, 0, 3600) * 1000,
    tlsServer,
    tlsClient,
  };
}

export async function wsCommand(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (o === "help") {
    process.stdout.write(WS_HELP);
    return EXIT_OK;
  }
  if (o.godot) return runGodot(o);
  return o.role === "listen" ? runServer(o) : runClient(o);
}

/** What to type when a wss:// connection failed on the server's certificate (Node's reasons; others get none). */
function tlsHint(reason: string): string {
  if (/ALTNAME|does not match certificate/i.test(reason)) return "\n  the certificate carries another name: give it with --tls-name NAME";
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|unable to verify/i.test(reason)) return "\n  the certificate is not trusted: --trust FILE with it (or its issuer), or --insecure for testing";
  return "";
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Print what `peer` received; with `echo`, send it back as it came. */
function drain(o: WsOptions, peer: WebSocketPeer, from: string): void {
  while (peer.getAvailablePacketCount() > 0) {
    const data = peer.getPacket();
    const text = peer.wasStringPacket();
    printPacket(o, from, -1, text ? "text" : "binary", data);
    if (o.echo) peer.send(data, text ? WriteMode.WRITE_MODE_TEXT : WriteMode.WRITE_MODE_BINARY);
  }
}

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Send a typed line; a refusal (larger than the outgoing buffer, ...) is reported, and the run goes on. */
function sendLine(o: WsOptions, peer: WebSocketPeer, bytes: Uint8Array, who: string): void {
  let err: GodotError;
  try {
    if (o.binary) err = peer.send(bytes, WriteMode.WRITE_MODE_BINARY);
    // A text message must be UTF-8: bytes that are not become U+FFFD (--binary sends them as they are).
    else err = peer.send(utf8Encoder.encode(utf8Decoder.decode(bytes)), WriteMode.WRITE_MODE_TEXT);
  } catch (e) {
    err = e instanceof NetError ? e.code : GodotError.FAILED;
  }
  if (err === GodotError.ERR_OUT_OF_MEMORY) status(`line not sent to ${who}: ${bytes.length} B does not fit in the outgoing buffer (${peer.outboundBufferSize} B, Godot's default)`, "red");
  else if (err !== GodotError.OK) status(`line not sent to ${who}: ${errorName(err)}`, "red");
}

function closeLine(peer: WebSocketPeer, who: string): string {
  const code = peer.getCloseCode();
  const reason = peer.getCloseReason();
  return `${who} closed (code ${code}${reason ? `, reason ${JSON.stringify(reason)}` : ""})`;
}

async function runServer(o: WsOptions): Promise<number> {
  const server = new WebSocketServer({ supportedProtocols: o.protocols, perMessageDeflate: o.deflate });
  await server.listen(o.port, o.bind, o.tlsServer && (await serverTlsOptions(o.tlsServer)));
  // Listening for Ctrl-C before saying "listening": a signal sent on that line must find the handler.
  const signal = untilSignal();
  let quit: string | null = null;
  void signal.promise.then((s) => (quit = s));
  status(`listening on ${o.tlsServer ? "wss" : "ws"}://${formatEndpoint(o.bind, server.getLocalPort())}/`);
  const peers = new Map<WebSocketPeer, string>();
  let next = 1;
  const stopInput = readStdinLines(
    o.hex,
    (bytes) => {
      if (peers.size === 0) status("no client connected: line dropped", "yellow");
      for (const [p, name] of peers) if (p.getReadyState() === WebSocketState.STATE_OPEN) sendLine(o, p, bytes, name);
    },
    () => {},
  );
  try {
    while (quit === null) {
      for (let p = server.takeConnection(); p; p = server.takeConnection()) {
        const name = `client ${next++} ${p.getConnectedHost()}:${p.getConnectedPort()}`;
        peers.set(p, name);
        printEvent(o, "open", { peer: name, url: p.getRequestedUrl(), protocol: p.getSelectedProtocol(), extensions: p.getExtensions() }, `${name} connected to ${p.getRequestedUrl()}${p.getSelectedProtocol() ? ` (protocol ${p.getSelectedProtocol()})` : ""}${p.getExtensions() ? ` (${p.getExtensions()})` : ""}`, "green");
      }
      for (const [p, name] of peers) {
        p.poll();
        drain(o, p, name);
        if (p.getReadyState() === WebSocketState.STATE_CLOSED) {
          printEvent(o, "close", { peer: name, code: p.getCloseCode(), reason: p.getCloseReason() }, closeLine(p, name), "yellow");
          peers.delete(p);
        }
      }
      await tick(10);
    }
    for (const p of peers.keys()) p.close(1001, "server going away");
    const deadline = Date.now() + 1000;
    while ([...peers.keys()].some((p) => p.getReadyState() !== WebSocketState.STATE_CLOSED) && Date.now() < deadline) {
      for (const p of peers.keys()) p.poll();
      await tick(10);
    }
  } finally {
    stopInput();
    signal.dispose();
    await server.stop();
  }
  return EXIT_OK;
}

async function runClient(o: WsOptions): Promise<number> {
  const peer = new WebSocketPeer();
  peer.supportedProtocols = o.protocols;
  peer.perMessageDeflate = o.deflate;
  const err = peer.connectToUrl(o.url, o.tlsClient && (await clientTlsOptions(o.tlsClient)));
  if (err !== 0) {
    status(`cannot connect to ${o.url}: ${errorName(err)}`, "red");
    return EXIT_FAILURE;
  }
  const signal = untilSignal();
  let quit: string | null = null;
  void signal.promise.then((s) => (quit = s));
  status(`connecting to ${o.url} ...`);
  let stdinEndedAt: number | null = null;
  let openedAt = 0;
  const pending: Uint8Array[] = [];
  const stopInput = readStdinLines(
    o.hex,
    (bytes) => {
      if (peer.getReadyState() === WebSocketState.STATE_OPEN) sendLine(o, peer, bytes, "server");
      else pending.push(bytes); // typed before the handshake finished: sent once open
    },
    () => (stdinEndedAt = Date.now()),
  );
  const started = Date.now();
  let opened = false;
  let closing = false;
  let code = EXIT_OK;
  try {
    for (;;) {
      peer.poll();
      const state = peer.getReadyState();
      if (state === WebSocketState.STATE_OPEN && !opened) {
        opened = true;
        openedAt = Date.now();
        printEvent(o, "open", { url: o.url, protocol: peer.getSelectedProtocol(), extensions: peer.getExtensions() }, `connected to ${o.url}${peer.getSelectedProtocol() ? ` (protocol ${peer.getSelectedProtocol()})` : ""}${peer.getExtensions() ? ` (${peer.getExtensions()})` : ""}`, "green");
        for (const b of pending.splice(0)) sendLine(o, peer, b, "server");
      }
      drain(o, peer, "server");
      if (state === WebSocketState.STATE_CLOSED) {
        if (!opened) {
          const reason = peer.getLastError() || "the connection closed during the handshake";
          status(`could not connect to ${o.url}: ${reason}${tlsHint(reason)}`, "red");
          code = EXIT_FAILURE;
        } else printEvent(o, "close", { code: peer.getCloseCode(), reason: peer.getCloseReason() }, closeLine(peer, "connection"), "yellow");
        break;
      }
      if (!opened && quit !== null) {
        status(`${quit}: stopped before connecting to ${o.url}`, "yellow");
        code = interruptedExitCode(quit);
        break;
      }
      if (!opened && Date.now() - started > o.timeoutMs) {
        status(`could not connect to ${o.url} within ${o.timeoutMs / 1000} s: is a WebSocket server listening there?`, "red");
        code = EXIT_FAILURE;
        break;
      }
      // The end of stdin closes once what arrives within --wait (after it, or after the open if later) has printed.
      if (opened && !closing && (quit !== null || (pending.length === 0 && stdinWaitOver(stdinEndedAt, openedAt, o.waitMs)))) {
        closing = true;
        peer.close(1000, "");
      }
      if (closing && quit !== null && Date.now() - started > o.timeoutMs * 10) break;
      await tick(10);
    }
  } finally {
    stopInput();
    signal.dispose();
    if (peer.getReadyState() !== WebSocketState.STATE_CLOSED) peer.close(-1);
  }
  return code;
}

async function runGodot(o: WsOptions): Promise<number> {
  const protocol = o.godot === 3 ? "godot3" : "godot4";
  const mp = new WebSocketMultiplayerPeer();
  mp.supportedProtocols = o.protocols;
  let where: string;
  if (o.role === "listen") {
    await mp.createServer(o.port, o.bind, o.tlsServer && (await serverTlsOptions(o.tlsServer)), { protocol });
    where = `listening on ${o.tlsServer ? "wss" : "ws"}://${formatEndpoint(o.bind, mp.getLocalPort())}/ (Godot ${o.godot} WebSocketMultiplayerPeer)`;
  } else {
    await mp.createClient(o.url, o.tlsClient && (await clientTlsOptions(o.tlsClient)), { protocol });
    where = `connecting to ${o.url} (Godot ${o.godot} WebSocketMultiplayerPeer) ...`;
  }
  const mode = o.unreliable ? TransferMode.TRANSFER_MODE_UNRELIABLE : TransferMode.TRANSFER_MODE_RELIABLE;
  return runMultiplayer(mp, { ...o, mode, where, target: o.url || `port ${o.port}`, what: `a Godot ${o.godot} WebSocket multiplayer server` });
}

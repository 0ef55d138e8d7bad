/**
 * `packetpeer enet listen PORT` / `packetpeer enet connect HOST:PORT`: netcat for ENet.
 * Lines on stdin become packets, received packets are printed on stdout with their channel
 * and flags, connects, disconnects and round-trip times go to stderr. With `--godot 3|4`
 * the same over ENetMultiplayerPeer, so a Godot game's multiplayer peer can be spoken to.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { CompressionMode } from "../compress/types.ts";
import { GodotError } from "../errors.ts";
import { ENetConnection, EventType, PacketFlags, PeerStatistic, type ENetPacketPeer } from "../enet/index.ts";
import { ENetMultiplayerPeer } from "../multiplayer/enet-multiplayer.ts";
import { formatEndpoint } from "../transport/addresses.ts";
import { ConnectionStatus, TransferMode } from "../multiplayer/multiplayer-peer.ts";
import { runMultiplayer } from "./multiplayer-loop.ts";
import { interruptedExitCode, readStdinLines, stdinWaitOver, untilSignal } from "./input.ts";
import { SECURITY_HELP, SECURITY_OPTIONS, clientSecurity, clientTlsOptions, serverSecurity, serverTlsOptions, type ClientSecurity, type ServerSecurity } from "./security.ts";
import { errorName, EXIT_FAILURE, EXIT_OK, hostPort, intOption, portArgument, printEvent, printPacket, status, UsageError, type PrintOptions } from "./output.ts";

export const ENET_HELP = `packetpeer enet listen PORT [options]
packetpeer enet connect HOST:PORT [options]

ENet netcat. Each stdin line is sent as one packet (to every connected peer when listening);
received packets print on stdout as "[from ch N flags] payload"; connects, disconnects and
round-trip times print on stderr. Ctrl-C disconnects cleanly; so does the end of stdin when
connecting, once what arrives within --wait SECONDS has printed.

Options:
  -c, --channel N        channel to send on (default 0)
      --reliable         send reliably (the default)
      --unreliable       send unreliable, sequenced (with --godot: TRANSFER_MODE_UNRELIABLE_ORDERED)
      --unsequenced      send unreliable, unsequenced (with --godot: TRANSFER_MODE_UNRELIABLE)
      --compress MODE    none | range | fastlz | zlib | zstd (default none; both sides must agree)
      --checksum         CRC32 checksum on every datagram (both sides must agree; not with --godot)
      --channels N       ENet channels (default 8; with --godot, Godot's user channels, default 0)
      --max-peers N      listen: peer slots (default 32)
      --bind ADDRESS     listen: address to bind (default 127.0.0.1; 0.0.0.0 or :: for every interface)
      --echo             listen: send every received packet back on its channel with its flags
      --hex              stdin lines are hex bytes, and payloads print as hex
      --json             print received packets and events as JSON lines on stdout
      --godot 3|4        speak ENetMultiplayerPeer's framing (Godot 3.x or Godot 4.x multiplayer)
      --to ID            with --godot: send to peer ID (default 0, everyone; 1 is the server)
      --rtt SECONDS      print each peer's round-trip time every SECONDS (default 0: only at disconnect; not with --godot)
      --timeout SECONDS  connect: give up after SECONDS (default 5)
      --wait SECONDS     connect: after the end of stdin, print what arrives for SECONDS, then leave (default 1)
      --dtls             connect: speak DTLS 1.2 (with --trust FILE or --insecure)
${SECURITY_HELP.replace("%s", "DTLS 1.2")}
  -h, --help             this text

Examples:
  packetpeer enet listen 7777 --echo
  packetpeer enet listen 7777 --cert cert.pem --key key.pem     # a DTLS server (Godot's dtls_server_setup)
  packetpeer enet connect 127.0.0.1:7777 --dtls --trust cert.pem --tls-name localhost
  packetpeer enet connect 127.0.0.1:7777 --compress range
  packetpeer enet connect 127.0.0.1:9999 --godot 4     # a Godot 4 ENetMultiplayerPeer server
`;

const COMPRESS: Record<string, CompressionMode> = {
  none: CompressionMode.COMPRESS_NONE,
  range: CompressionMode.COMPRESS_RANGE_CODER,
  "range-coder": CompressionMode.COMPRESS_RANGE_CODER,
  fastlz: CompressionMode.COMPRESS_FASTLZ,
  zlib: CompressionMode.COMPRESS_ZLIB,
  zstd: CompressionMode.COMPRESS_ZSTD,
};

interface EnetOptions {
  role: "listen" | "connect";
  host: string;
  port: number;
  channel: number;
  flags: number;
  compress: CompressionMode;
  checksum: boolean;
  channels: number;
  maxPeers: number;
  echo: boolean;
  hex: boolean;
  json: boolean;
  godot: 0 | 3 | 4;
  to: number;
  rttEvery: number;
  timeoutMs: number;
  /** connect: how long replies are still printed after the end of stdin. */
  waitMs: number;
  /** listen: serve DTLS with this identity. */
  dtlsServer: ServerSecurity | undefined;
  /** connect: speak DTLS, checking the server so. */
  dtlsClient: ClientSecurity | undefined;
}

function parse(argv: string[]): EnetOptions | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      channel: { type: "string", short: "c" },
      reliable: { type: "boolean" },
      unreliable: { type: "boolean" },
      unsequenced: { type: "boolean" },
      compress: { type: "string" },
      checksum: { type: "boolean" },
      channels: { type: "string" },
      "max-peers": { type: "string" },
      bind: { type: "string" },
      echo: { type: "boolean" },
      hex: { type: "boolean" },
      json: { type: "boolean" },
      godot: { type: "string" },
      to: { type: "string" },
      rtt: { type: "string" },
      timeout: { type: "string" },
      wait: { type: "string" },
      dtls: { type: "boolean" },
      ...SECURITY_OPTIONS,
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const [role, target, extra] = positionals;
  if (role !== "listen" && role !== "connect") throw new UsageError(role ? `enet: unknown mode ${JSON.stringify(role)}` : "enet: missing mode", "use: packetpeer enet listen PORT, or packetpeer enet connect HOST:PORT");
  if (extra !== undefined) throw new UsageError(`enet ${role}: unexpected argument ${JSON.stringify(extra)}`);
  const kinds = [values.reliable, values.unreliable, values.unsequenced].filter(Boolean).length;
  if (kinds > 1) throw new UsageError("enet: --reliable, --unreliable and --unsequenced exclude each other");
  const flags = values.unsequenced ? PacketFlags.FLAG_UNSEQUENCED : values.unreliable ? 0 : PacketFlags.FLAG_RELIABLE;
  const compressName = values.compress ?? "none";
  const compress = COMPRESS[compressName];
  if (compress === undefined) throw new UsageError(`--compress ${JSON.stringify(compressName)} is not a mode`, "use one of: none, range, fastlz, zlib, zstd");
  let godot: 0 | 3 | 4 = 0;
  if (values.godot !== undefined) {
    if (values.godot !== "3" && values.godot !== "4") throw new UsageError(`--godot ${JSON.stringify(values.godot)}: use 3 or 4`);
    godot = values.godot === "3" ? 3 : 4;
    if (values.checksum) throw new UsageError("--checksum works without --godot only", "Godot's ENetMultiplayerPeer has no checksum setting");
    if (values.rtt !== undefined) throw new UsageError("--rtt works without --godot only", "the multiplayer peers print connects, disconnects and packets");
  }
  if (values.echo && role !== "listen") throw new UsageError("--echo is for enet listen");
  if (values["max-peers"] !== undefined && role !== "listen") throw new UsageError("--max-peers is for enet listen", "a client has one peer: the server");
  if (values.wait !== undefined && role !== "connect") throw new UsageError("--wait is for enet connect", "a server keeps serving when its stdin ends");
  if (values.to !== undefined && !godot) throw new UsageError("--to needs --godot (raw ENet sends to the connected peers)");
  if (values.dtls && role !== "connect") throw new UsageError("--dtls is for enet connect", "a DTLS server is made with --cert and --key");
  const dtlsServer = serverSecurity(values, role);
  const dtlsClient = clientSecurity(values, role);
  if (values.dtls && !dtlsClient) throw new UsageError("--dtls needs --trust FILE or --insecure", "there is no system certificate store: name the certificates to trust");
  if (dtlsClient && !values.dtls) throw new UsageError("--trust and --insecure need --dtls");
  let host = values.bind ?? "127.0.0.1";
  let port: number;
  if (role === "listen") port = portArgument(target, "enet listen");
  else {
    if (values.bind !== undefined) throw new UsageError("--bind is for enet listen");
    ({ host, port } = hostPort(target, "enet connect"));
  }
  const channels = intOption("channels", values.channels, godot ? 0 : 8, godot ? 0 : 1, 255);
  const channel = intOption("channel", values.channel, 0, 0, 254);
  if (!godot && channel >= channels) throw new UsageError(`--channel ${channel} needs --channels ${channel + 1} or more (channels are numbered from 0; there are ${channels})`);
  return {
    role,
    host,
    port,
    channel,
    flags,
    compress,
    checksum: values.checksum === true,
    channels,
    maxPeers: intOption("max-peers", values["max-peers"], 32, 1, 4095),
    echo: values.echo === true,
    hex: values.hex === true,
    json: values.json === true,
    godot,
    to: intOption("to", values.to, 0, -0x7fffffff, 0x7fffffff),
    rttEvery: intOption("rtt", values.rtt, 0, 0, 86400) * 1000,
    timeoutMs: intOption("timeout", values.timeout, 5, 1, 3600) * 1000,
    waitMs: intOption("wait", values.wait, 1, 0, 3600) * 1000,
    dtlsServer,
    dtlsClient,
  };
}

/** A failed DTLS handshake: what to check. */
const DTLS_FAILED_HINT = " Does --trust FILE hold the server's certificate or its issuer, and does the certificate carry the name connected to (--tls-name NAME when it is not the host typed; --insecure skips the check)?";
/** A DTLS client's connect that timed out: a failed handshake says so at once (DTLS_FAILED_HINT), silence does not. */
const DTLS_HINT = " A server without DTLS does not answer a DTLS client at all.";

const tlsName = (security: ClientSecurity): string | undefined => ("name" in security ? security.name : undefined);

/**
 * Watch the DTLS sessions that end on `conn` with a reason (a handshake that failed, a fatal alert,
 * the peer's close): ENet itself only sees a connect that times out, while the DTLS layer knows at
 * once why. A server prints each; a client prints those of a connection that had opened. Returns
 * why a client's connect failed (null while none did), for its failure line. Our own close has no
 * reason.
 */
function watchDtls(conn: ENetConnection | null | undefined, o: PrintOptions & { role: "listen" | "connect" }, opened: () => boolean): () => string | null {
  const dtls = conn?.getDtlsTransport();
  let reason: string | null = null;
  if (dtls) {
    dtls.onSessionEnded = (address, port, _code, message) => {
      if (message === "") return;
      reason = message;
      if (o.role === "connect" && !opened()) return;
      const peer = formatEndpoint(address, port);
      printEvent(o, "dtls_ended", { peer, reason }, `DTLS with ${peer} ended: ${reason}`, "yellow");
    };
  }
  return () => (o.role === "connect" && reason !== null ? `the DTLS handshake failed (${reason}).${DTLS_FAILED_HINT}` : null);
}

function flagName(flags: number): string {
  if (flags & PacketFlags.FLAG_RELIABLE) return "reliable";
  if (flags & PacketFlags.FLAG_UNSEQUENCED) return "unsequenced";
  if (flags & PacketFlags.FLAG_UNRELIABLE_FRAGMENT) return "unreliable-fragment";
  return "unreliable";
}

const endpoint = (peer: ENetPacketPeer): string => formatEndpoint(peer.getRemoteAddress(), peer.getRemotePort());

export async function enetCommand(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (o === "help") {
    process.stdout.write(ENET_HELP);
    return EXIT_OK;
  }
  return o.godot ? runGodot(o) : runRaw(o);
}

async function runRaw(o: EnetOptions): Promise<number> {
  const conn = new ENetConnection();
  if (o.role === "listen") await conn.createHostBound(o.host, o.port, { maxPeers: o.maxPeers, maxChannels: o.channels, checksum: o.checksum });
  else await conn.createHost({ maxPeers: 1, maxChannels: o.channels, checksum: o.checksum });
  conn.compress(o.compress);
  if (o.dtlsServer) await conn.dtlsServerSetup(await serverTlsOptions(o.dtlsServer));
  if (o.dtlsClient) await conn.dtlsClientSetup(tlsName(o.dtlsClient) ?? o.host, await clientTlsOptions(o.dtlsClient));
  const peers = new Set<ENetPacketPeer>();
  const dtlsFailure = watchDtls(conn, o, () => peers.size > 0);
  const signal = untilSignal();
  let quit: string | null = null;
  void signal.promise.then((s) => (quit = s));
  let server: ENetPacketPeer | null = null;
  // The end of stdin, then (connecting) the time to leave: --wait after it, or after the connect if later.
  let stdinEndedAt: number | null = null;
  let connectedAt = 0;
  let leaving = false;
  const pending: Uint8Array[] = [];
  const secure = o.dtlsServer || o.dtlsClient ? " over DTLS" : "";
  if (o.role === "listen") status(`listening on ${formatEndpoint(o.host, conn.getLocalPort())} (ENet${secure}, ${o.maxPeers} peers, ${o.channels} channels)`);
  else {
    server = await conn.connectToHost(o.host, o.port, { channels: o.channels });
    status(`connecting to ${o.host}:${o.port}${secure} ...`);
  }
  /** Send a typed line; what refuses it (a channel the peer lacks, a packet too large) is reported, and the run goes on. */
  const send = (peer: ENetPacketPeer, bytes: Uint8Array): void => {
    try {
      const err = peer.send(o.channel, bytes, o.flags);
      if (err !== GodotError.OK) status(`line not sent to ${endpoint(peer)}: ${errorName(err)}`, "red");
    } catch (err) {
      status(`line not sent to ${endpoint(peer)}: ${(err as Error).message}`, "red");
    }
  };
  const stopInput = readStdinLines(
    o.hex,
    (bytes) => {
      if (o.role === "listen") {
        if (peers.size === 0) status("no peer connected: line dropped", "yellow");
        else for (const p of peers) send(p, bytes);
      } else if (server && peers.has(server)) send(server, bytes);
      else pending.push(bytes); // typed before the handshake finished: sent once connected
    },
    () => {
      // A server keeps serving; a client prints what still arrives for --wait, then leaves.
      stdinEndedAt = Date.now();
    },
  );
  const started = Date.now();
  let lastRtt = Date.now();
  // ENet resets a peer (its round-trip time back to 500 ms) before the disconnect event, so the
  // "last rtt" printed then is the one sampled here while it was connected.
  const rttSeen = new Map<ENetPacketPeer, number>();
  let lastRttSample = Date.now();
  let code = EXIT_OK;
  try {
    for (;;) {
      if (quit !== null) break;
      const ev = await conn.service(50);
      if (ev.type === EventType.EVENT_CONNECT && ev.peer) {
        peers.add(ev.peer);
        // A server has timed the acknowledgement of its VERIFY_CONNECT; a client has no sample yet (as in C ENet, its
        // round-trip time is still the initial 500 ms guess), so only a server prints one here.
        const rtt = o.role === "listen" ? ev.peer.getStatistic(PeerStatistic.PEER_ROUND_TRIP_TIME) : undefined;
        if (rtt !== undefined) rttSeen.set(ev.peer, rtt);
        printEvent(o, "connect", { peer: endpoint(ev.peer), data: ev.data, ...(rtt !== undefined ? { rtt } : {}) }, `connected ${endpoint(ev.peer)} (data ${ev.data}${rtt !== undefined ? `, rtt ${rtt} ms` : ""})`, "green");
        for (const bytes of pending.splice(0)) send(ev.peer, bytes);
        connectedAt = Date.now();
      } else if (ev.type === EventType.EVENT_DISCONNECT && ev.peer) {
        const known = peers.delete(ev.peer);
        const rtt = rttSeen.get(ev.peer);
        rttSeen.delete(ev.peer);
        printEvent(o, "disconnect", { peer: endpoint(ev.peer), data: ev.data, ...(rtt !== undefined ? { rtt } : {}) }, `disconnected ${endpoint(ev.peer)} (data ${ev.data}${rtt !== undefined ? `, last rtt ${rtt} ms` : ""})`, "yellow");
        if (o.role === "connect") {
          if (!known) {
            status(`could not connect to ${o.host}:${o.port}: the server refused or did not answer`, "red");
            code = EXIT_FAILURE;
          }
          break;
        }
      } else if (ev.type === EventType.EVENT_RECEIVE && ev.peer && ev.packet) {
        const flags = ev.peer.getPacketFlags();
        ev.peer.getPacket(); // the peer keeps a copy for Godot's getPacket(); drop it
        printPacket(o, endpoint(ev.peer), ev.channel, flagName(flags), ev.packet);
        if (o.echo) ev.peer.send(ev.channel, ev.packet, flags & (PacketFlags.FLAG_RELIABLE | PacketFlags.FLAG_UNSEQUENCED | PacketFlags.FLAG_UNRELIABLE_FRAGMENT));
      } else if (ev.type === EventType.EVENT_ERROR) {
        status("the socket failed: stopping", "red");
        code = EXIT_FAILURE;
        break;
      }
      const failure = peers.size === 0 ? dtlsFailure() : null;
      if (failure !== null) {
        status(`could not connect to ${o.host}:${o.port}: ${failure}`, "red");
        code = EXIT_FAILURE;
        break;
      }
      if (o.role === "connect" && peers.size === 0 && Date.now() - started > o.timeoutMs) {
        status(`could not connect to ${o.host}:${o.port} within ${o.timeoutMs / 1000} s: is an ENet${o.dtlsClient ? " DTLS" : ""} server listening there (ENet is UDP: a closed port gives no error), with the same --compress and --checksum?${o.dtlsClient ? DTLS_HINT : ""}`, "red");
        code = EXIT_FAILURE;
        break;
      }
      if (o.role === "connect" && !leaving && server && peers.has(server) && stdinWaitOver(stdinEndedAt, connectedAt, o.waitMs)) {
        // Leave once what was queued has gone out (peer_disconnect_later).
        leaving = true;
        server.peerDisconnectLater();
      }
      if (Date.now() - lastRttSample >= 100) {
        lastRttSample = Date.now();
        for (const p of peers) rttSeen.set(p, p.getStatistic(PeerStatistic.PEER_ROUND_TRIP_TIME));
      }
      if (o.rttEvery > 0 && Date.now() - lastRtt >= o.rttEvery) {
        lastRtt = Date.now();
        for (const p of peers) printEvent(o, "rtt", { peer: endpoint(p), rtt: p.getStatistic(PeerStatistic.PEER_ROUND_TRIP_TIME) }, `rtt ${endpoint(p)}: ${p.getStatistic(PeerStatistic.PEER_ROUND_TRIP_TIME)} ms`);
      }
    }
    if (quit !== null && peers.size > 0) await disconnectAll(conn, peers);
    else if (quit !== null && o.role === "connect") {
      status(`${quit}: stopped before connecting to ${o.host}:${o.port}`, "yellow");
      code = interruptedExitCode(quit);
    }
  } finally {
    stopInput();
    signal.dispose();
    conn.destroy();
  }
  return code;
}

/** Disconnect every peer and wait (at most a second) for their acknowledgements. */
async function disconnectAll(conn: ENetConnection, peers: Set<ENetPacketPeer>): Promise<void> {
  for (const p of peers) p.peerDisconnect();
  const deadline = Date.now() + 1000;
  while (peers.size > 0 && Date.now() < deadline) {
    const ev = await conn.service(20);
    if (ev.type === EventType.EVENT_DISCONNECT && ev.peer) peers.delete(ev.peer);
  }
}

async function runGodot(o: EnetOptions): Promise<number> {
  const protocol = o.godot === 3 ? "godot3" : "godot4";
  const mp = new ENetMultiplayerPeer();
  let where: string;
  if (o.role === "listen") {
    mp.setBindIp(o.host);
    const dtlsServerOptions = o.dtlsServer && (await serverTlsOptions(o.dtlsServer));
    await mp.createServer(o.port, o.maxPeers, o.channels, 0, 0, { protocol, compressionMode: o.compress, dtlsServerOptions });
    where = `listening on ${formatEndpoint(o.host, mp.host?.getLocalPort() ?? 0)} (Godot ${o.godot} ENetMultiplayerPeer, ${o.maxPeers} clients)`;
  } else {
    const dtlsClientOptions = o.dtlsClient && (await clientTlsOptions(o.dtlsClient));
    const dtlsHostname = o.dtlsClient && tlsName(o.dtlsClient);
    await mp.createClient(o.host, o.port, o.channels, 0, 0, 0, { protocol, compressionMode: o.compress, dtlsClientOptions, dtlsHostname });
    where = `connecting to ${o.host}:${o.port} as peer ${mp.getUniqueId()} (Godot ${o.godot} ENet) ...`;
  }
  const mode = o.flags & PacketFlags.FLAG_RELIABLE ? TransferMode.TRANSFER_MODE_RELIABLE : o.flags & PacketFlags.FLAG_UNSEQUENCED ? TransferMode.TRANSFER_MODE_UNRELIABLE : TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED;
  const handshakeFailure = watchDtls(mp.getHost(), o, () => mp.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED);
  return runMultiplayer(mp, { ...o, mode, where, handshakeFailure, target: `${o.host}:${o.port}`, what: `a Godot ${o.godot} ENet${o.dtlsClient ? " DTLS" : ""} server with the same --compress` });
}

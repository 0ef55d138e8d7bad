/**
 * A randomized sweep of WebSocketPeer connections between our own client and server as
 * applications drive them: up to four connections at once on a MemoryNetwork link drawn from the
 * seed (latency, jitter, sometimes a bandwidth cap), each with its own settings (permessage-deflate,
 * outbound buffer sizes that make sends fail, large buffers for messages past 64 KiB, heartbeats),
 * and random steps: connections opening, text and binary messages of 0 B to 300 KiB (frame-length
 * boundaries included) from either side, close(code, reason) from one side or both at once, drops
 * (close(-1)), and a side not polled for a while. Checked throughout and at the end:
 * - what each side's `message` listener sees is, in order, a prefix of what the other side's send()
 *   took (returned OK), each message once, intact, text as text; all of it when the close was clean;
 * - events come in order: open once (before any message), close once and last; the ready state is
 *   CLOSED once close fired;
 * - a close one side started and the other answered is clean on both sides with the closer's code
 *   and reason, and getCloseCode() tells it; a crossed close (both sides at once) is clean with
 *   either side's code; a drop reaches the other side as 1006, not clean; a heartbeat timeout as
 *   1001, not clean (on the side with the heartbeat: its pings unanswered by a side not polled, or
 *   its pongs queued behind megabytes on a slow link);
 * - sends on a connection that is not OPEN return FAILED, and a refused send (ERR_OUT_OF_MEMORY)
 *   never arrives.
 * lifecycle-sweep.test.ts runs a seeded slice; `npm run sweep:websocket` runs more.
 */
import { GodotError } from "../../src/errors.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { VirtualClock } from "../../src/transport/virtual-clock.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import type { WebSocketCloseEvent, WebSocketMessageEvent } from "../../src/websocket/events.ts";
import { WebSocketPeer, WriteMode } from "../../src/websocket/peer.ts";
import { WebSocketServer, type WebSocketConnectionEvent } from "../../src/websocket/server.ts";
import { fnv1a } from "../enet-interop/harness.ts";
import { soakContent, soakText } from "./soak-content.ts";

const SERVER_ADDRESS = "10.8.0.1";
const MAX_CONNECTIONS = 4;
const KiB = 1024;
/** Sizes at the frame-length boundaries (7-bit, 16-bit and 64-bit lengths). */
const BOUNDARY_SIZES = [0, 1, 124, 125, 126, 127, 65_535, 65_536, 65_537];
/** Close codes an application may send (RFC 6455 7.4: 1000, 1001, 3000-4999). */
const pickCode = (rng: SeededRandom): number => [1000, 1001, 3000 + rng.nextInt(2000)][rng.nextInt(3)]!;

export interface WebSocketSweepOutcome {
  seed: number;
  problems: string[];
  counts: { connections: number; sent: number; refused: number; received: number; cleanCloses: number; drops: number; heartbeatTimeouts: number };
}

/** One side of a connection and what it saw. */
interface Side {
  name: string;
  peer: WebSocketPeer;
  /** Messages its send() took, as "t:" or "b:" plus the payload's fingerprint. */
  sent: string[];
  /** Messages its `message` listener saw. */
  received: string[];
  opened: number;
  closeEvents: WebSocketCloseEvent[];
  /** The code and reason it closed with, if it called close(code). */
  closedWith: { code: number; reason: string } | null;
  dropped: boolean;
  /** Not polled until this virtual time. */
  frozenUntil: number;
  /** Was ever left unpolled for a while. */
  everFrozen: boolean;
  heartbeat: boolean;
}

interface Pair {
  client: Side;
  server: Side | null;
  /** Where the pair's messages may be as large as their buffers allow. */
  large: boolean;
  finished: boolean;
}

/** A message's identity: its type, length and FNV-1a hash. */
const fingerprint = (isText: boolean, bytes: Uint8Array): string => `${isText ? "t" : "b"}:${bytes.length}:${fnv1a(bytes)}`;

export async function runWebSocketLifecycle(seed: number, steps: number): Promise<WebSocketSweepOutcome> {
  const rng = new SeededRandom(seed);
  const link = { latencyMs: 1 + rng.nextInt(20), jitterMs: rng.nextInt(5), bandwidthBytesPerSec: rng.chance(0.3) ? 2_000_000 : undefined };
  const net = new MemoryNetwork({ seed, defaultLink: link });
  const clock = net.clock as VirtualClock;
  const problems: string[] = [];
  const counts = { connections: 0, sent: 0, refused: 0, received: 0, cleanCloses: 0, drops: 0, heartbeatTimeouts: 0 };
  const problem = (what: string): void => {
    if (problems.length < 20) problems.push(`t=${clock.now()} ${what}`);
  };
  // Two servers: Godot's defaults, and one with large buffers and permessage-deflate.
  const plainServer = new WebSocketServer({}, { runtime: net.createRuntime(SERVER_ADDRESS) });
  await plainServer.listen(8001, SERVER_ADDRESS);
  const largeServer = new WebSocketServer(
    { inboundBufferSize: 1024 * KiB, outboundBufferSize: 1024 * KiB, perMessageDeflate: true },
    { runtime: net.createRuntime(SERVER_ADDRESS) },
  );
  await largeServer.listen(8002, SERVER_ADDRESS);
  const pairs: Pair[] = [];
  /** Pairs whose server side has not been accepted yet, by the client's address (one address per client). */
  const awaitingServer = new Map<string, Pair>();
  let clientCount = 0;

  const watch = (side: Side): void => {
    const peer = side.peer;
    peer.addEventListener("open", () => {
      if (side.opened > 0) problem(`${side.name}: open twice`);
      if (side.closeEvents.length > 0) problem(`${side.name}: open after close`);
      side.opened++;
    });
    peer.addEventListener("message", (e) => {
      const m = e as WebSocketMessageEvent;
      if (side.closeEvents.length > 0) problem(`${side.name}: message after close`);
      if (side.opened === 0) problem(`${side.name}: message before open`);
      side.received.push(fingerprint(m.isString, m.data));
      counts.received++;
    });
    peer.addEventListener("close", (e) => {
      const c = e as WebSocketCloseEvent;
      if (side.closeEvents.length > 0) problem(`${side.name}: close event twice (${c.code})`);
      side.closeEvents.push(c);
    });
    peer.autoPoll = false;
  };

  const newSide = (name: string, peer: WebSocketPeer, heartbeat: boolean): Side => {
    const side: Side = { name, peer, sent: [], received: [], opened: 0, closeEvents: [], closedWith: null, dropped: false, frozenUntil: 0, everFrozen: false, heartbeat };
    watch(side);
    return side;
  };

  const openPair = (): void => {
    const large = rng.chance(0.3);
    const address = `10.8.${1 + Math.floor(clientCount / 250)}.${1 + (clientCount % 250)}`;
    const peer = new WebSocketPeer({ runtime: net.createRuntime(address) });
    const heartbeat = rng.chance(0.3);
    if (heartbeat) peer.heartbeatInterval = 1 + rng.nextInt(4);
    if (large) {
      peer.inboundBufferSize = 1024 * KiB;
      peer.outboundBufferSize = 1024 * KiB;
      if (rng.chance(0.7)) peer.perMessageDeflate = true;
    } else if (rng.chance(0.3)) {
      // Small enough that bursts meet ERR_OUT_OF_MEMORY.
      peer.outboundBufferSize = 4 * KiB + rng.nextInt(60 * KiB);
    }
    const pair: Pair = { client: newSide(`client ${clientCount}`, peer, heartbeat), server: null, large, finished: false };
    clientCount++;
    const result = peer.connectToUrl(`ws://${SERVER_ADDRESS}:${large ? 8002 : 8001}/`);
    if (result !== GodotError.OK) problem(`${pair.client.name}: connectToUrl returned ${result}`);
    pairs.push(pair);
    awaitingServer.set(address, pair);
    counts.connections++;
  };

  /** An accepted connection goes to its pair, found by the client's address, as soon as its handshake completes. */
  const accept = (peer: WebSocketPeer): void => {
    const pair = awaitingServer.get(peer.getConnectedHost());
    if (pair === undefined) {
      problem(`a server accepted a connection from ${peer.getConnectedHost()}, which nobody made`);
      peer.close(-1);
      return;
    }
    awaitingServer.delete(peer.getConnectedHost());
    const side = newSide(`server of ${pair.client.name}`, peer, false);
    // It opened before it was handed out, so it gets no open event of its own.
    side.opened = 1;
    pair.server = side;
  };
  for (const server of [plainServer, largeServer]) {
    server.addEventListener("connection", (e) => accept((e as WebSocketConnectionEvent).peer));
  }

  /** close(code, reason): a close handshake once OPEN; before that (a client still connecting) the connection is just dropped. */
  const closeSide = (side: Side, code: number, reason: string): void => {
    if (side.peer.getReadyState() === WebSocketState.STATE_CONNECTING) side.dropped = true;
    else side.closedWith = { code, reason };
    side.peer.close(code, reason);
  };

  const sideOf = (pair: Pair, fromClient: boolean): Side | null => (fromClient ? pair.client : pair.server);
  const otherOf = (pair: Pair, side: Side): Side | null => (side === pair.client ? pair.server : pair.client);

  const send = (pair: Pair, side: Side): void => {
    const isText = rng.chance(0.4);
    const size = rng.chance(0.2)
      ? BOUNDARY_SIZES[rng.nextInt(BOUNDARY_SIZES.length)]!
      : pair.large && rng.chance(0.1)
        ? rng.nextInt(300 * KiB)
        : rng.nextInt(rng.chance(0.8) ? 300 : 20 * KiB);
    // Godot's defaults take at most 65,535 bytes a message inbound; keep the plain pairs within it.
    if (!pair.large && size > 65_535) return;
    // Text of 1- to 4-byte characters or binary, half of them repetitive so deflate meets both.
    const bytes = soakContent({ text: isText, size, seed: rng.nextU32(), period: rng.chance(0.5) ? 16 : 0 });
    const result = isText ? side.peer.sendText(new TextDecoder().decode(bytes)) : side.peer.send(bytes, WriteMode.WRITE_MODE_BINARY);
    const state = side.peer.getReadyState();
    if (result === GodotError.OK) {
      side.sent.push(fingerprint(isText, bytes));
      counts.sent++;
    } else if (result === GodotError.ERR_OUT_OF_MEMORY) {
      counts.refused++;
    } else if (!(result === GodotError.FAILED && state !== WebSocketState.STATE_OPEN)) {
      problem(`${side.name}: send of ${size} B in state ${state} returned ${result}`);
    }
  };

  const pollAll = async (ms: number): Promise<void> => {
    const end = clock.now() + ms;
    do {
      for (const pair of pairs) {
        for (const side of [pair.client, pair.server]) {
          if (side === null || clock.now() < side.frozenUntil) continue;
          side.peer.poll();
          if (side.closeEvents.length > 0 && side.peer.getReadyState() !== WebSocketState.STATE_CLOSED) {
            problem(`${side.name}: state ${side.peer.getReadyState()} after its close event`);
          }
        }
      }
      await net.runFor(Math.min(5, Math.max(1, end - clock.now())));
    } while (clock.now() < end);
  };

  /** Judge a pair both of whose sides have closed (or whose client never got a server side). */
  const judge = (pair: Pair): void => {
    pair.finished = true;
    const { client, server } = pair;
    for (const side of [client, server]) {
      if (side === null) continue;
      if (side.closeEvents.length !== 1) problem(`${side.name}: ${side.closeEvents.length} close events`);
    }
    if (server === null) return;
    const c = client.closeEvents[0];
    const s = server.closeEvents[0];
    if (c === undefined || s === undefined) return;
    const clean = c.wasClean && s.wasClean;
    for (const [from, to] of [
      [client, server],
      [server, client],
    ] as const) {
      const n = to.received.length;
      const prefix = from.sent.slice(0, n);
      if (n > from.sent.length || prefix.some((m, i) => m !== to.received[i])) {
        const at = prefix.findIndex((m, i) => m !== to.received[i]);
        problem(`${to.name}: message ${at} is ${to.received[at]}, ${from.name} sent ${from.sent[at]} (${n} received, ${from.sent.length} sent)`);
      } else if (clean && n !== from.sent.length) {
        problem(`${to.name}: ${n} of the ${from.sent.length} messages ${from.name} sent arrived, and the close was clean`);
      }
    }
    const closers = [client, server].filter((x) => x.closedWith !== null);
    const dropper = [client, server].find((x) => x.dropped);
    // A side with a heartbeat may time out first: its pings unanswered while the other side was not
    // polled, or its pongs queued behind megabytes on a 2 MB/s link.
    const anyFrozen = client.everFrozen || server.everFrozen;
    const heartbeatTimeout = (side: Side, ev: WebSocketCloseEvent): boolean =>
      side.heartbeat && ev.code === 1001 && !ev.wasClean && ev.reason === "Heartbeat timeout" && (anyFrozen || link.bandwidthBytesPerSec !== undefined);
    if (heartbeatTimeout(client, c)) counts.heartbeatTimeouts++;
    if (dropper !== undefined) {
      const other = otherOf(pair, dropper)!;
      counts.drops++;
      const ev = other.closeEvents[0]!;
      if (other.closedWith === null && (ev.code !== 1006 || ev.wasClean) && !heartbeatTimeout(other, ev)) {
        problem(`${other.name}: the other side dropped the connection; close ${ev.code} clean=${ev.wasClean}`);
      }
      return;
    }
    if (!clean) {
      // Not clean without a drop: only a heartbeat timeout (its side's event says so), or a close
      // timeout, which needs a side not polled.
      if (!anyFrozen && !heartbeatTimeout(client, c)) {
        problem(`${client.name}: closed without a clean handshake though both sides were polled: client ${c.code}/${c.wasClean}, server ${s.code}/${s.wasClean}`);
      }
      return;
    }
    counts.cleanCloses++;
    for (const side of [client, server]) {
      const ev = side.closeEvents[0]!;
      if (side.peer.getCloseCode() !== ev.code) problem(`${side.name}: getCloseCode() ${side.peer.getCloseCode()}, its close event ${ev.code}`);
    }
    if (closers.length === 1) {
      const { code, reason } = closers[0]!.closedWith!;
      for (const ev of [c, s]) {
        if (ev.code !== code || ev.reason !== reason) problem(`${client.name}: clean close by one side with ${code} "${reason}", an event says ${ev.code} "${ev.reason}"`);
      }
    } else if (closers.length === 2) {
      const codes = closers.map((x) => x.closedWith!.code);
      for (const ev of [c, s]) if (!codes.includes(ev.code)) problem(`${client.name}: crossed close with ${codes.join(" and ")}, an event says ${ev.code}`);
    }
  };

  try {
    for (let step = 0; step < steps; step++) {
      const live = pairs.filter((p) => !p.finished);
      const roll = rng.nextInt(100);
      if (roll < 10) {
        if (live.length < MAX_CONNECTIONS) openPair();
      } else if (live.length > 0) {
        const pair = live[rng.nextInt(live.length)]!;
        const side = sideOf(pair, rng.chance(0.5));
        if (side !== null) {
          if (roll < 75) {
            for (let n = 1 + rng.nextInt(rng.chance(0.2) ? 30 : 3); n > 0; n--) send(pair, side);
          } else if (roll < 83) {
            if (side.closedWith === null && !side.dropped) {
              const code = pickCode(rng);
              const reason = soakText(rng.nextU32(), rng.nextInt(124));
              closeSide(side, code, reason);
              // Sometimes the other side closes too before it has heard of it: a crossed close.
              const other = otherOf(pair, side);
              if (other !== null && other.closedWith === null && !other.dropped && rng.chance(0.2) && other.peer.getReadyState() === WebSocketState.STATE_OPEN) {
                closeSide(other, pickCode(rng), "");
              }
            }
          } else if (roll < 86) {
            if (side.closedWith === null && !side.dropped && side.peer.getReadyState() === WebSocketState.STATE_OPEN) {
              side.dropped = true;
              side.peer.close(-1);
            }
          } else if (roll < 88) {
            side.everFrozen = true;
            side.frozenUntil = clock.now() + 500 + rng.nextInt(side.heartbeat || otherOf(pair, side)?.heartbeat ? 12_000 : 3_000);
          }
        }
      }
      await pollAll(rng.chance(0.1) ? 100 + rng.nextInt(2000) : rng.nextInt(20));
      for (const pair of pairs) {
        if (pair.finished) continue;
        const done = (x: Side | null): boolean => x !== null && x.closeEvents.length > 0;
        if (done(pair.client) && (done(pair.server) || (pair.server === null && pair.client.opened === 0))) judge(pair);
      }
    }
    // The rest close cleanly from the client side, everyone polled.
    for (const pair of pairs) {
      if (pair.finished) continue;
      pair.client.frozenUntil = 0;
      if (pair.server !== null) pair.server.frozenUntil = 0;
      if (pair.client.closedWith === null && !pair.client.dropped && pair.client.peer.getReadyState() !== WebSocketState.STATE_CLOSED) closeSide(pair.client, 1000, "end");
    }
    await pollAll(30_000);
    for (const pair of pairs) {
      if (pair.finished) continue;
      if (pair.client.closeEvents.length > 0 && (pair.server === null ? pair.client.opened === 0 : pair.server.closeEvents.length > 0)) judge(pair);
      else problem(`${pair.client.name}: not closed 30 s after the end (client ${pair.client.peer.getReadyState()} with ${pair.client.closeEvents.length} close events, server ${pair.server?.peer.getReadyState() ?? "none"} with ${pair.server?.closeEvents.length ?? "-"})`);
    }
  } catch (e) {
    problem(`threw: ${(e as Error).stack ?? String(e)}`);
  } finally {
    for (const pair of pairs) {
      pair.client.peer.close(-1);
      pair.server?.peer.close(-1);
    }
    await plainServer.stop();
    await largeServer.stop();
    net.close();
  }
  return { seed, problems, counts };
}

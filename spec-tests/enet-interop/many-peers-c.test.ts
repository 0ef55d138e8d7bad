// 4,095 peers on one of our hosts over real loopback sockets: one C ENet 1.3.17 client host
// (bench/peers/enet_memory.c) opens them all, each must connect, get its own slot, and be served
// idle. Where our socket can hold the burst (Node, which asks for a 4 MiB receive buffer, on an OS
// that grants at least 1 MiB) all 4,095 handshakes start at once, the burst C ENet's own server
// takes. Elsewhere (Deno and Bun, which cannot enlarge a socket's buffer, or an OS capping it
// lower, as Linux's default net.core.rmem_max does) the client keeps at most 64 handshakes
// unfinished at a time: at the OS default a burst of 4,095 CONNECTs overflows the buffer and the
// retransmissions do not all get through within ENet's connect timeout (UDP_RECEIVE_BUFFER_SIZE in
// src/transport/node.ts says why Node asks for more).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENetConnection, EventType } from "../../src/index.ts";
import { buildCProgram, repoRoot } from "./harness.ts";

const PEERS = 4095;
const PACED_IN_FLIGHT = 64;
const built = buildCProgram(join(repoRoot, "bench", "peers", "enet_memory.c"));
const g = globalThis as { Deno?: unknown; Bun?: unknown };
/** Linux caps SO_RCVBUF at net.core.rmem_max; below 1 MiB a burst of 4,095 handshakes overflows what we may ask for. */
function receiveBufferCap(): number {
  try {
    return Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8").trim());
  } catch {
    return Infinity; // not Linux, or not readable: try
  }
}
const cap = receiveBufferCap();
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`many peers: skipped: ${skip}`);
const burst = !(g.Deno || g.Bun) && cap >= 1024 * 1024;
const how = burst ? "all at once" : `at most ${PACED_IN_FLIGHT} handshakes at a time (${g.Deno || g.Bun ? "this runtime cannot enlarge a socket's receive buffer" : `the OS caps receive buffers at ${cap} bytes`})`;

describe("live: 4,095 C ENet peers from one client host on one of our hosts", { skip }, () => {
  test(`all 4,095 connect (${how}), each in its own slot, and stay connected while idle`, async () => {
    const server = new ENetConnection();
    await server.createHostBound("127.0.0.1", 0, { maxPeers: PEERS, maxChannels: 2 });
    const clients = spawn((built as { path: string }).path, ["clients", String(server.getLocalPort()), String(PEERS), ...(burst ? [] : [String(PACED_IN_FLIGHT)])], { stdio: ["pipe", "ignore", "inherit"] });
    try {
      const slots = new Set<number>();
      let disconnects = 0;
      const started = performance.now();
      const deadline = started + 30_000;
      while (slots.size < PEERS && performance.now() < deadline) {
        const ev = await server.service(5);
        if (ev.type === EventType.CONNECT) slots.add(ev.peer!.slot.incomingPeerID);
        if (ev.type === EventType.DISCONNECT) disconnects++;
      }
      const ms = performance.now() - started;
      assert.equal(slots.size, PEERS, `${slots.size} of ${PEERS} connected in ${ms.toFixed(0)} ms`);
      // A second of ENet's keep-alive traffic (about 16,000 PINGs and acknowledgements) with nobody dropped.
      const idleUntil = performance.now() + 1000;
      while (performance.now() < idleUntil) {
        const ev = await server.service(5);
        if (ev.type === EventType.DISCONNECT) disconnects++;
      }
      assert.equal(disconnects, 0);
      assert.equal(server.getPeers().length, PEERS);
      assert.equal(server.core.drops.internalErrors, 0);
      console.log(`many peers: ${PEERS} C ENet peers connected ${how} in ${ms.toFixed(0)} ms`);
    } finally {
      clients.stdin?.end();
      clients.kill();
      server.destroy();
    }
  });
});

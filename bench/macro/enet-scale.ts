// ENet at scale on the simulated network (virtual clock, spec-tests/enet/sim.ts), one process:
// 1. 4,095 peers connect to one host (one client host opening them all from one socket).
// 2. The server host's CPU time (service() + handleDatagram(), wall clock) over 10 s of simulated
//    time while 10 peers each send a 200-byte reliable packet every 10 ms, with 4,085 other peers (4,095 in all)
//    connected and idle (ENet pings each idle peer twice a second), against 10 peers alone.
// 3. The same with the idle peers' ping interval raised to an hour on both sides, which separates
//    ENet's own keep-alive work (a PING per idle peer every 500 ms, as C ENet sends) from the cost
//    of walking idle peers. (Heap per idle peer: bench/macro/memory-enet.ts, against C ENet clients.)
// usage: node --import tsx enet-scale.ts
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import type { HostCore } from "../../src/enet/host-core.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";
import { SimNetwork, type SimHost } from "../../spec-tests/enet/sim.ts";

/** Time spent inside one host's own entry points. */
function meter(core: HostCore): { ms: number } {
  const m = { ms: 0 };
  const service = core.service.bind(core);
  const handle = core.handleDatagram.bind(core);
  core.service = (now: number): void => {
    const t = performance.now();
    service(now);
    m.ms += performance.now() - t;
  };
  core.handleDatagram = (now, data, address, port): void => {
    const t = performance.now();
    handle(now, data, address, port);
    m.ms += performance.now() - t;
  };
  return m;
}

function drain(h: SimHost): number {
  let connects = 0;
  for (let e = h.core.pollEvent(); e !== null; e = h.core.pollEvent()) if (e.type === EventType.CONNECT) connects++;
  return connects;
}

/** A server with `idle` idle peers (one client host) and `busy` busy peers (their own host). */
interface Scenario {
  net: SimNetwork;
  server: SimHost;
  connected: number;
  /** Run `ms` of simulated time with the busy peers sending; the server's CPU time in ms. */
  window(ms: number): number;
}

/** A server with `idle` idle peers (one client host) and `busy` busy peers (their own host), connected. */
function scenario(idle: number, busy: number, quietIdle = false): Scenario {
  const net = new SimNetwork({ latency: 5, seed: 1 });
  const server = net.addHost({ peerCount: 4095, channelLimit: 2 }, "10.0.0.1", 7000);
  const idleHost = idle > 0 ? net.addHost({ peerCount: idle, channelLimit: 2 }, "10.0.0.2", 7001) : null;
  const busyHost = net.addHost({ peerCount: busy, channelLimit: 2 }, "10.0.0.3", 7002);
  for (let i = 0; i < idle; i++) idleHost!.core.connect("10.0.0.1", 7000, 2, i);
  const busyPeers: PeerCore[] = [];
  for (let i = 0; i < busy; i++) busyPeers.push(busyHost.core.slotOf(busyHost.core.connect("10.0.0.1", 7000, 2, i)!));
  const result = { net, server, connected: 0, window: (ms: number): number => ms };
  const drainAll = (): void => {
    result.connected += drain(server);
    if (idleHost) drain(idleHost);
    drain(busyHost);
  };
  net.runUntil(2000, drainAll);
  if (quietIdle) {
    for (const p of idleHost?.core.peers ?? []) if (p.state === PeerState.STATE_CONNECTED) idleHost!.core.setPingInterval(p, 3_600_000);
    for (const p of server.core.peers) if (p.state === PeerState.STATE_CONNECTED && p.address === "10.0.0.2") server.core.setPingInterval(p, 3_600_000);
  }
  const m = meter(server.core);
  const payload = new Uint8Array(200).fill(1);
  result.window = (ms: number): number => {
    const before = m.ms;
    const start = net.now;
    for (let t = start + 10; t <= start + ms; t += 10) {
      for (const p of busyPeers) if (p.state === PeerState.STATE_CONNECTED) busyHost.core.send(p, 0, payload, PacketFlags.RELIABLE);
      net.runUntil(t, drainAll);
    }
    return m.ms - before;
  };
  return result;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// Three hosts side by side, measured in interleaved 2 s windows of simulated time (10 s in all
// for each) after a warm-up window, so a GC pause or JIT tier-up lands in one window of one
// scenario, not in a whole scenario: each figure is the sum of the median window times.
const alone = scenario(0, 10);
const crowded = scenario(4085, 10);
const quiet = scenario(4085, 10, true);
const WINDOWS = 5;
const times = { alone: [] as number[], crowded: [] as number[], quiet: [] as number[] };
for (const s of [alone, crowded, quiet]) s.window(2000);
for (let w = 0; w < WINDOWS; w++) {
  times.alone.push(alone.window(2000));
  times.crowded.push(crowded.window(2000));
  times.quiet.push(quiet.window(2000));
}
const aloneMs = median(times.alone) * WINDOWS;
const crowdedMs = median(times.crowded) * WINDOWS;
const quietMs = median(times.quiet) * WINDOWS;

console.log(
  JSON.stringify({
    peersConnected: crowded.connected,
    serverMsTenBusyAlone: aloneMs,
    serverMsTenBusyWith4085Idle: crowdedMs,
    serviceRatio: crowdedMs / aloneMs,
    serverMsWith4085IdleUnpinged: quietMs,
    serviceRatioWithoutPings: quietMs / aloneMs,
  }),
);

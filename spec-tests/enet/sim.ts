/**
 * A deterministic simulated link between sans-IO ENet hosts for tests: seeded loss,
 * duplication, reordering (via jitter) and fixed latency, driven by a virtual clock.
 */
import { EventType, PeerState } from "../../src/enet/enums.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";
import { HostCore, type HostCoreOptions } from "../../src/enet/host-core.ts";
import { SeededRandom } from "../../src/util/prng.ts";

export interface LinkOptions {
  loss?: number;
  duplicate?: number;
  latency?: number;
  jitter?: number;
  seed?: number;
  /** Bytes per millisecond the link carries in each direction; 0 = unlimited. */
  bytesPerMs?: number;
  /**
   * Hand every delivered datagram over as a fresh copy the host may keep (`handleDatagram`'s
   * `owned`), as Node's transport does, so large packets arrive as views of their datagram.
   */
  ownedDelivery?: boolean;
}

interface InFlight {
  at: number;
  seq: number;
  to: SimHost;
  data: Uint8Array;
  fromAddress: string;
  fromPort: number;
}

export class SimHost {
  readonly core: HostCore;
  readonly address: string;
  readonly port: number;
  constructor(core: HostCore, address: string, port: number) {
    this.core = core;
    this.address = address;
    this.port = port;
  }

  /** Read every pending event; how many of them were RECEIVE. */
  drainReceives(): number {
    let received = 0;
    for (let e = this.core.pollEvent(); e !== null; e = this.core.pollEvent()) if (e.type === EventType.RECEIVE) received++;
    return received;
  }
}

export class SimNetwork {
  now = 0;
  readonly hosts: SimHost[] = [];
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly rng: SeededRandom;
  readonly opts: Required<LinkOptions>;
  delivered = 0;
  lost = 0;
  /** Called after every delivered datagram (e.g. to adjust freshly created peers). */
  afterDeliver: ((to: SimHost) => void) | null = null;
  /** See LinkOptions.ownedDelivery. */
  ownedDelivery: boolean;
  /** Optional tap on every datagram put on the wire. */
  tap: ((data: Uint8Array, from: SimHost, to: SimHost) => void) | null = null;
  /** Optional choice of datagrams to lose, asked before the link's own loss. */
  drop: ((data: Uint8Array, from: SimHost, to: SimHost) => boolean) | null = null;
  private linkBusyUntil = new Map<SimHost, number>();

  constructor(opts: LinkOptions = {}) {
    this.opts = { loss: 0, duplicate: 0, latency: 10, jitter: 0, seed: 1, bytesPerMs: 0, ownedDelivery: false, ...opts };
    this.ownedDelivery = this.opts.ownedDelivery;
    this.rng = new SeededRandom(this.opts.seed);
  }

  addHost(options: HostCoreOptions = {}, address = "10.0.0." + (this.hosts.length + 1), port = 7000 + this.hosts.length): SimHost {
    let seed = this.hosts.length * 7919 + 17;
    const core = new HostCore({
      randomU32: () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed;
      },
      ...options,
    });
    const h = new SimHost(core, address, port);
    this.hosts.push(h);
    return h;
  }

  /** The host bound at `address:port`, if any. */
  hostAt(address: string, port: number): SimHost | undefined {
    return this.hosts.find((h) => h.address === address && h.port === port);
  }

  /** Collect and put on the wire everything the hosts want to send. */
  pump(): void {
    for (const h of this.hosts) {
      for (let t = h.core.pollTransmit(); t !== null; t = h.core.pollTransmit()) {
        const to = this.hostAt(t.address, t.port);
        if (to === undefined) continue;
        this.tap?.(t.data, h, to);
        this.enqueue(h, to, t.data);
      }
    }
  }

  /**
   * Connect `client` to `server` with `channels` channels (events of every host discarded) and
   * return both ends: the client's peer and the server's. Throws if the handshake does not finish.
   */
  connectPair(client: SimHost, server: SimHost, channels: number): { clientPeer: PeerCore; serverPeer: PeerCore } {
    const clientPeer = client.core.slotOf(client.core.connect(server.address, server.port, channels, 0)!);
    this.runUntil(this.now + 1000, () => {
      for (const h of this.hosts) while (h.core.pollEvent());
    });
    const serverPeer = server.core.peers.find((x) => x.state === PeerState.STATE_CONNECTED && x.address === client.address && x.port === client.port);
    if (clientPeer.state !== PeerState.STATE_CONNECTED || serverPeer === undefined) throw new Error(`connectPair: not connected within 1 s (client state ${clientPeer.state})`);
    return { clientPeer, serverPeer };
  }

  inject(to: SimHost, data: Uint8Array, fromAddress: string, fromPort: number): void {
    this.queue.push({ at: this.now, seq: this.seq++, to, data, fromAddress, fromPort });
  }

  /** Drop everything between two hosts from now on (both directions) when true. */
  cut = false;

  private enqueue(from: SimHost, to: SimHost, data: Uint8Array): void {
    const o = this.opts;
    if (this.cut || this.drop?.(data, from, to)) {
      this.lost++;
      return;
    }
    if (o.loss > 0 && this.rng.nextFloat() < o.loss) {
      this.lost++;
      return;
    }
    let departure = this.now;
    if (o.bytesPerMs > 0) {
      const busy = Math.max(this.linkBusyUntil.get(from) ?? 0, this.now);
      departure = busy + data.length / o.bytesPerMs;
      this.linkBusyUntil.set(from, departure);
    }
    const copies = o.duplicate > 0 && this.rng.nextFloat() < o.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const at = departure + o.latency + (o.jitter > 0 ? this.rng.nextFloat() * o.jitter : 0);
      this.queue.push({ at, seq: this.seq++, to, data, fromAddress: from.address, fromPort: from.port });
    }
  }

  /** Advance virtual time to `until`, delivering datagrams and servicing hosts at their deadlines. */
  runUntil(until: number, onStep?: () => void): void {
    for (let guard = 0; guard < 10_000_000; guard++) {
      for (const h of this.hosts) h.core.service(this.now);
      this.pump();
      onStep?.();
      this.pump();
      let next = until;
      for (const f of this.queue) if (f.at < next) next = f.at;
      for (const h of this.hosts) {
        const t = h.core.pollTimeout();
        if (t !== null && t < next) next = Math.max(t, this.now);
      }
      if (next <= this.now) next = this.now + 1;
      if (next > until) {
        this.now = until;
        for (const h of this.hosts) h.core.service(this.now);
        this.pump();
        return;
      }
      this.now = next;
      const due = this.queue.filter((f) => f.at <= this.now).sort((a, b) => a.at - b.at || a.seq - b.seq);
      if (due.length > 0) {
        this.queue = this.queue.filter((f) => f.at > this.now);
        for (const f of due) {
          this.delivered++;
          if (this.ownedDelivery) f.to.core.handleDatagram(this.now, f.data.slice(), f.fromAddress, f.fromPort, true);
          else f.to.core.handleDatagram(this.now, f.data, f.fromAddress, f.fromPort);
          this.afterDeliver?.(f.to);
        }
      }
    }
    throw new Error("simulation did not reach its end time");
  }
}

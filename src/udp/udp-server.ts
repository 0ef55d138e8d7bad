/**
 * Godot's UDPServer: one socket whose datagrams are routed by sender. A sender already taken
 * (takeConnection) gets its datagrams in its PacketPeerUDP's queue; a new sender becomes a
 * pending connection holding its first datagram, at most maxPendingConnections of them.
 */
import { GodotError, NetError } from "../errors.ts";
import { asGodotBindFailure } from "../ip/bind-failure.ts";
import { checkAddressType, checkPort, formatEndpoint } from "../transport/addresses.ts";
import { resolveIo } from "../transport/registry.ts";
import type { Clock, DatagramTransport, IoOptions, RuntimeAdapter } from "../transport/types.ts";
import { checkInt } from "../util/args.ts";
import { copyBytes } from "../util/copy-bytes.ts";
import { attachToServer, detachFromServer, PacketPeerUDP, sendDatagram, storePacket, type SharedUdpSocket } from "./packet-peer-udp.ts";

/** Godot's default max_pending_connections. */
export const DEFAULT_MAX_PENDING_UDP_CONNECTIONS = 16;
/** Largest maxPendingConnections accepted: each pending sender holds up to a 64 KiB receive buffer. */
export const MAX_PENDING_UDP_CONNECTIONS_LIMIT = 4096;

export interface UDPServerCounters {
  /** Datagrams from new senders dropped because maxPendingConnections were already waiting (Godot drops them too). */
  droppedConnections: number;
  /** Datagrams refused by a full PacketPeerUDP receive buffer. */
  droppedPackets: number;
}

export class UDPServer {
  private readonly runtime: RuntimeAdapter;
  private readonly clock: Clock;
  private transport: DatagramTransport | null = null;
  private starting = false;
  private generation = 0;
  private boundPort = 0;
  private maxPending = DEFAULT_MAX_PENDING_UDP_CONNECTIONS;
  private readonly taken = new Map<string, PacketPeerUDP>();
  private readonly pending = new Map<string, PacketPeerUDP>();
  readonly counters: UDPServerCounters = { droppedConnections: 0, droppedPackets: 0 };
  private readonly shared: SharedUdpSocket;

  constructor(opts: IoOptions = {}) {
    const { runtime, clock } = resolveIo(opts);
    this.runtime = runtime;
    this.clock = clock;
    this.shared = {
      clock,
      send: (data, address, port) => this.send(data, address, port),
      localPort: () => this.boundPort,
      forget: (peer) => this.forget(peer),
    };
  }

  /** New senders kept waiting for takeConnection() at most; 0 refuses every new sender. Lowering it drops the newest waiting ones. */
  get maxPendingConnections(): number {
    return this.maxPending;
  }
  set maxPendingConnections(max: number) {
    checkInt(max, "maxPendingConnections", 0, MAX_PENDING_UDP_CONNECTIONS_LIMIT);
    this.maxPending = max;
    const excess = [...this.pending.entries()].slice(max);
    for (const [key, peer] of excess) {
      this.pending.delete(key);
      peer[detachFromServer]();
    }
  }
  getMaxPendingConnections(): number {
    return this.maxPending;
  }
  setMaxPendingConnections(max: number): void {
    this.maxPendingConnections = max;
  }

  /**
   * Open the socket on `port` (0 = any free port) at `bindAddress` ("*" = every address, IPv4 and
   * IPv6). Rejects with NetError: ERR_ALREADY_IN_USE (listening already), ERR_UNAVAILABLE (the
   * OS refused the bind: port taken, address not on this machine), as Godot's; ERR_CANT_CREATE.
   */
  async listen(port: number, bindAddress = "*"): Promise<void> {
    checkPort(port, "listen: port", 0);
    checkAddressType(bindAddress, "listen: bindAddress");
    const what = `listen on UDP ${formatEndpoint(bindAddress, port)}`;
    if (this.transport || this.starting) throw new NetError(GodotError.ERR_ALREADY_IN_USE, `${what}: already listening, call stop() first`);
    this.starting = true;
    const generation = ++this.generation;
    const transport = this.runtime.createDatagramTransport();
    transport.onDatagram((data, address, fromPort, owned) => this.receive(data, address, fromPort, owned === true));
    try {
      const bound = await transport.bind(bindAddress, port);
      if (generation !== this.generation) throw new NetError(GodotError.FAILED, `${what}: stop() was called while starting`);
      this.transport = transport;
      this.boundPort = bound.port;
    } catch (err) {
      transport.close();
      throw asGodotBindFailure(err, bindAddress);
    } finally {
      if (generation === this.generation) this.starting = false;
    }
  }

  /**
   * OK, or ERR_UNCONFIGURED when not listening. Datagrams are routed as they arrive (there is no
   * OS queue to drain, unlike Godot's), so this only reports the state; call it as Godot code does.
   */
  poll(): GodotError {
    return this.transport ? GodotError.OK : GodotError.ERR_UNCONFIGURED;
  }

  isListening(): boolean {
    return this.transport !== null;
  }

  /** The port listened on, 0 when not listening. */
  getLocalPort(): number {
    return this.boundPort;
  }

  /** True when a datagram from a new sender waits in a pending connection. */
  isConnectionAvailable(): boolean {
    return this.transport !== null && this.pending.size > 0;
  }

  /** The oldest pending sender as a PacketPeerUDP connected to it, its first datagrams queued; null when none waits. */
  takeConnection(): PacketPeerUDP | null {
    if (!this.transport) return null;
    const first = this.pending.entries().next();
    if (first.done) return null;
    const [key, peer] = first.value;
    this.pending.delete(key);
    this.taken.set(key, peer);
    return peer;
  }

  /** Close the socket; every peer handed out or pending is closed (remote peers are not told, as in Godot). */
  stop(): void {
    this.generation++;
    this.starting = false;
    this.transport?.close();
    this.transport = null;
    this.boundPort = 0;
    const peers = [...this.taken.values(), ...this.pending.values()];
    this.taken.clear();
    this.pending.clear();
    for (const peer of peers) peer[detachFromServer]();
  }

  private receive(data: Uint8Array, address: string, port: number, owned: boolean): void {
    const key = `${address}|${port}`;
    const known = this.taken.get(key) ?? this.pending.get(key);
    const packet = owned ? data : copyBytes(data);
    if (known) {
      if (!known[storePacket](packet, address, port)) this.counters.droppedPackets++;
      return;
    }
    if (this.pending.size >= this.maxPending) {
      this.counters.droppedConnections++;
      return;
    }
    const peer = new PacketPeerUDP({ runtime: this.runtime, clock: this.clock });
    peer[attachToServer](this.shared, address, port);
    if (!peer[storePacket](packet, address, port)) {
      this.counters.droppedPackets++;
      return;
    }
    this.pending.set(key, peer);
  }

  private send(data: Uint8Array, address: string, port: number): GodotError {
    const transport = this.transport;
    if (!transport) return GodotError.ERR_UNCONFIGURED;
    return sendDatagram(transport, data, address, port);
  }

  private forget(peer: PacketPeerUDP): void {
    for (const table of [this.taken, this.pending]) {
      for (const [key, p] of table) {
        if (p === peer) {
          table.delete(key);
          return;
        }
      }
    }
  }
}

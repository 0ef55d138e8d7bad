/**
 * Godot's PacketPeerUDP: one UDP socket seen as a packet peer, or one remote address of a
 * UDPServer's socket. Received datagrams are queued on arrival under Godot's receive-buffer
 * accounting; the socket opens on demand (putPacket, connectToHost) as Godot's does.
 */
import { VariantPacketPeer } from "../core/packet-peer.ts";
import { GodotError, NetError } from "../errors.ts";
import { asGodotBindFailure } from "../ip/bind-failure.ts";
import { checkAddressType, checkPort, formatEndpoint, ipFamily } from "../transport/addresses.ts";
import { godotIpText } from "../transport/memory-address.ts";
import { resolveIo } from "../transport/registry.ts";
import type { Clock, DatagramTransport, IoOptions, RuntimeAdapter } from "../transport/types.ts";
import { checkBool, checkInt, checkString } from "../util/args.ts";
import { copyBytes } from "../util/copy-bytes.ts";
import { Fifo } from "../util/fifo.ts";

/** Godot's default receive buffer (bind's recvBufSize). */
export const DEFAULT_RECV_BUFFER_SIZE = 65536;
/** Largest recvBufSize accepted (Godot's ring buffer sizes stop at 2^31 bytes). */
export const MAX_RECV_BUFFER_SIZE = 1 << 30;
/** What Godot's ring buffer stores beside each packet (a 16-byte address, the port, the length): counted against the buffer. */
export const PACKET_RECORD_OVERHEAD = 24;
/** Packets putPacket holds while the socket it opened on demand is still opening; more are refused (ERR_BUSY). */
export const MAX_SENDS_WHILE_OPENING = 64;

const LIMITED_BROADCAST = "255.255.255.255";

/** Godot's ring buffer holds 2^(bit length of recvBufSize) bytes, one of which is never used. */
function ringCapacity(recvBufSize: number): number {
  return 2 ** (Math.floor(Math.log2(recvBufSize)) + 1) - 1;
}

/**
 * The buffer of a socket bind() did not size (one opened on demand, or after close()): Godot's
 * constructor and close() leave its ring buffer at 2^16 bytes, half what bind's default gives.
 */
const UNBOUND_CAPACITY = 2 ** 16 - 1;

/** The socket a UDPServer shares with the peers it hands out (see UDPServer). */
export interface SharedUdpSocket {
  readonly clock: Clock;
  send(data: Uint8Array, address: string, port: number): GodotError;
  localPort(): number;
  forget(peer: PacketPeerUDP): void;
}

/** One datagram out, as Godot's put_packet reports it: FAILED when the socket refuses it (closed, too large, unreachable family). */
export function sendDatagram(transport: DatagramTransport, data: Uint8Array, address: string, port: number): GodotError {
  try {
    transport.send(data, address, port);
    return GodotError.OK;
  } catch (err) {
    if (err instanceof NetError) return GodotError.FAILED;
    throw err;
  }
}

/** Internal hooks between PacketPeerUDP, UDPServer and PacketPeerDTLS; not exported from the package. */
export const attachToServer = Symbol("attachToServer");
export const detachFromServer = Symbol("detachFromServer");
export const storePacket = Symbol("storePacket");
export const clockOf = Symbol("clockOf");

interface QueuedPacket {
  data: Uint8Array;
  address: string;
  port: number;
}

export interface UdpDropCounters {
  /** Datagrams dropped because the receive buffer was full (Godot drops them too). */
  receiveBufferFull: number;
  /** Datagrams from another address than the one connectToHost named (the OS drops these for Godot). */
  foreignSender: number;
  /** Packets refused because MAX_SENDS_WHILE_OPENING were already waiting for the socket. */
  sendsWhileOpening: number;
  /** Packets lost because the socket opened on demand failed to open. */
  sendsLostOpening: number;
}

export class PacketPeerUDP extends VariantPacketPeer {
  private readonly runtime: RuntimeAdapter;
  private readonly clock: Clock;
  private transport: DatagramTransport | null = null;
  private opening: Promise<void> | null = null;
  /** Bumped by close(): an open that finishes after it is discarded. */
  private generation = 0;
  private server: SharedUdpSocket | null = null;
  private localPort = 0;

  private connected = false;
  private peerAddress = "";
  /** peerAddress in Godot's text, the form a connected socket compares senders in ("::1" and "0:0:0:0:0:0:0:1" are one address). */
  private peerText = "";
  private peerPort = 0;
  private broadcast = false;

  private readonly received = new Fifo<QueuedPacket>();
  private receivedBytes = 0;
  private capacity = UNBOUND_CAPACITY;
  private packetIp = "";
  private packetPort = 0;
  private packetError = GodotError.OK;
  private readonly sendsWhileOpening: QueuedPacket[] = [];
  private waiters: ((code: GodotError) => void)[] = [];
  readonly drops: UdpDropCounters = { receiveBufferFull: 0, foreignSender: 0, sendsWhileOpening: 0, sendsLostOpening: 0 };

  constructor(opts: IoOptions = {}) {
    super();
    const { runtime, clock } = resolveIo(opts);
    this.runtime = runtime;
    this.clock = clock;
  }

  /**
   * Bind to `port` (0 = any free port) on `bindAddress` ("*" = every address, IPv4 and IPv6),
   * queueing at most `recvBufSize` bytes of received packets as Godot does (each also costs
   * PACKET_RECORD_OVERHEAD). Rejects with NetError: ERR_ALREADY_IN_USE (open already),
   * ERR_UNAVAILABLE (the OS refused the bind: port taken, address not on this machine), as
   * Godot's; ERR_CANT_CREATE.
   */
  async bind(port: number, bindAddress = "*", recvBufSize = DEFAULT_RECV_BUFFER_SIZE): Promise<void> {
    checkPort(port, "bind: port", 0);
    checkAddressType(bindAddress, "bind: bindAddress");
    checkInt(recvBufSize, "bind: recvBufSize", 1, MAX_RECV_BUFFER_SIZE);
    if (this.server || this.transport || this.opening) {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, `bind ${formatEndpoint(bindAddress, port)}: the socket is already open (close() it first)`);
    }
    this.capacity = ringCapacity(recvBufSize);
    try {
      await this.open(bindAddress, port);
    } catch (err) {
      throw asGodotBindFailure(err, bindAddress);
    }
  }

  /**
   * Accept packets from `host:port` only and send there. Opens the socket first when needed (any
   * port). An IP literal takes effect at once; a host name once resolved. Clears the receive
   * queue. Rejects with NetError: ERR_LOCKED (a UDPServer's peer), ERR_CANT_RESOLVE, ERR_CANT_CREATE.
   */
  async connectToHost(host: string, port: number): Promise<void> {
    checkString(host, "connectToHost: host", { nonEmpty: true });
    checkPort(port, "connectToHost: port", 1);
    if (this.server) throw new NetError(GodotError.ERR_LOCKED, "connectToHost: this peer belongs to a UDPServer (it is connected already)");
    const address = ipFamily(host) !== 0 ? host : (await this.runtime.resolve(host, "PacketPeerUDP.connectToHost")).address;
    this.connected = true;
    this.setPeer(address, port);
    this.clearReceived();
    await this.ensureOpen(address);
  }

  isSocketConnected(): boolean {
    return this.connected;
  }

  /**
   * Where putPacket sends. An IP literal takes effect at once; a host name once resolved.
   * Rejects with NetError: ERR_LOCKED on a connected socket (Godot logs and ignores), ERR_CANT_RESOLVE.
   */
  setDestAddress(host: string, port: number): Promise<void> {
    checkString(host, "setDestAddress: host", { nonEmpty: true });
    checkPort(port, "setDestAddress: port", 1);
    if (this.connected) return Promise.reject(new NetError(GodotError.ERR_LOCKED, "setDestAddress: the destination of a connected socket cannot change"));
    if (ipFamily(host) !== 0) {
      this.setPeer(host, port);
      return Promise.resolve();
    }
    return this.runtime.resolve(host, "PacketPeerUDP.setDestAddress").then((r) => {
      if (this.connected) throw new NetError(GodotError.ERR_LOCKED, "setDestAddress: the socket was connected meanwhile");
      this.setPeer(r.address, port);
    });
  }

  /**
   * Allow sending to broadcast addresses. Without it, a packet to 255.255.255.255 fails
   * (FAILED, as the OS refuses it to Godot); subnet broadcasts are refused by the OS where it
   * has the switch (Node, Bun), which UDP reports as a lost datagram.
   */
  setBroadcastEnabled(enabled: boolean): void {
    checkBool(enabled, "setBroadcastEnabled: enabled");
    if (this.server) throw new NetError(GodotError.ERR_LOCKED, "setBroadcastEnabled: this peer uses its UDPServer's socket");
    this.broadcast = enabled;
    this.applyBroadcast();
  }

  /**
   * Receive packets sent to the multicast group `multicastAddress` on the interface named
   * `interfaceName` ("" lets the OS choose). Bind first to receive on a known port. Rejects with
   * NetError: ERR_LOCKED (a UDPServer's peer), ERR_UNAVAILABLE where the runtime cannot join
   * (the memory network; IPv6 groups on Deno), ERR_CANT_CREATE when the OS refuses.
   */
  async joinMulticastGroup(multicastAddress: string, interfaceName: string): Promise<void> {
    const transport = await this.multicastSocket("joinMulticastGroup", multicastAddress, interfaceName, true);
    await transport.joinMulticastGroup!(multicastAddress, interfaceName);
  }

  /** Stop receiving the group's packets. Rejects like joinMulticastGroup, ERR_UNCONFIGURED when the socket is not open. */
  async leaveMulticastGroup(multicastAddress: string, interfaceName: string): Promise<void> {
    const transport = await this.multicastSocket("leaveMulticastGroup", multicastAddress, interfaceName, false);
    await transport.leaveMulticastGroup!(multicastAddress, interfaceName);
  }

  private async multicastSocket(what: string, group: string, interfaceName: string, openIfNeeded: boolean): Promise<DatagramTransport> {
    checkString(group, `${what}: multicastAddress`, { nonEmpty: true });
    checkString(interfaceName, `${what}: interfaceName`);
    if (ipFamily(group) === 0) {
      throw new NetError(GodotError.ERR_INVALID_PARAMETER, `${what}: "${group}" is not an IP address`);
    }
    if (this.server) throw new NetError(GodotError.ERR_LOCKED, `${what}: this peer uses its UDPServer's socket`);
    if (openIfNeeded) await this.ensureOpen(group);
    else if (this.opening) await this.opening;
    const transport = this.transport;
    if (!transport) throw new NetError(GodotError.ERR_UNCONFIGURED, `${what}: the socket is not open`);
    if (typeof transport.joinMulticastGroup !== "function" || typeof transport.leaveMulticastGroup !== "function") {
      throw new NetError(GodotError.ERR_UNAVAILABLE, `${what}: multicast is not available on the ${this.runtime.name} runtime adapter`);
    }
    return transport;
  }

  /** True while the socket is open (bound, opened by putPacket/connectToHost, or a UDPServer's). */
  isBound(): boolean {
    return this.server !== null || this.transport !== null;
  }

  /** The local port, 0 when the socket is not open. */
  getLocalPort(): number {
    return this.server ? this.server.localPort() : this.localPort;
  }

  /**
   * Address of the sender of the last packet getPacket() returned (a UDPServer's peer: its remote
   * until then), in the text Godot's IPAddress prints, as IP.getLocalAddresses() gives it: IPv6 as
   * eight groups without "::" ("0:0:0:0:0:0:0:1"), IPv4-mapped as IPv4.
   */
  getPacketIp(): string {
    return godotIpText(this.packetIp) ?? this.packetIp;
  }

  getPacketPort(): number {
    return this.packetPort;
  }

  /**
   * Close the socket and forget queued packets (a UDPServer's peer: leave the server, whose
   * socket stays open; the next packet from that address is a new connection).
   */
  close(): void {
    this.generation++;
    if (this.server) {
      this.server.forget(this);
      this.server = null;
    }
    this.transport?.close();
    this.transport = null;
    this.opening = null;
    this.localPort = 0;
    this.connected = false;
    this.sendsWhileOpening.length = 0;
    this.clearReceived();
    this.capacity = UNBOUND_CAPACITY;
    this.settleWaiters(GodotError.ERR_UNCONFIGURED);
  }

  /**
   * Resolves OK once a packet is queued (at once if one is), ERR_UNCONFIGURED when the socket is
   * not open or closes first. Godot's wait() blocks the thread; an event loop cannot block.
   */
  wait(): Promise<GodotError> {
    if (this.received.length > 0) return Promise.resolve(GodotError.OK);
    if (!this.isBound() && !this.opening) return Promise.resolve(GodotError.ERR_UNCONFIGURED);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  // ---- PacketPeer ----

  getAvailablePacketCount(): number {
    return this.received.length;
  }

  /**
   * The oldest queued packet; empty with getPacketError() ERR_UNAVAILABLE when none is queued,
   * FAILED when the socket is not open (Godot's get_packet fails its poll of a closed socket).
   */
  getPacket(): Uint8Array {
    const next = this.received.shift();
    if (!next) {
      this.packetError = this.isBound() || this.opening ? GodotError.ERR_UNAVAILABLE : GodotError.FAILED;
      return new Uint8Array(0);
    }
    this.receivedBytes -= next.data.length + PACKET_RECORD_OVERHEAD;
    this.packetIp = next.address;
    this.packetPort = next.port;
    this.packetError = GodotError.OK;
    return next.data;
  }

  getPacketError(): GodotError {
    return this.packetError;
  }

  /**
   * Send one datagram to the connected or destination address: OK, ERR_UNCONFIGURED (no
   * destination), FAILED (refused: a broadcast without setBroadcastEnabled, an address of the
   * other family than the socket), ERR_BUSY (too many packets waiting for an opening socket).
   * An empty packet sends nothing and is OK, as Godot's put_packet binding answers it before the
   * socket sees it. Throws RangeError above the UDP maximum (65507 bytes IPv4, 65527 IPv6).
   */
  putPacket(buffer: Uint8Array): GodotError {
    if (!(buffer instanceof Uint8Array)) throw new TypeError("putPacket: buffer must be a Uint8Array");
    if (buffer.length === 0) return GodotError.OK;
    if (this.peerPort === 0) return GodotError.ERR_UNCONFIGURED;
    if (this.peerAddress === LIMITED_BROADCAST && !this.broadcast) return GodotError.FAILED;
    if (this.server) return this.server.send(buffer, this.peerAddress, this.peerPort);
    if (this.transport) return this.sendNow(this.transport, buffer, this.peerAddress, this.peerPort);
    if (this.sendsWhileOpening.length >= MAX_SENDS_WHILE_OPENING) {
      this.drops.sendsWhileOpening++;
      return GodotError.ERR_BUSY;
    }
    this.sendsWhileOpening.push({ data: copyBytes(buffer), address: this.peerAddress, port: this.peerPort });
    void this.ensureOpen(this.peerAddress).catch(() => {});
    return GodotError.OK;
  }

  private sendNow(transport: DatagramTransport, data: Uint8Array, address: string, port: number): GodotError {
    return sendDatagram(transport, data, address, port);
  }


  // ---- socket ----

  /** Open on demand, on the wildcard of `towards`'s family (Godot opens its socket for the peer's IP type). */
  private ensureOpen(towards: string): Promise<void> {
    if (this.server || this.transport) return Promise.resolve();
    if (this.opening) return this.opening;
    return this.open(ipFamily(towards) === 6 ? "::" : "0.0.0.0", 0);
  }

  private open(address: string, port: number): Promise<void> {
    const generation = this.generation;
    const transport = this.runtime.createDatagramTransport();
    transport.onDatagram((data, from, fromPort, owned) => this.receive(data, from, fromPort, owned === true));
    const opening = transport.bind(address, port).then(
      (bound) => {
        if (generation !== this.generation) {
          transport.close();
          throw new NetError(GodotError.ERR_UNCONFIGURED, `bind ${formatEndpoint(address, port)}: close() was called while opening`);
        }
        this.transport = transport;
        this.opening = null;
        this.localPort = bound.port;
        this.applyBroadcast();
        for (const p of this.sendsWhileOpening.splice(0)) this.sendNow(transport, p.data, p.address, p.port);
      },
      (err: unknown) => {
        transport.close();
        if (generation === this.generation) {
          this.opening = null;
          this.drops.sendsLostOpening += this.sendsWhileOpening.length;
          this.sendsWhileOpening.length = 0;
          this.settleWaiters(GodotError.ERR_UNCONFIGURED);
        }
        throw err;
      },
    );
    this.opening = opening;
    return opening;
  }

  private applyBroadcast(): void {
    try {
      this.transport?.setBroadcast?.(this.broadcast);
    } catch {
      // A socket that cannot switch broadcasting keeps the OS default; our own 255.255.255.255 rule still holds.
    }
  }

  private setPeer(address: string, port: number): void {
    this.peerAddress = address;
    this.peerText = godotIpText(address) ?? address;
    this.peerPort = port;
  }

  private receive(data: Uint8Array, address: string, port: number, owned: boolean): void {
    if (this.connected && (port !== this.peerPort || (address !== this.peerAddress && godotIpText(address) !== this.peerText))) {
      this.drops.foreignSender++;
      return;
    }
    this[storePacket](owned ? data : copyBytes(data), address, port);
  }

  /** Queue a received packet under Godot's buffer accounting; false (and counted) when it does not fit. */
  [storePacket](data: Uint8Array, address: string, port: number): boolean {
    const cost = data.length + PACKET_RECORD_OVERHEAD;
    if (this.receivedBytes + cost > this.capacity) {
      this.drops.receiveBufferFull++;
      return false;
    }
    this.received.push({ data, address, port });
    this.receivedBytes += cost;
    this.settleWaiters(GodotError.OK);
    return true;
  }

  /** Become a UDPServer's peer for `address:port` (Godot's connect_shared_socket). */
  [attachToServer](server: SharedUdpSocket, address: string, port: number): void {
    this.server = server;
    this.connected = true;
    this.setPeer(address, port);
    this.packetIp = address;
    this.packetPort = port;
  }

  /** The server stopped: this peer is closed, as Godot's disconnect_shared_socket leaves it. */
  [detachFromServer](): void {
    this.server = null;
    this.close();
  }

  [clockOf](): Clock {
    return this.server?.clock ?? this.clock;
  }

  private clearReceived(): void {
    this.received.clear();
    this.receivedBytes = 0;
  }

  private settleWaiters(code: GodotError): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(code);
  }
}

/**
 * Godot's StreamPeerTCP: a TCP connection with the StreamPeer buffer API and
 * the StreamPeerSocket status machine. Host names are resolved by the runtime
 * adapter; IPv4 and IPv6 literals and names all work.
 */
import { GodotError, NetError } from "../errors.ts";
import { asGodotBindFailure } from "../ip/bind-failure.ts";
import { checkAddressType, checkPort, formatEndpoint, ipFamily, isWildcardAll } from "../transport/addresses.ts";
import { godotIpText } from "../transport/memory-address.ts";
import type { Listener, Stream, StreamConnectOptions } from "../transport/types.ts";
import { StreamPeerSocket, type StreamPeerSocketOptions } from "./stream-peer-socket.ts";

export type StreamPeerTCPOptions = StreamPeerSocketOptions;

export class StreamPeerTCP extends StreamPeerSocket {
  private peerHost = "";
  private peerPort = 0;
  private bindHost: string | null = null;
  private bindPort = 0;
  /**
   * What holds the bound port between bind() and connectToHost(): a listening socket that
   * closes whatever connects to it (no runtime lets a program bind a TCP socket without
   * connecting or listening), released right before the connect that uses the port.
   */
  private reservation: Listener | null = null;

  constructor(opts: StreamPeerTCPOptions = {}) {
    super(opts);
  }

  /** Wrap a stream a TCPServer accepted. */
  static fromAccepted(stream: Stream, opts: StreamPeerTCPOptions): StreamPeerTCP {
    const peer = new StreamPeerTCP(opts);
    peer.attach(stream);
    return peer;
  }

  /**
   * Godot's bind: open the socket on `host` ("*" = any address, otherwise an IP literal)
   * and `port` (0 = the OS picks) now, so getLocalPort() tells the port before
   * connecting (the NAT punch-through flow); the next connectToHost connects from it.
   * Async because opening a socket is. Rejects with NetError: ERR_ALREADY_IN_USE when
   * the peer is connecting/connected, ERR_INVALID_PARAMETER when `host` is not "*" or an IP
   * address, ERR_UNAVAILABLE when the OS refuses the bind (port taken, address not on this
   * machine), as Godot's; RangeError/TypeError for bad arguments.
   * A second bind replaces the first; disconnectFromHost() releases it.
   */
  async bind(port: number, host = "*"): Promise<void> {
    checkPort(port, "bind: port", 0);
    checkAddressType(host, "bind: host");
    if (this.status !== StreamPeerTCP.Status.STATUS_NONE || this.stream) {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, "bind: the peer is connecting or connected");
    }
    // Godot's bind takes an IPAddress: "*" or a literal, never a name.
    if (!isWildcardAll(host) && ipFamily(host) === 0) {
      throw new NetError(GodotError.ERR_INVALID_PARAMETER, `bind: host must be "*" or an IP address, got "${host}"`);
    }
    this.releaseBind();
    let listener: Listener;
    try {
      listener = await this.runtime.streams.listen({ host: isWildcardAll(host) ? "*" : host, port }, (intruder) => intruder.close());
    } catch (err) {
      throw asGodotBindFailure(err, host);
    }
    if (this.status !== StreamPeerTCP.Status.STATUS_NONE || this.reservation !== null) {
      // A connect or another bind started while this one was opening: it wins.
      void listener.close().catch(() => undefined);
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, "bind: the peer started connecting (or was bound again) while binding");
    }
    this.reservation = listener;
    this.bindHost = host;
    this.bindPort = listener.port;
  }

  /** Forget the bind and close what holds its port. */
  private releaseBind(): Promise<void> {
    const reservation = this.reservation;
    this.reservation = null;
    this.bindHost = null;
    this.bindPort = 0;
    return reservation ? reservation.close().catch(() => undefined) : Promise.resolve();
  }

  /**
   * Connect to `host` (IP literal or name) on `port` (1..65535). The status is
   * CONNECTING at once; the promise resolves when CONNECTED and rejects with a
   * NetError: ERR_ALREADY_IN_USE (not NONE), ERR_CANT_RESOLVE (status back to
   * NONE; also for "" and "*", as Godot's), ERR_INVALID_PARAMETER (not an address or host name), or
   * ERR_CONNECTION_ERROR (refused, unreachable or timed out; status ERROR).
   * Poll-driven code may ignore the promise and watch getStatus() instead.
   */
  connectToHost(host: string, port: number): Promise<void> {
    try {
      checkAddressType(host, "connectToHost: host");
      checkPort(port, "connectToHost: port", 1);
      // Godot takes "" and "*" for host names, which do not resolve.
      if (host === "" || isWildcardAll(host)) {
        throw new NetError(GodotError.ERR_CANT_RESOLVE, `connectToHost: "${host}" is not a host to connect to`);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    // Busy peers keep their current address; startConnect rejects with ERR_ALREADY_IN_USE.
    if (this.status === StreamPeerTCP.Status.STATUS_NONE) {
      this.peerHost = host;
      this.peerPort = port;
    }
    const bindHost = this.bindHost;
    const bindPort = this.bindPort;
    if (this.status === StreamPeerTCP.Status.STATUS_NONE) {
      // As in Godot, where the bound socket is the one the connect uses up: the next connect is unbound again.
      this.releasing = this.reservation ? this.releaseBind() : null;
      this.bindHost = null;
      this.bindPort = 0;
    }
    const local = bindHost === null ? {} : { localAddress: isWildcardAll(bindHost) ? undefined : bindHost, localPort: bindPort };
    return this.startConnect({ host, port, ...local }, (stream) => {
      // An adapter that ignored the local endpoint must not pass unnoticed.
      if (bindHost === null) return null;
      const portOk = bindPort === 0 || stream.localPort === bindPort;
      const hostOk = isWildcardAll(bindHost) || stream.localAddress === bindHost;
      if (portOk && hostOk) return null;
      return new NetError(
        GodotError.ERR_UNAVAILABLE,
        `connectToHost: bind(${bindPort}, "${bindHost}") could not be honoured by the ${this.runtime.name} adapter (connected from ${formatEndpoint(stream.localAddress, stream.localPort)})`,
      );
    });
  }

  /** The port is free once the reservation has closed; only then may the connect take it (null: nothing to wait for). */
  private releasing: Promise<void> | null = null;

  protected override openStream(target: StreamConnectOptions): Promise<Stream> {
    const releasing = this.releasing;
    this.releasing = null;
    return releasing ? releasing.then(() => super.openStream(target)) : super.openStream(target);
  }

  protected override attach(stream: Stream): void {
    super.attach(stream);
    // Report the address actually connected to (names resolve to an IP, as in Godot).
    this.peerHost = stream.remoteAddress;
    this.peerPort = stream.remotePort;
  }

  /**
   * The remote IP address ("" when not connected), in the text Godot's IPAddress prints, as
   * IP.getLocalAddresses() gives it: IPv6 as eight groups without "::" ("0:0:0:0:0:0:0:1").
   */
  getConnectedHost(): string {
    return godotIpText(this.peerHost) ?? this.peerHost;
  }

  /** The remote port (0 when not connected). */
  getConnectedPort(): number {
    return this.peerPort;
  }

  /** The local port of the connection, or the bound port before connecting (0 when there is neither). */
  getLocalPort(): number {
    return this.stream?.localPort ?? this.reservation?.port ?? 0;
  }

  /** Disable Nagle's algorithm (true) for lower latency with small writes. Applied once connected. */
  setNoDelay(enabled: boolean): void {
    this.applyNoDelay(enabled);
  }

  protected override describeTarget(): string {
    return `connect to ${formatEndpoint(this.peerHost, this.peerPort)}`;
  }

  protected override onDisconnected(): void {
    this.peerHost = "";
    this.peerPort = 0;
    // Godot's disconnect_from_host closes the socket, a bound one included.
    if (this.reservation !== null) void this.releaseBind();
  }
}

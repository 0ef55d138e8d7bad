/**
 * Godot's StreamPeerTCP: a TCP connection with the StreamPeer buffer API and
 * the StreamPeerSocket status machine. Host names are resolved by the runtime
 * adapter; IPv4 and IPv6 literals and names all work.
 */
import { GodotError, NetError } from "../errors.ts";
import { checkAddressType, checkPort, formatEndpoint, ipFamily, isWildcardAll } from "../transport/addresses.ts";
import type { Stream } from "../transport/types.ts";
import { StreamPeerSocket, type StreamPeerSocketOptions } from "./stream-peer-socket.ts";

export type StreamPeerTCPOptions = StreamPeerSocketOptions;

export class StreamPeerTCP extends StreamPeerSocket {
  private peerHost = "";
  private peerPort = 0;
  private bindHost: string | null = null;
  private bindPort = 0;

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
   * Choose the local address and port the next connectToHost connects from (Godot's bind;
   * `host` "*" means any address, otherwise an IP literal). Port 0 lets the OS
   * pick. Returns ERR_ALREADY_IN_USE when the peer is connecting or connected,
   * ERR_INVALID_PARAMETER when `host` is not "*" or an IP address. The socket is
   * bound when connectToHost runs: a port in use makes it reject with
   * ERR_ALREADY_IN_USE, an address not on this machine with ERR_INVALID_PARAMETER
   * (status back to NONE either way, as after a failed bind in Godot).
   */
  bind(port: number, host = "*"): GodotError {
    checkPort(port, "bind: port", 0);
    checkAddressType(host, "bind: host");
    if (this.status !== StreamPeerTCP.Status.STATUS_NONE || this.stream) return GodotError.ERR_ALREADY_IN_USE;
    // Godot's bind takes an IPAddress: "*" or a literal, never a name.
    if (!isWildcardAll(host) && ipFamily(host) === 0) return GodotError.ERR_INVALID_PARAMETER;
    this.bindHost = host;
    this.bindPort = port;
    return GodotError.OK;
  }

  /**
   * Connect to `host` (IP literal or name) on `port` (1..65535). The status is
   * CONNECTING at once; the promise resolves when CONNECTED and rejects with a
   * NetError: ERR_ALREADY_IN_USE (not NONE), ERR_CANT_RESOLVE (status back to
   * NONE), ERR_INVALID_PARAMETER (not an address or host name), or
   * ERR_CONNECTION_ERROR (refused, unreachable or timed out; status ERROR).
   * Poll-driven code may ignore the promise and watch getStatus() instead.
   */
  connectToHost(host: string, port: number): Promise<void> {
    try {
      checkAddressType(host, "connectToHost: host");
      checkPort(port, "connectToHost: port", 1);
      if (host === "" || isWildcardAll(host)) {
        throw new NetError(GodotError.ERR_INVALID_PARAMETER, `connectToHost: "${host}" is not a valid host to connect to`);
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

  protected override attach(stream: Stream): void {
    super.attach(stream);
    // Report the address actually connected to (names resolve to an IP, as in Godot).
    this.peerHost = stream.remoteAddress;
    this.peerPort = stream.remotePort;
  }

  /** The remote IP address ("" when not connected). */
  getConnectedHost(): string {
    return this.peerHost;
  }

  /** The remote port (0 when not connected). */
  getConnectedPort(): number {
    return this.peerPort;
  }

  /** The local port of the connection (0 when there is none). */
  getLocalPort(): number {
    return this.stream?.localPort ?? 0;
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
  }
}

/**
 * Godot 4.6's StreamPeerUDS and UDSServer: unix domain socket streams with the
 * same buffer API and status machine as TCP. Where the runtime or OS has no
 * unix sockets, connect/listen reject with ERR_UNAVAILABLE.
 */
import { GodotError, NetError } from "../errors.ts";
import type { Stream } from "../transport/types.ts";
import { SocketServer, type SocketServerOptions } from "./socket-server.ts";
import { StreamPeerSocket, type StreamPeerSocketOptions } from "./stream-peer-socket.ts";

export type StreamPeerUDSOptions = StreamPeerSocketOptions;
export type UDSServerOptions = SocketServerOptions;

function checkPath(path: unknown, name: string): asserts path is string {
  if (typeof path !== "string") throw new TypeError(`${name}: path must be a string, got ${typeof path}`);
  if (path.length === 0) throw new NetError(GodotError.ERR_INVALID_PARAMETER, `${name}: path must not be empty`);
}

export class StreamPeerUDS extends StreamPeerSocket {
  private peerPath = "";

  constructor(opts: StreamPeerUDSOptions = {}) {
    super(opts);
  }

  /** Wrap a stream a UDSServer accepted. */
  static fromAccepted(stream: Stream, opts: StreamPeerUDSOptions): StreamPeerUDS {
    const peer = new StreamPeerUDS(opts);
    peer.attach(stream);
    return peer;
  }

  /**
   * Godot binds the client socket to a path of its own before connecting. None of
   * the runtimes (Node, Deno, Bun) can bind a connecting unix socket, so this
   * returns ERR_UNAVAILABLE (ERR_ALREADY_IN_USE when already connecting/connected).
   */
  bind(path: string): GodotError {
    checkPath(path, "bind");
    if (this.status !== StreamPeerUDS.Status.STATUS_NONE) return GodotError.ERR_ALREADY_IN_USE;
    return GodotError.ERR_UNAVAILABLE;
  }

  /**
   * Connect to the unix socket at `path`. Status is CONNECTING at once; the promise
   * resolves when CONNECTED and rejects with a NetError: ERR_ALREADY_IN_USE,
   * ERR_INVALID_PARAMETER (empty or too long path), ERR_UNAVAILABLE (no unix
   * sockets here), or FAILED (nothing listening there; status NONE, as Godot's
   * connect_to_host returns it), ERR_CONNECTION_ERROR after connectTimeoutMs (status ERROR).
   */
  connectToHost(path: string): Promise<void> {
    try {
      checkPath(path, "connectToHost");
    } catch (err) {
      return Promise.reject(err);
    }
    // Busy peers keep their current path; startConnect rejects with ERR_ALREADY_IN_USE.
    if (this.canStartConnect()) this.peerPath = path;
    return this.startConnect({ path });
  }

  protected override refusalEndsInNone(): boolean {
    return true;
  }

  /**
   * Godot 4.6's StreamPeerUDS checks the socket, not the status: ERROR has closed the socket, so
   * a peer in ERROR connects again without disconnectFromHost() (StreamPeerTCP refuses that).
   */
  protected override canStartConnect(): boolean {
    return super.canStartConnect() || this.status === StreamPeerUDS.Status.STATUS_ERROR;
  }

  /** The path given to connectToHost ("" for accepted connections and when not connected, as in Godot). */
  getConnectedPath(): string {
    return this.peerPath;
  }

  protected override describeTarget(): string {
    return `connect to unix socket "${this.peerPath}"`;
  }

  protected override onDisconnected(): void {
    this.peerPath = "";
  }
}

export class UDSServer extends SocketServer<StreamPeerUDS> {
  private path = "";

  constructor(opts: UDSServerOptions = {}) {
    super(opts);
  }

  /**
   * Listen on the unix socket `path`. A socket file left there by a server that is gone (a
   * connect to it is refused) is removed first, as Godot 4.6's listen removes an existing socket
   * file; unlike Godot's, a server still answering there keeps its path. Rejects with a NetError:
   * ERR_ALREADY_IN_USE (already listening, a live server's socket or another file at the path),
   * ERR_INVALID_PARAMETER, ERR_UNAVAILABLE (no unix sockets on this runtime/OS). stop() removes
   * the socket file, as Godot's close does.
   */
  async listen(path: string): Promise<void> {
    checkPath(path, "listen");
    const what = `listen on unix socket "${path}"`;
    const busy = this.busy;
    try {
      await this.startListening({ path }, what);
    } catch (err) {
      const removeStale = this.runtime.streams.removeStaleUnixSocket;
      if (busy || !(err instanceof NetError) || err.code !== GodotError.ERR_ALREADY_IN_USE || removeStale === undefined) throw err;
      if (!(await removeStale(path))) throw err;
      await this.startListening({ path }, what);
    }
    this.path = path;
  }

  /** The path being listened on ("" when not listening). */
  getListeningPath(): string {
    return this.isListening() ? this.path : "";
  }

  protected override wrap(stream: Stream): StreamPeerUDS {
    return StreamPeerUDS.fromAccepted(stream, this.peerOptions);
  }

  protected override onStopped(): void {
    this.path = "";
  }
}

/**
 * The seams between the portable protocol code and a JavaScript runtime.
 * Everything above src/transport imports only these types, never node:*, Deno or Bun.
 */

/** Options for a TLS stream. Client side: `ca`/`verifyHostname`/`serverName`; server side: `cert`/`key`. */
export interface TLSOptions {
  /** PEM certificate chain (server). */
  cert?: string;
  /** PEM private key (server). */
  key?: string;
  /** PEM CA certificates the client trusts instead of the system store. */
  ca?: string | string[];
  /** Check the certificate's common name / SAN against the host (default true). Godot: `TLSOptions.client(trusted, common_name_override)` / `client_unsafe`. */
  verifyHostname?: boolean;
  /** Name to check the certificate against instead of the connect host. */
  serverName?: string;
  /** Skip certificate verification entirely (Godot's `TLSOptions.client_unsafe()`). Default false. */
  unsafe?: boolean;
}

export interface BoundAddress {
  address: string;
  port: number;
}

/** One datagram of a batch, flattened: `[data, address, port]` follow one another. */
export type DatagramTriple = Uint8Array | string | number;

/** One bound UDP socket. */
export interface DatagramTransport {
  bind(address: string, port: number): Promise<BoundAddress>;
  /** Queue one datagram. Throws RangeError above the UDP maximum (65507 IPv4 / 65527 IPv6 payload) and NetError when not bound/closed. */
  send(data: Uint8Array, address: string, port: number): void;
  /**
   * Optional, for runtimes with a batch send (Bun's `sendMany`, one `sendmmsg`): send several
   * datagrams in order, given as flat (data, address, port) triples. Each is checked as `send`
   * checks it; one that `send` would have refused is skipped and counted in the return value,
   * and the others still go. The transport is done with the bytes when this returns.
   */
  sendBatch?(datagrams: readonly DatagramTriple[]): number;
  /**
   * Optional: `send` without the copy, for a caller that can leave the bytes alone (ENet's
   * datagram arena). The runtime reads `data` until the OS has taken it: the caller must not
   * change those bytes while `sendsQueued()` is true. Checked and refused as `send` is.
   */
  sendUncopied?(data: Uint8Array, address: string, port: number): void;
  /** With `sendUncopied`: whether some send may still read the bytes it was given. */
  sendsQueued?(): boolean;
  /**
   * Receive datagrams. `owned` is true when `data` is a fresh array of exactly the datagram's
   * size that the transport never touches again, so the receiver may keep views of it.
   */
  onDatagram(cb: (data: Uint8Array, address: string, port: number, owned?: boolean) => void): void;
  close(): void;
  /**
   * Optional: the socket's SO_BROADCAST switch (PacketPeerUDP.setBroadcastEnabled). Absent where
   * the runtime offers none (Deno's sockets always allow broadcasts; the memory network has none).
   */
  setBroadcast?(enabled: boolean): void;
  /**
   * Optional: join or leave the IP multicast group `group` on the interface named `interfaceName`
   * ("" lets the OS choose). Rejects with NetError. Absent where the runtime cannot do it.
   */
  joinMulticastGroup?(group: string, interfaceName: string): Promise<void>;
  leaveMulticastGroup?(group: string, interfaceName: string): Promise<void>;
}

export type StreamConnectOptions =
  | {
      host: string;
      port: number;
      tls?: TLSOptions;
      /** IP literal to connect from; absent, "" or "*": the OS chooses (Godot's `StreamPeerTCP.bind` host). */
      localAddress?: string;
      /** Port to connect from (0..65535); absent or 0: the OS chooses (Godot's `StreamPeerTCP.bind` port). */
      localPort?: number;
    }
  | { path: string };

export type StreamListenOptions =
  | { host: string; port: number; tls?: TLSOptions }
  | { path: string };

/** One connected byte stream (TCP, TLS or unix socket). */
export interface Stream {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Bytes accepted by `write` and not yet handed to the OS. */
  readonly bufferedAmount: number;
  /** Incoming bytes. The chunk is owned by the callee (adapters never reuse it). */
  onData(cb: (chunk: Uint8Array) => void): void;
  /** The other side half-closed (FIN). Writing may continue. */
  onEnd(cb: () => void): void;
  /** Fully closed. `error` is set when it ended by a reset or failure instead of a clean close. */
  onClose(cb: (error?: Error) => void): void;
  /** The write buffer drained below the high-water mark after `write` returned false. */
  onDrain(cb: () => void): void;
  /**
   * Optional: hand every event to `sink` (instead of the callbacks above, which it replaces, as they
   * replace it), the stream passed along. One sink object can serve many streams, where callbacks
   * are closures per stream (an idle server connection pays for each). Reading starts as with onData.
   */
  setSink?(sink: StreamSink): void;
  /**
   * Queue bytes. Returns false when the caller should wait for `onDrain`. Throws NetError on a
   * closed stream. The bytes are copied unless `owned`: the caller gives them away (nothing
   * writes to them afterwards), so the stream may keep them as they are.
   */
  write(data: Uint8Array, owned?: boolean): boolean;
  /** Stop / restart delivering `onData` (read-side backpressure). */
  pause(): void;
  resume(): void;
  /** Half-close: send FIN after queued data. */
  end(): void;
  /** Close at once, dropping queued data. */
  close(): void;
  setNoDelay(enabled: boolean): void;
}

/** What Stream.setSink delivers to: onData, onEnd, onClose and onDrain, each with the stream they come from. */
export interface StreamSink {
  streamData(stream: Stream, chunk: Uint8Array): void;
  streamEnd(stream: Stream): void;
  streamClose(stream: Stream, error?: Error): void;
  streamDrain(stream: Stream): void;
}

export interface Listener {
  readonly address: string;
  readonly port: number;
  /** Unix socket path when listening on one. */
  readonly path?: string;
  close(): Promise<void>;
}

export interface StreamTransport {
  connect(opts: StreamConnectOptions): Promise<Stream>;
  listen(opts: StreamListenOptions, onStream: (s: Stream) => void): Promise<Listener>;
  /**
   * Optional, where unix sockets are files: remove the socket file at `path` when nothing listens
   * on it any more (a connect is refused); true when it was removed (unix-socket-file.ts).
   */
  removeStaleUnixSocket?(path: string): Promise<boolean>;
}

/** Milliseconds. Real clocks use a monotonic source; the memory network's clock is virtual. */
export interface Clock {
  now(): number;
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Optional: run `cb` once the I/O the runtime has already received is delivered (setImmediate,
   * after the current poll phase). ENet's service() waits for it before running on a datagram, so
   * a read burst delivered as back-to-back callbacks is handled, and acknowledged, at once; a clock
   * without it wakes service() at each datagram (Node's and Bun's adapters have it; Deno's, the
   * browser's and the virtual clock do not).
   */
  setImmediate?(cb: () => void): void;
}

/** Everything runtime-specific, bundled. `detectRuntime()` picks one; an explicit choice always wins. */
export interface RuntimeAdapter {
  readonly name: "node" | "deno" | "bun" | "memory" | "browser";
  createDatagramTransport(): DatagramTransport;
  readonly streams: StreamTransport;
  readonly clock: Clock;
  /**
   * Resolve a host name to one address (IP literals pass through unchanged). Rejects with
   * NetError(ERR_CANT_RESOLVE) when the name does not resolve; `what` names the caller in the
   * message. Real runtimes ask the OS resolver; a MemoryNetwork answers from its own name table.
   */
  resolve(host: string, what: string): Promise<ResolvedAddress>;
  /**
   * Optional (Godot's `IP` needs it): every address a host name resolves to, `family` 4 or 6 only
   * that family, 0 both, in the resolver's order. Rejects with NetError(ERR_CANT_RESOLVE) when the
   * name does not resolve. Absent where the platform has no resolver (a web page).
   */
  resolveAll?(host: string, family: 0 | 4 | 6, what: string): Promise<ResolvedAddress[]>;
  /**
   * Optional (Godot's `IP.get_local_interfaces`): this machine's network interfaces that carry an
   * IPv4 or IPv6 address, in the order the OS lists them. Throws NetError when the platform cannot
   * list them; absent where it has no such notion (a web page).
   */
  localInterfaces?(): LocalInterface[];
  /**
   * A WebSocket client the platform frames itself (the browser's own WebSocket, where raw
   * sockets do not exist). When present, WebSocketPeer.connectToUrl uses it instead of a
   * stream plus our RFC 6455 core, as Godot's web platform does.
   */
  openWebSocket?(url: string, protocols: readonly string[]): WebSocketLink;
}

/** What a platform WebSocket reports: the same events our RFC 6455 core produces. */
export type WebSocketLinkEvent =
  | { readonly kind: "open"; readonly protocol: string }
  | { readonly kind: "message"; readonly data: Uint8Array; readonly isText: boolean }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "close"; readonly code: number; readonly reason: string; readonly wasClean: boolean };

/** A connected-or-connecting platform WebSocket (see RuntimeAdapter.openWebSocket). */
export interface WebSocketLink {
  /** Bytes handed to send() and not yet on the network. */
  readonly bufferedAmount: number;
  send(data: Uint8Array, isText: boolean): void;
  /** Start the close handshake; a negative code drops the connection without one. */
  close(code: number, reason: string): void;
  /** Where events go; set once, right after opening. */
  onEvent(cb: (event: WebSocketLinkEvent) => void): void;
}

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** One network interface as the OS reports it (addresses without a %scope suffix). */
export interface LocalInterface {
  name: string;
  /** The OS's interface index (if_nametoindex), 0 when it cannot be told. */
  index: number;
  addresses: ResolvedAddress[];
}

/** What every Godot-shaped class accepts to override the detected runtime. */
export interface IoOptions {
  runtime?: RuntimeAdapter;
  clock?: Clock;
}

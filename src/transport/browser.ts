/**
 * The browser as a runtime: WebSocket clients over the page's own `WebSocket` (which frames
 * the protocol itself, as in Godot's web export), timers from the page, and nothing else.
 * A page has no UDP and no TCP, so ENet, TCP/unix streams and every server reject with
 * NetError(ERR_UNAVAILABLE) saying so; the codecs, Variant encoding, SceneMultiplayer and
 * MemoryNetwork need no runtime at all.
 */
import { GodotError, NetError } from "../errors.ts";
import { realClock } from "./real-clock.ts";
import type { BoundAddress, DatagramTransport, RuntimeAdapter, WebSocketLink, WebSocketLinkEvent } from "./types.ts";

const NO_UDP = "a web page has no UDP sockets, so ENet (ENetConnection, ENetMultiplayerPeer) cannot run in the browser; use WebSocketPeer / WebSocketMultiplayerPeer";
const NO_TCP = "a web page has no TCP sockets or servers (StreamPeerTCP, TCPServer, WebSocketServer, StreamPeerTLS); WebSocket clients work through the browser's WebSocket";

/** The browser's WebSocket, as much of it as we use (so this file needs no DOM typings). */
interface PageWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly protocol: string;
  send(data: string | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null;
}
type PageWebSocketConstructor = new (url: string, protocols?: string[]) => PageWebSocket;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function openPageWebSocket(url: string, protocols: readonly string[]): WebSocketLink {
  const Ctor = (globalThis as { WebSocket?: PageWebSocketConstructor }).WebSocket;
  if (!Ctor) throw new NetError(GodotError.ERR_UNAVAILABLE, "this page has no WebSocket");
  // Godot accepts a URL without a scheme (ws:// is meant); the browser does not.
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `ws://${url}`;
  let socket: PageWebSocket | null = null;
  let listener: ((e: WebSocketLinkEvent) => void) | null = null;
  const early: WebSocketLinkEvent[] = [];
  const emit = (e: WebSocketLinkEvent): void => {
    if (listener) listener(e);
    else early.push(e);
  };
  try {
    socket = new Ctor(full, [...protocols]);
  } catch (err) {
    // A malformed URL or a forbidden port: report it as a failed connection, as a refused TCP connect would be.
    queueMicrotask(() => {
      emit({ kind: "error", message: `connect to ${url} failed: ${(err as Error).message}` });
      emit({ kind: "close", code: 1006, reason: "", wasClean: false });
    });
  }
  if (socket) {
    const ws = socket;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => emit({ kind: "open", protocol: ws.protocol });
    ws.onmessage = (e) => {
      if (typeof e.data === "string") emit({ kind: "message", data: utf8.encode(e.data), isText: true });
      else if (e.data instanceof ArrayBuffer) emit({ kind: "message", data: new Uint8Array(e.data), isText: false });
    };
    // The browser says nothing more about why (by design); the close event follows.
    ws.onerror = () => emit({ kind: "error", message: `the WebSocket connection to ${url} failed` });
    ws.onclose = (e) => emit({ kind: "close", code: e.code, reason: e.reason, wasClean: e.wasClean });
  }
  return {
    get bufferedAmount() {
      return socket?.bufferedAmount ?? 0;
    },
    send(data, isText) {
      socket?.send(isText ? fromUtf8.decode(data) : data);
    },
    close(code, reason) {
      if (!socket) return;
      if (code < 0) {
        // No way to drop a browser WebSocket without a close frame: close it and stop listening.
        socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
        socket.close();
        return;
      }
      // The browser allows only 1000 and 3000..4999 from a page; other codes close with 1000.
      socket.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    },
    onEvent(cb) {
      listener = cb;
      for (const e of early.splice(0)) cb(e);
    },
  };
}

function unavailableDatagrams(): DatagramTransport {
  const refuse = (): never => {
    throw new NetError(GodotError.ERR_UNAVAILABLE, NO_UDP);
  };
  return {
    bind: (): Promise<BoundAddress> => Promise.reject(new NetError(GodotError.ERR_UNAVAILABLE, NO_UDP)),
    send: refuse,
    onDatagram: () => {},
    close: () => {},
  };
}

export const browserRuntime: RuntimeAdapter = {
  name: "browser",
  createDatagramTransport: unavailableDatagrams,
  streams: {
    connect: () => Promise.reject(new NetError(GodotError.ERR_UNAVAILABLE, NO_TCP)),
    listen: () => Promise.reject(new NetError(GodotError.ERR_UNAVAILABLE, NO_TCP)),
  },
  clock: realClock,
  resolve: (host, what) => Promise.reject(new NetError(GodotError.ERR_CANT_RESOLVE, `${what}: a web page cannot resolve host names (${host}); the browser's WebSocket resolves its URL itself`)),
  openWebSocket: openPageWebSocket,
};

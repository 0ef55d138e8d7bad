/**
 * The Event subclasses WebSocketPeer dispatches (it is an EventTarget, like the
 * browser's WebSocket). Plain Event subclasses work the same on Node, Deno and Bun.
 */
import { decodeUtf8 } from "./utf8.ts";

export class WebSocketMessageEvent extends Event {
  /** The message payload. */
  readonly data: Uint8Array;
  /** True for a text message (valid UTF-8), false for binary. */
  readonly isString: boolean;
  constructor(data: Uint8Array, isString: boolean) {
    super("message");
    this.data = data;
    this.isString = isString;
  }
  /** The payload decoded as UTF-8. */
  get text(): string {
    return decodeUtf8(this.data);
  }
}

export class WebSocketCloseEvent extends Event {
  /** The close code: the peer's on a clean close, the code we failed with, or 1006 when the connection just dropped. */
  readonly code: number;
  readonly reason: string;
  /** True when the close handshake completed. */
  readonly wasClean: boolean;
  constructor(code: number, reason: string, wasClean: boolean) {
    super("close");
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

export class WebSocketErrorEvent extends Event {
  readonly message: string;
  constructor(message: string) {
    super("error");
    this.message = message;
  }
}

/** A listener of one of the events above (or of any Event type `E`): a function or a handleEvent object. */
export type WebSocketListener<E extends Event> = ((event: E) => void) | { handleEvent(event: E): void };

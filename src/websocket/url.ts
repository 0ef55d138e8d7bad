/** Splitting a ws:// or wss:// URL into what the connection needs (RFC 6455 section 3). */

export interface WebSocketUrl {
  secure: boolean;
  /** Host to connect to (IPv6 without brackets). */
  host: string;
  port: number;
  /** Host header value: the host (bracketed if IPv6) plus ":port" when not the default. */
  hostHeader: string;
  /** Path and query, "/" when empty. The fragment is dropped (section 3 forbids it). */
  resource: string;
}

export const DEFAULT_WS_PORT = 80;
export const DEFAULT_WSS_PORT = 443;

/** A URL that names its scheme ("ws://", "http://", ...). */
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Throws TypeError naming `url` when it is not a usable ws:// or wss:// URL. A URL
 * without a scheme ("localhost:9080/game") is ws://, as in Godot's connect_to_url.
 */
export function parseWebSocketUrl(url: string): WebSocketUrl {
  if (typeof url !== "string") throw new TypeError("url must be a string");
  let u: URL;
  try {
    u = new URL(HAS_SCHEME.test(url) ? url : `ws://${url}`);
  } catch {
    throw new TypeError(`url is not a valid URL: ${JSON.stringify(url)}`);
  }
  const scheme = u.protocol.toLowerCase();
  if (scheme !== "ws:" && scheme !== "wss:") {
    throw new TypeError(`url must start with ws:// or wss://, got ${JSON.stringify(url)}`);
  }
  if (!u.hostname) throw new TypeError(`url has no host: ${JSON.stringify(url)}`);
  const secure = scheme === "wss:";
  const defaultPort = secure ? DEFAULT_WSS_PORT : DEFAULT_WS_PORT;
  const port = u.port ? Number(u.port) : defaultPort;
  const bracketed = u.hostname;
  const host = bracketed.startsWith("[") && bracketed.endsWith("]") ? bracketed.slice(1, -1) : bracketed;
  const hostHeader = port === defaultPort ? bracketed : `${bracketed}:${port}`;
  const resource = (u.pathname || "/") + u.search;
  return { secure, host, port, hostHeader, resource };
}

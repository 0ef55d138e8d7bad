// The public surface of packetpeer in a web page (the package's "browser" export condition): the
// same names as the main entry (public-api.ts), with the browser registered as the runtime instead
// of Node, Deno and Bun. WebSocketPeer and WebSocketMultiplayerPeer clients run over the page's own
// WebSocket; the Variant encoding, compression, StreamPeerBuffer, SceneMultiplayer and MemoryNetwork
// work as everywhere; ENet, TCP, unix sockets and servers reject with NetError(ERR_UNAVAILABLE) saying why.
import { browserRuntime } from "./transport/browser.ts";
import { registerRuntime } from "./transport/registry.ts";

registerRuntime({ name: "browser", isCurrent: () => typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function", adapter: browserRuntime });

export * from "./public-api.ts";
export { browserRuntime };

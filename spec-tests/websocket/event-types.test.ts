/**
 * WebSocketPeer's and WebSocketServer's listeners are typed by event name, so the listeners of
 * docs/websocket.md (`ws.addEventListener("message", (e) => e.isString ? e.text : e.data)`)
 * compile without a cast; before, `e` was a plain Event there. The server's "error" event is a
 * WebSocketErrorEvent, as the peer's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketPeer, WebSocketServer, WebSocketMessageEvent, type WebSocketCloseEvent } from "../../src/websocket/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { VirtualClock } from "../../src/transport/virtual-clock.ts";
import { typeCheckSkip, typeErrors } from "../support/type-check.ts";

test("listeners written without casts get the typed events at run time", async () => {
  const net = new MemoryNetwork({ seed: 3 });
  const serverRt = net.createRuntime("127.0.0.1");
  const clock = serverRt.clock as VirtualClock;
  const server = new WebSocketServer({}, { runtime: serverRt });
  await server.listen(8080);
  const seen: string[] = [];
  server.addEventListener("connection", (e) => {
    e.peer.addEventListener("message", (m) => {
      seen.push(`server got ${m.text}`);
      e.peer.sendText(`echo ${m.text}`);
    });
  });
  const client = new WebSocketPeer({ runtime: net.createRuntime("127.0.0.2") });
  client.addEventListener("open", () => client.sendText("hi"));
  client.addEventListener("message", (e) => {
    assert.ok(e instanceof WebSocketMessageEvent);
    seen.push(`client got ${e.isString ? e.text : "bytes"}`);
    client.close(4001, "bye");
  });
  let closed: WebSocketCloseEvent | null = null;
  client.addEventListener("close", (e) => (closed = e));
  client.connectToUrl("ws://127.0.0.1:8080/");
  assert.ok(await clock.runUntil(() => closed !== null, 10_000), seen.join("; "));
  assert.deepEqual(seen, ["server got hi", "client got echo hi"]);
  assert.equal(closed!.code, 4001);
  await server.stop();
});

test("WebSocketPeer / WebSocketServer addEventListener is typed by event name (strict tsc, no casts)", { skip: typeCheckSkip, timeout: 120_000 }, () => {
  const code = `
import { WebSocketPeer, WebSocketServer, type WebSocketListener, type WebSocketMessageEvent } from "PACKETPEER";
const ws = new WebSocketPeer();
ws.addEventListener("open", (e) => { const t: string = e.type; void t; });
ws.addEventListener("message", (e) => { const v: string | Uint8Array = e.isString ? e.text : e.data; void v; });
ws.addEventListener("close", (e) => { const c: number = e.code; const r: string = e.reason; const w: boolean = e.wasClean; void c; void r; void w; });
ws.addEventListener("error", { handleEvent(e) { const m: string = e.message; void m; } });
const onMessage: WebSocketListener<WebSocketMessageEvent> = (e) => { void e.data.byteLength; };
ws.addEventListener("message", onMessage, { once: true });
ws.removeEventListener("message", onMessage);
ws.addEventListener("custom", (e: Event) => { void e; });
const server = new WebSocketServer();
server.addEventListener("connection", (e) => { const peer: WebSocketPeer = e.peer; void peer; });
server.addEventListener("error", (e) => { const m: string = e.message; void m; });
`;
  assert.equal(typeErrors(code), "");
});

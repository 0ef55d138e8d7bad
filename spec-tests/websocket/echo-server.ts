/** Our WebSocketServer as a poll-driven echo server for interop tests ("cmd:close" closes with 4002 "server bye"). */
import type { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WriteMode } from "../../src/websocket/peer.ts";
import { WebSocketServer, type WebSocketServerPeerOptions } from "../../src/websocket/server.ts";
import type { TLSOptions } from "../../src/transport/types.ts";
import { fromUtf8 } from "./support.ts";

export interface EchoServer {
  server: WebSocketServer;
  port: number;
  /** Every peer accepted so far (closed ones stay, for their close codes). */
  peers: WebSocketPeer[];
  stop(): Promise<void>;
}

export async function startEchoServer(opts: WebSocketServerPeerOptions = {}, tls?: TLSOptions, host = "127.0.0.1"): Promise<EchoServer> {
  const server = new WebSocketServer(opts);
  await server.listen(0, host, tls);
  const peers: WebSocketPeer[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      for (let p = server.takeConnection(); p; p = server.takeConnection()) peers.push(p);
      for (const peer of peers) {
        peer.poll();
        while (peer.getAvailablePacketCount() > 0) {
          const data = peer.getPacket();
          if (peer.getReadyState() !== 1) continue;
          const isText = peer.wasStringPacket();
          if (isText && fromUtf8(data) === "cmd:close") peer.close(4002, "server bye");
          else peer.send(data, isText ? WriteMode.WRITE_MODE_TEXT : WriteMode.WRITE_MODE_BINARY);
        }
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  const done = loop();
  return {
    server,
    port: server.getLocalPort(),
    peers,
    async stop() {
      running = false;
      await done;
      for (const p of peers) p.close(-1);
      await server.stop();
    },
  };
}

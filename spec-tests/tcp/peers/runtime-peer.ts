// One side of the cross-runtime test, run by node (tsx), deno or bun:
//   runtime-peer.ts server tcp            -> prints "PORT n", serves one greeting
//   runtime-peer.ts server uds PATH       -> prints "READY", serves one greeting
//   runtime-peer.ts client tcp HOST PORT  |  client uds PATH
// Exits 0 when every check passed and the other side closed cleanly.
import process from "node:process";
import { StreamPeerTCP, StreamPeerUDS, TCPServer, UDSServer, type StreamPeerSocket } from "../../../src/index.ts";
import { greetAsClient, greetAsServer, runtimeName, waitForClose } from "./greeting.ts";

async function accept(server: TCPServer | UDSServer): Promise<StreamPeerSocket> {
  const start = Date.now();
  while (!server.isConnectionAvailable()) {
    if (Date.now() - start > 15_000) throw new Error("nobody connected");
    await new Promise((r) => setTimeout(r, 2));
  }
  return server.takeConnection()!;
}

async function main(): Promise<void> {
  const [role, kind, a, b] = process.argv.slice(2);
  if (role === "server") {
    const server = kind === "uds" ? new UDSServer() : new TCPServer();
    if (server instanceof UDSServer) {
      await server.listen(a);
      console.log("READY");
    } else {
      await server.listen(0, "127.0.0.1");
      console.log(`PORT ${server.getLocalPort()}`);
    }
    const peer = await accept(server);
    const client = await greetAsServer(peer);
    const status = await waitForClose(peer);
    server.stop();
    console.log(`SERVED ${client} on ${runtimeName()} status ${status}`);
    if (status !== 0) process.exit(1);
  } else {
    const peer = kind === "uds" ? new StreamPeerUDS() : new StreamPeerTCP();
    if (peer instanceof StreamPeerUDS) await peer.connectToHost(a);
    else await peer.connectToHost(a, Number(b));
    const text = await greetAsClient(peer);
    peer.disconnectFromHost();
    console.log(`GOT ${text}`);
  }
  // Deno and Bun keep running while handles exist; every socket is closed by now.
  process.exit(0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});

/**
 * A TCP server speaking with Godot's StreamPeer buffer API: each client sends a u16 message
 * type, a UTF-8 name, a float and a Variant; the server answers with a greeting and the Variant
 * back with a field added. A Godot client can do the same with StreamPeerTCP.put_u16 / get_var.
 * Run: npx tsx examples/tcp-streampeer/server.ts [port]      (Ctrl-C stops it)
 */
import { TCPServer, type StreamPeerTCP } from "../../src/index.ts";

const port = Number(process.argv[2] ?? 7780);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`not a port: ${JSON.stringify(process.argv[2])}\nusage: npx tsx examples/tcp-streampeer/server.ts [port]`);
  process.exit(2);
}
const server = new TCPServer();
try {
  await server.listen(port, "127.0.0.1");
} catch (err) {
  // A NetError: ERR_ALREADY_IN_USE when another program has the port, ...
  console.error(`cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
  process.exit(1);
}
console.log(`StreamPeer server on 127.0.0.1:${server.getLocalPort()}`);

async function serve(peer: StreamPeerTCP): Promise<void> {
  // The async forms wait for the bytes where Godot's get_* would block.
  const kind = await peer.getU16Async();
  const name = await peer.getUtf8StringAsync();
  const score = await peer.getFloatAsync();
  const state = (await peer.getVarAsync()) as Record<string, unknown>;
  console.log(`message ${kind} from ${name}: score ${score}, state ${JSON.stringify(state)}`);
  peer.putUtf8String(`hello ${name}`);
  peer.putVar({ ...state, seenBy: "packetpeer" });
}

let stopping = false;
process.once("SIGINT", () => (stopping = true));
process.once("SIGTERM", () => (stopping = true));
while (!stopping) {
  if (server.isConnectionAvailable()) {
    const peer = server.takeConnection()!;
    serve(peer).catch((err: Error) => console.error(`client dropped: ${err.message}`));
  }
  await new Promise((r) => setTimeout(r, 10));
}
server.stop();

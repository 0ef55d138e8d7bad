/**
 * The StreamPeer client of server.ts: writes a u16, a UTF-8 string, a float and a Variant,
 * reads the greeting and the Variant back, prints them and exits.
 * Run: npx tsx examples/tcp-streampeer/client.ts [host:port] [name]
 */
import { NetError, StreamPeerTCP } from "../../src/index.ts";

const [target = "127.0.0.1:7780", name = "ada"] = process.argv.slice(2);
const i = target.lastIndexOf(":");
const port = Number(target.slice(i + 1));
if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`not HOST:PORT: ${JSON.stringify(target)}\nusage: npx tsx examples/tcp-streampeer/client.ts [HOST:PORT] [name], for example: 127.0.0.1:7780 ada`);
  process.exit(2);
}
const peer = new StreamPeerTCP();
try {
  // Resolves once connected; rejects with a NetError (ERR_CONNECTION_ERROR when refused, ERR_CANT_RESOLVE, ...).
  await peer.connectToHost(target.slice(0, i), port);
} catch (err) {
  if (!(err instanceof NetError)) throw err;
  console.error(`could not connect to ${target}: ${err.message}`);
  process.exit(1);
}
peer.putU16(1);
peer.putUtf8String(name);
peer.putFloat(12.5);
peer.putVar({ level: 3, items: ["sword", "shield"] });
console.log(await peer.getUtf8StringAsync());
console.log(JSON.stringify(await peer.getVarAsync()));
peer.disconnectFromHost();
process.exit(0);

/**
 * The StreamPeer client of server.ts: writes a u16, a UTF-8 string, a float and a Variant,
 * reads the greeting and the Variant back, prints them and exits.
 * Run: npx tsx examples/tcp-streampeer/client.ts [host:port] [name]
 */
import { StreamPeerTCP } from "../../src/index.ts";

const [target = "127.0.0.1:7780", name = "ada"] = process.argv.slice(2);
const i = target.lastIndexOf(":");
const peer = new StreamPeerTCP();
await peer.connectToHost(target.slice(0, i), Number(target.slice(i + 1)));
peer.putU16(1);
peer.putUtf8String(name);
peer.putFloat(12.5);
peer.putVar({ level: 3, items: ["sword", "shield"] });
console.log(await peer.getUtf8StringAsync());
console.log(JSON.stringify(await peer.getVarAsync()));
peer.disconnectFromHost();
process.exit(0);

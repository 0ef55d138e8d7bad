// packetpeer on this runtime against packetpeer on the other two (node via tsx,
// deno, bun binaries from node_modules/.bin), over TCP and unix sockets, in both
// roles. The other process runs spec-tests/tcp/peers/runtime-peer.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamPeerSocketStatus as S, StreamPeerTCP, StreamPeerUDS, TCPServer, UDSServer, type SocketServer, type StreamPeerSocket } from "../../src/index.ts";
import { greetAsClient, greetAsServer, runtimeName, waitForClose } from "./peers/greeting.ts";
import { ROOT, peerPort, spawnPeer, until, type Peer } from "./spawn-peer.ts";

const SCRIPT = join(ROOT, "spec-tests", "tcp", "peers", "runtime-peer.ts");
const COMMANDS: Record<string, [string, string[]]> = {
  node: ["node", ["--import", "tsx", SCRIPT]],
  deno: [join(ROOT, "node_modules", ".bin", "deno"), ["run", "-A", "--unstable-net", SCRIPT]],
  bun: [join(ROOT, "node_modules", ".bin", "bun"), [SCRIPT]],
};
const here = runtimeName();
const others = Object.keys(COMMANDS).filter((r) => r !== here);
const unixAvailable = process.platform !== "win32";

function spawnRuntime(runtime: string, ...args: string[]): Peer {
  const [cmd, base] = COMMANDS[runtime];
  return spawnPeer(cmd, [...base, ...args], 30_000);
}

let socketCounter = 0;
function socketPath(): string {
  return join(tmpdir(), `pp-${process.pid}-${Date.now() % 100000}-${socketCounter++}.sock`);
}

async function finish(peer: Peer, expect: RegExp): Promise<void> {
  const { code, stdout, stderr } = await peer.exited;
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stdout, expect);
}

/** Our server takes the other runtime's connection, greets it, and sees it close cleanly; the child reports the greeting. */
async function serveOne(server: SocketServer<StreamPeerSocket>, other: string, child: Peer): Promise<void> {
  await until(() => server.isConnectionAvailable(), `${other} to connect`, 20_000);
  const peer = server.takeConnection()!;
  assert.equal(await greetAsServer(peer), other);
  assert.equal(await waitForClose(peer), S.STATUS_NONE);
  await finish(child, new RegExp(`GOT hello ${other} from ${here}`));
}

/** Our client is greeted by the other runtime's server and disconnects; the child reports a clean close (status NONE). */
async function greetAndLeave(peer: StreamPeerSocket, other: string, child: Peer): Promise<void> {
  assert.equal(await greetAsClient(peer), `hello ${here} from ${other}`);
  peer.disconnectFromHost();
  await finish(child, new RegExp(`SERVED ${here} on ${other} status 0`));
}

describe(`cross-runtime: ${here} with ${others.join(" and ")}`, () => {
  for (const other of others) {
    test(`${here} TCPServer <- ${other} StreamPeerTCP`, async () => {
      const server = new TCPServer();
      let child: Peer | undefined;
      try {
        await server.listen(0, "127.0.0.1");
        child = spawnRuntime(other, "client", "tcp", "127.0.0.1", String(server.getLocalPort()));
        await serveOne(server, other, child);
      } finally {
        server.stop();
        child?.kill();
      }
    });

    test(`${here} StreamPeerTCP -> ${other} TCPServer`, async () => {
      const child = spawnRuntime(other, "server", "tcp");
      const peer = new StreamPeerTCP();
      try {
        await peer.connectToHost("127.0.0.1", await peerPort(child));
        await greetAndLeave(peer, other, child);
      } finally {
        peer.disconnectFromHost();
        child.kill();
      }
    });

    test(`${here} UDSServer <- ${other} StreamPeerUDS`, { skip: !unixAvailable && "no unix sockets" }, async () => {
      const path = socketPath();
      const server = new UDSServer();
      let child: Peer | undefined;
      try {
        await server.listen(path);
        child = spawnRuntime(other, "client", "uds", path);
        await serveOne(server, other, child);
      } finally {
        server.stop();
        child?.kill();
        rmSync(path, { force: true });
      }
    });

    test(`${here} StreamPeerUDS -> ${other} UDSServer`, { skip: !unixAvailable && "no unix sockets" }, async () => {
      const path = socketPath();
      const child = spawnRuntime(other, "server", "uds", path);
      const peer = new StreamPeerUDS();
      try {
        await child.ready;
        await peer.connectToHost(path);
        assert.equal(peer.getConnectedPath(), path);
        await greetAndLeave(peer, other, child);
      } finally {
        peer.disconnectFromHost();
        child.kill();
        rmSync(path, { force: true });
      }
    });
  }
});

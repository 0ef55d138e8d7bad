/**
 * `npm start`: an ENet server and client on loopback. The client connects on 4 channels,
 * both sides exchange reliable, unreliable, unsequenced and fragmented (reliable and
 * UNRELIABLE_FRAGMENT) messages, then the client disconnects and a stats table is printed.
 * It stops by itself.
 */
import { ENetConnection, EventType, HostStatistic, PacketFlags, PeerStatistic, type ENetEvent, type ENetPacketPeer } from "../src/index.ts";

const CHANNELS = 4;
const text = new TextEncoder();
const untext = new TextDecoder();

function describe(who: string, e: ENetEvent): string {
  const peer = e.peer ? `${e.peer.getRemoteAddress()}:${e.peer.getRemotePort()}` : "-";
  switch (e.type) {
    case EventType.CONNECT:
      return `${who}: CONNECT    from ${peer} (data ${e.data})`;
    case EventType.DISCONNECT:
      return `${who}: DISCONNECT from ${peer} (data ${e.data})`;
    case EventType.RECEIVE: {
      const p = e.packet!;
      const flags = e.peer!.getPacketFlags();
      e.peer!.getPacket(); // keep the peer's queue empty (Godot parity: packets are also queued there)
      const kind = flags & PacketFlags.RELIABLE ? "reliable" : flags & PacketFlags.UNSEQUENCED ? "unsequenced" : flags & PacketFlags.UNRELIABLE_FRAGMENT ? "unreliable-fragment" : "unreliable";
      const body = p.length <= 40 ? JSON.stringify(untext.decode(p)) : `${p.length} bytes`;
      return `${who}: RECEIVE    ch ${e.channel} ${kind.padEnd(19)} ${body}`;
    }
    default:
      return `${who}: ${EventType[e.type]}`;
  }
}

async function main(): Promise<void> {
  const server = new ENetConnection();
  await server.createHostBound("127.0.0.1", 0, { maxPeers: 8, maxChannels: CHANNELS });
  const client = new ENetConnection();
  await client.createHost({ maxPeers: 1, maxChannels: CHANNELS });
  const port = server.getLocalPort();
  console.log(`server listening on 127.0.0.1:${port}`);

  let serverPeer: ENetPacketPeer | null = null;
  let serverGot = 0;
  let clientGot = 0;
  const serverLoop = (async () => {
    for await (const e of server) {
      console.log(describe("server", e));
      if (e.type === EventType.CONNECT) {
        serverPeer = e.peer;
        e.peer!.send(0, text.encode("welcome!"), PacketFlags.RELIABLE);
        e.peer!.send(3, new Uint8Array(30_000).fill(7), PacketFlags.RELIABLE);
      }
      if (e.type === EventType.RECEIVE) {
        serverGot++;
        if (e.channel === 1) e.peer!.send(1, text.encode(`echo #${serverGot}`), 0);
      }
      if (e.type === EventType.DISCONNECT) break;
    }
  })();

  const peer = await client.connectToHost("127.0.0.1", port, { channels: CHANNELS, data: 1234 });
  const clientLoop = (async () => {
    for await (const e of client) {
      console.log(describe("client", e));
      if (e.type === EventType.CONNECT) {
        peer.send(0, text.encode("hello, reliable"), PacketFlags.RELIABLE);
        for (let i = 0; i < 3; i++) peer.send(1, text.encode(`position update ${i}`), 0);
        peer.send(2, text.encode("fire-and-forget"), PacketFlags.UNSEQUENCED);
        peer.send(3, new Uint8Array(100_000).map((_, i) => i & 0xff), PacketFlags.RELIABLE);
        peer.send(3, new Uint8Array(5_000).fill(1), PacketFlags.UNRELIABLE_FRAGMENT);
      }
      if (e.type === EventType.RECEIVE) clientGot++;
      if (e.type === EventType.DISCONNECT) break;
    }
  })();

  // Give the exchange a moment, then disconnect gracefully.
  const start = Date.now();
  while ((serverGot < 7 || clientGot < 5) && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 10));
  const rtt = peer.getStatistic(PeerStatistic.PEER_ROUND_TRIP_TIME);
  const serverRtt = serverPeer === null ? NaN : (serverPeer as ENetPacketPeer).getStatistic(PeerStatistic.PEER_ROUND_TRIP_TIME);
  const stats = {
    client: {
      sentPackets: client.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS),
      sentBytes: client.popStatistic(HostStatistic.HOST_TOTAL_SENT_DATA),
      receivedPackets: client.popStatistic(HostStatistic.HOST_TOTAL_RECEIVED_PACKETS),
      receivedBytes: client.popStatistic(HostStatistic.HOST_TOTAL_RECEIVED_DATA),
    },
    server: {
      sentPackets: server.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS),
      sentBytes: server.popStatistic(HostStatistic.HOST_TOTAL_SENT_DATA),
      receivedPackets: server.popStatistic(HostStatistic.HOST_TOTAL_RECEIVED_PACKETS),
      receivedBytes: server.popStatistic(HostStatistic.HOST_TOTAL_RECEIVED_DATA),
    },
  };
  peer.peerDisconnect(42);
  await Promise.race([Promise.all([serverLoop, clientLoop]), new Promise((r) => setTimeout(r, 3000))]);
  server.destroy();
  client.destroy();

  console.log("\nsession statistics (UDP datagrams and bytes, ENet headers included)");
  console.table({
    "client -> server": { datagrams: stats.client.sentPackets, bytes: stats.client.sentBytes, "sender's RTT (ms)": rtt },
    "server -> client": { datagrams: stats.server.sentPackets, bytes: stats.server.sentBytes, "sender's RTT (ms)": serverRtt },
  });
  console.log("\nmore examples, one command each: examples/README.md (ENet chat, a server Godot 4 clients join, TCP StreamPeer, file compression, a browser page)");
  console.log("the command line: npx packetpeer --help");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

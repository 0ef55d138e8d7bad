// One instance of each of our Godot classes, for the class-reference walk. ENet peers need a live
// host, so the ENet pair is connected on a MemoryNetwork; everything else is constructed idle.
import {
  ENetConnection, ENetMultiplayerPeer, ENetPacketPeer, MultiplayerSpawner, MultiplayerSynchronizer, SCENE_MULTIPLAYER_EVENTS, SceneMultiplayer, StreamPeerBuffer, StreamPeerTCP,
  StreamPeerUDS, TCPServer, UDSServer, WebSocketMultiplayerPeer, OfflineMultiplayerPeer, WebSocketPeer, StreamPeerTLS, TLSOptions, Crypto, CryptoKey, X509Certificate,
  HashingContext, HMACContext, PacketPeerUDP, UDPServer, PacketPeerDTLS, DTLSServer, PacketPeerStream, IP, StreamPeerGZIP,
} from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { Subject } from "./class-reference.ts";

export async function makeSubjects(): Promise<{ subjects: Record<string, Subject>; close(): void }> {
  const net = new MemoryNetwork({ seed: 1 });
  const server = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
  await server.createHostBound("10.2.0.1", 7000, 2);
  const client = new ENetConnection({ runtime: net.createRuntime("10.2.0.2") });
  await client.createHost(1);
  const enetPeer = await client.connectToHost("10.2.0.1", 7000);
  const scene = new SceneMultiplayer();
  const subjects: Record<string, Subject> = {
    ENetConnection: { cls: ENetConnection, instance: client },
    ENetPacketPeer: { cls: ENetPacketPeer, instance: enetPeer },
    StreamPeerBuffer: { cls: StreamPeerBuffer, instance: new StreamPeerBuffer() },
    StreamPeerTCP: { cls: StreamPeerTCP, instance: new StreamPeerTCP() },
    StreamPeerUDS: { cls: StreamPeerUDS, instance: new StreamPeerUDS() },
    TCPServer: { cls: TCPServer, instance: new TCPServer() },
    UDSServer: { cls: UDSServer, instance: new UDSServer() },
    WebSocketPeer: { cls: WebSocketPeer, instance: new WebSocketPeer() },
    ENetMultiplayerPeer: { cls: ENetMultiplayerPeer, instance: new ENetMultiplayerPeer() },
    WebSocketMultiplayerPeer: { cls: WebSocketMultiplayerPeer, instance: new WebSocketMultiplayerPeer() },
    OfflineMultiplayerPeer: { cls: OfflineMultiplayerPeer, instance: new OfflineMultiplayerPeer() },
    SceneMultiplayer: { cls: SceneMultiplayer, instance: scene, signals: SCENE_MULTIPLAYER_EVENTS },
    MultiplayerSpawner: { cls: MultiplayerSpawner, instance: scene.spawner("Level/Spawner") },
    MultiplayerSynchronizer: { cls: MultiplayerSynchronizer, instance: scene.synchronizer("Level/Player/Sync", "Level/Player", { properties: [{ path: ".:position" }] }) },
    PacketPeerStream: { cls: PacketPeerStream, instance: new PacketPeerStream() },
    StreamPeerGZIP: { cls: StreamPeerGZIP, instance: new StreamPeerGZIP() },
    StreamPeerTLS: { cls: StreamPeerTLS, instance: new StreamPeerTLS() },
    TLSOptions: { cls: TLSOptions, instance: TLSOptions.clientUnsafe() },
    Crypto: { cls: Crypto, instance: new Crypto() },
    CryptoKey: { cls: CryptoKey, instance: new CryptoKey() },
    X509Certificate: { cls: X509Certificate, instance: new X509Certificate() },
    HashingContext: { cls: HashingContext, instance: new HashingContext() },
    HMACContext: { cls: HMACContext, instance: new HMACContext() },
    PacketPeerUDP: { cls: PacketPeerUDP, instance: new PacketPeerUDP({ runtime: net.createRuntime("10.2.0.3") }) },
    UDPServer: { cls: UDPServer, instance: new UDPServer({ runtime: net.createRuntime("10.2.0.3") }) },
    IP: { cls: IP, instance: new IP({ runtime: net.createRuntime("10.2.0.3") }) },
    PacketPeerDTLS: { cls: PacketPeerDTLS, instance: new PacketPeerDTLS() },
    DTLSServer: { cls: DTLSServer, instance: new DTLSServer() },
  };
  return {
    subjects,
    close() {
      client.destroy();
      server.destroy();
    },
  };
}

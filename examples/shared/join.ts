/** The client side of the SceneMultiplayer examples: a multiplayer peer connecting to `ws://host:port` or `enet://host:port`. */
import { ENetMultiplayerPeer, MultiplayerPeer, WebSocketMultiplayerPeer } from "../../src/index.ts";

export async function joinServer(url: string): Promise<MultiplayerPeer> {
  if (url.startsWith("enet://")) {
    const [address, port] = url.slice("enet://".length).split(":");
    const enet = new ENetMultiplayerPeer();
    await enet.createClient(address!, Number(port));
    return enet;
  }
  const ws = new WebSocketMultiplayerPeer();
  await ws.createClient(url);
  return ws;
}

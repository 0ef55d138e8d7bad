// The handshake every real-socket ENet harness waits for before it starts timing: service both
// hosts until each has reported its CONNECT.
import { type ENetConnection, EventType } from "../../src/index.ts";

/** Resolves once `server` and `client` have each reported a CONNECT; throws after `timeoutMs`. */
export async function bothConnected(server: ENetConnection, client: ENetConnection, timeoutMs: number): Promise<void> {
  let connected = 0;
  const deadline = performance.now() + timeoutMs;
  while (connected < 2) {
    if ((await server.service(5)).type === EventType.CONNECT) connected++;
    if ((await client.service(5)).type === EventType.CONNECT) connected++;
    if (performance.now() > deadline) throw new Error("connect timed out");
  }
}

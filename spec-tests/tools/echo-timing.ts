// Echo timing on loopback (not a test): a C ENet client vs our ENetConnection client, each against the same C ENet echo server.
// Run: node --import tsx spec-tests/tools/echo-timing.ts
import { ENetConnection, EventType } from "../../src/index.ts";
import { buildEnetPeer, startCPeer, pattern } from "../enet-interop/harness.ts";
const bin = (buildEnetPeer() as { path: string }).path;
async function cToC(cmds: string[], n: number) {
  const server = await startCPeer(bin, { server: true, port: 0, echo: true, channels: 4, hexLimit: 0 });
  const client = await startCPeer(bin, { connect: `127.0.0.1:${server.port}`, channels: 4, hexLimit: 0, script: "wait connect;mark start" });
  await client.proc.waitFor((e) => e.ev === "mark");
  client.proc.command(...cmds, `wait receive ${n} 20000`, "mark end");
  const end = await client.proc.waitFor((e) => e.ev === "mark" && e.label === "end", 30000);
  const start = client.proc.events.find((e) => e.ev === "mark")!;
  server.proc.kill(); client.proc.kill();
  return (end.ms as number) - (start.ms as number);
}
async function oursToC(sends: [number, Uint8Array, number][]) {
  const server = await startCPeer(bin, { server: true, port: 0, echo: true, channels: 4, hexLimit: 0 });
  const conn = new ENetConnection();
  await conn.createHost({ maxPeers: 1, maxChannels: 4 });
  const peer = await conn.connectToHost("127.0.0.1", server.port, { channels: 4 });
  for (;;) { const e = await conn.service(10); if (e.type === EventType.CONNECT) break; }
  const t0 = performance.now();
  for (const [ch, d, f] of sends) peer.send(ch, d, f);
  let got = 0;
  while (got < sends.length) { const e = await conn.service(5); if (e.type === EventType.RECEIVE) { got++; e.peer!.getPacket(); } }
  const ms = performance.now() - t0;
  server.proc.kill(); conn.destroy();
  return ms;
}
const many: [number, Uint8Array, number][] = [];
const manyCmds: string[] = [];
for (let i = 0; i < 2500; i++) for (let ch = 0; ch < 4; ch++) { many.push([ch, pattern(100, i & 255), 1]); manyCmds.push(`send 0 ${ch} 1 pat:100:${i & 255}`); }
for (let r = 0; r < 3; r++) {
  console.log(`10k x 100 B echo: C->C ${await cToC(manyCmds, 10000)} ms, ours->C ${(await oursToC(many)).toFixed(0)} ms`);
  console.log(`1 MiB reliable echo: C->C ${await cToC(["send 0 1 1 pat:1048576:1"], 1)} ms, ours->C ${(await oursToC([[1, pattern(1 << 20, 1), 1]])).toFixed(0)} ms`);
}

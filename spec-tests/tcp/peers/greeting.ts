// The exchange two packetpeer processes on different runtimes run over TCP or a
// unix socket: typed values in both byte orders, strings, then a 4 MiB block the
// server echoes back, each side checking everything it receives.
import { GodotError, StreamPeerBuffer, type StreamPeerSocket } from "../../../src/index.ts";

export const MAGIC = 0x60d07cc0;
const BULK = 4 * 1024 * 1024;

export function runtimeName(): string {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno ? "deno" : g.Bun ? "bun" : "node";
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`greeting check failed: ${what}`);
}

async function bytes(peer: StreamPeerSocket, n: number, bigEndian = false): Promise<StreamPeerBuffer> {
  const b = new StreamPeerBuffer();
  b.setDataArray(await peer.getData(n));
  b.bigEndian = bigEndian;
  return b;
}

async function utf8(peer: StreamPeerSocket): Promise<string> {
  const len = (await bytes(peer, 4)).getU32();
  return (await bytes(peer, len)).getUtf8String(len);
}

async function sendAll(peer: StreamPeerSocket, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const [err, sent] = peer.putPartialData(data.subarray(off));
    check(err === GodotError.OK, `putPartialData error ${err}`);
    off += sent;
    if (off < data.length) await peer.waitWritable();
  }
}

function bulkBlock(): Uint8Array {
  const b = new Uint8Array(BULK);
  for (let i = 0; i < BULK; i++) b[i] = (i * 31 + 7) & 255;
  return b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Client side: greet, check the reply and the echoed block. Returns the server's greeting text. */
export async function greetAsClient(peer: StreamPeerSocket): Promise<string> {
  peer.bigEndian = false;
  peer.putU32(MAGIC);
  peer.putUtf8String(runtimeName());
  peer.bigEndian = true;
  peer.putU64(0x0123456789abcdefn);
  peer.putDouble(-1.25);
  peer.putHalf(0.5);
  peer.putString("ascii");
  await sendAll(peer, bulkBlock());

  const head = await bytes(peer, 4);
  check(head.getU32() === (MAGIC ^ 0xffffffff) >>> 0, "reply magic");
  const text = await utf8(peer);
  check(text.startsWith(`hello ${runtimeName()} from `), `reply text "${text}"`);
  const big = await bytes(peer, 8, true);
  check(big.getU64() === 0x0123456789abcdf0n, "u64 + 1");
  const echoed = await peer.getData(BULK);
  check(sameBytes(echoed, bulkBlock()), "echoed 4 MiB block");
  return text;
}

/** Server side: check the greeting, reply, echo the block. Returns the client's runtime name. */
export async function greetAsServer(peer: StreamPeerSocket): Promise<string> {
  const head = await bytes(peer, 4);
  check(head.getU32() === MAGIC, "magic");
  const name = await utf8(peer);
  const be = await bytes(peer, 8 + 8 + 2 + 4 + 5, true);
  check(be.getU64() === 0x0123456789abcdefn, "u64");
  check(be.getDouble() === -1.25, "double");
  check(be.getHalf() === 0.5, "half");
  check(be.getString() === "ascii", "string");
  const block = await peer.getData(BULK);
  check(sameBytes(block, bulkBlock()), "4 MiB block");

  peer.bigEndian = false;
  peer.putU32((MAGIC ^ 0xffffffff) >>> 0);
  peer.putUtf8String(`hello ${name} from ${runtimeName()}`);
  peer.bigEndian = true;
  peer.putU64(0x0123456789abcdf0n);
  await sendAll(peer, block);
  return name;
}

/** Poll until the other side's clean close brings the peer back to NONE. */
export async function waitForClose(peer: StreamPeerSocket, timeoutMs = 10_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    peer.poll();
    const status = peer.getStatus();
    if (status !== 2) return status;
    if (Date.now() - start > timeoutMs) throw new Error("the other side never closed");
    if (peer.getAvailableBytes() > 0) peer.getPartialData(peer.getAvailableBytes());
    await new Promise((r) => setTimeout(r, 2));
  }
}

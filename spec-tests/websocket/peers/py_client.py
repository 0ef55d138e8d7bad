# python3-websockets 10.4 client for the interop tests: drives our server (which echoes) through
# text and binary messages of the listed sizes, fragmented messages, a ping, and both close directions.
# Prints one "OK ..." line per check; any failure raises (non-zero exit).
import asyncio
import ssl
import sys

import websockets

SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024]


def text_payload(n, seed):
    return "".join(chr(0x21 + ((i * 31 + seed) % 90)) for i in range(n))


def binary_payload(n, seed):
    return bytes(((i * 131 + seed * 7) >> 1) & 0xFF for i in range(n))


async def main():
    url = sys.argv[1]
    # Optional second argument: a CA file to trust for wss://.
    tls = ssl.create_default_context(cafile=sys.argv[2]) if len(sys.argv) > 2 else None
    extra = {"ssl": tls} if tls else {}
    # Built before connecting: generating 1 MiB in Python takes long enough to miss a heartbeat.
    payloads = [(n, text_payload(n, n), binary_payload(n, n)) for n in SIZES]
    async with websockets.connect(url, max_size=4 * 1024 * 1024, subprotocols=["p1", "p2"], compression=None, **extra) as ws:
        assert ws.subprotocol == "p2", ws.subprotocol
        print("OK subprotocol", ws.subprotocol, flush=True)
        for n, t, b in payloads:
            await ws.send(t)
            r = await ws.recv()
            assert isinstance(r, str) and r == t, ("text", n, len(r))
            await ws.send(b)
            r = await ws.recv()
            assert isinstance(r, bytes) and r == b, ("binary", n, len(r))
            print("OK size", n, flush=True)
        await ws.send(["frag", "men", "ted"])
        assert await ws.recv() == "fragmented"
        await ws.send([b"\x01", b"", b"\x02\x03"])
        assert await ws.recv() == b"\x01\x02\x03"
        await ws.send(["κό", "σμε"])
        assert await ws.recv() == "κόσμε"
        print("OK fragmented", flush=True)
        pong = await ws.ping(b"abc")
        await asyncio.wait_for(pong, 5)
        print("OK ping", flush=True)
        await ws.close(4001, "done")
        print("OK client-close", ws.close_code, ws.close_reason, flush=True)
    async with websockets.connect(url, compression=None, **extra) as ws:
        await ws.send("cmd:close")
        try:
            await asyncio.wait_for(ws.recv(), 5)
            raise AssertionError("expected the server to close")
        except websockets.ConnectionClosed:
            pass
        print("OK server-close", ws.close_code, ws.close_reason, flush=True)


asyncio.run(main())

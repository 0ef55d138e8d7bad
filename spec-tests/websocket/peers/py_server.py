# python3-websockets 10.4 echo server for the interop tests (run with Debian's /usr/bin/python3).
# Echoes every message; a few text commands exercise fragmentation, pings and server-side close.
# Optional arguments: max_size, then certificate and key files for wss://, then the address to
# listen on (default 127.0.0.1).
# Prints "READY <port>" once listening and "CLOSED <code> <reason>" when a connection ends.
import asyncio
import ssl
import sys

import websockets


async def handler(ws, path=None):
    try:
        async for msg in ws:
            if isinstance(msg, str) and msg.startswith("cmd:"):
                cmd = msg[4:]
                if cmd.startswith("close:"):
                    _, code, reason = cmd.split(":", 2)
                    await ws.close(int(code), reason)
                    break
                if cmd == "frag":
                    await ws.send(["frag", "men", "ted"])
                    await ws.send([b"\x01", b"", b"\x02\x03"])
                    continue
                if cmd == "ping":
                    pong = await ws.ping(b"py-ping")
                    await asyncio.wait_for(pong, 5)
                    await ws.send("pong-ok")
                    continue
                if cmd == "path":
                    await ws.send(ws.path)
                    continue
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    print("CLOSED", ws.close_code, ws.close_reason, flush=True)


async def main():
    max_size = int(sys.argv[1]) if len(sys.argv) > 1 else 4 * 1024 * 1024
    tls = None
    if len(sys.argv) > 3:  # certificate and key files: serve wss://
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[2], sys.argv[3])
    host = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    async with websockets.serve(handler, host, 0, max_size=max_size, subprotocols=["p2", "p1"], ssl=tls) as server:
        port = server.sockets[0].getsockname()[1]
        print("READY", port, flush=True)
        await asyncio.Future()


asyncio.run(main())

# python3-websockets 10.4 client with permessage-deflate (its default offer) against our echo
# server: messages that compress well and badly, text and binary, up to 1 MiB, fragmented ones,
# then a normal close. Prints "OK extensions ..." and "OK echoed N"; any failure raises.
import asyncio
import random
import sys

import websockets


async def main():
    url = sys.argv[1]
    rnd = random.Random(7)
    messages = []
    for n in [1, 100, 1000, 4096, 4097, 20000, 70000, 1024 * 1024]:
        messages.append(("state:%d;" % n * (n // 8 + 1))[:n])
        messages.append(bytes(rnd.getrandbits(8) for _ in range(min(n, 70000))))
        messages.append(bytes((i * 7) % 13 for i in range(n)))
    messages += ["κόσμε " * 300] * 5
    async with websockets.connect(url, max_size=4 * 1024 * 1024, compression="deflate") as ws:
        names = [e.name for e in ws.extensions]
        print("OK extensions", " ".join(names), flush=True)
        for m in messages:
            await ws.send(m)
            r = await ws.recv()
            assert type(r) is type(m) and r == m, ("echo", type(m), len(m), len(r))
        await ws.send(["frag" * 500, "men" * 500, "ted" * 500])
        assert await ws.recv() == "frag" * 500 + "men" * 500 + "ted" * 500
        print("OK echoed", len(messages) + 1, flush=True)
        await ws.close(4001, "done")


asyncio.run(main())

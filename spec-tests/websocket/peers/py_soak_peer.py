# The python3-websockets 10.4 side of the WebSocket soak (spec-tests/websocket/soak.ts), as a
# client or a server of one connection. Its plan comes as one JSON line on stdin: the role, the
# URL (client), the permessage-deflate parameters it offers or accepts, the messages it sends
# (content drawn from a seed, the same way soak-content.ts draws it), pings, where it fragments
# and puts pings between fragments, how many messages it should receive, and who closes with what.
#
# Reports on stdout, one line each:
#   READY <port>                     (server role, once listening)
#   OPEN <Sec-WebSocket-Extensions or ->
#   MSG <index> <text|binary> <length> <sha256 hex>
#   PONG <ping index>
#   CLOSED <code> <reason as UTF-8 hex or ->
# Any exception is printed to stderr and ends the process with status 1.
import asyncio
import hashlib
import json
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT

# The in-band marker each side sends once it has every message of the other side and every pong
# to its own pings; the closing side waits for it (soak.ts, DONE_MARKER).
DONE_MARKER = "\u0000soak-done"


def stream(seed, n):
    blocks = []
    have = 0
    i = 0
    while have < n:
        block = hashlib.sha512(b"%d:%d" % (seed, i)).digest()
        blocks.append(block)
        have += len(block)
        i += 1
    return b"".join(blocks)[:n]


def token(b):
    if b < 128:
        return chr(0x20 + b % 95)
    if b < 176:
        return chr(0x100 + (b - 128) * 13)
    if b < 224:
        return chr(0x4E00 + (b - 176) * 97)
    return chr(0x1F600 + (b - 224))


TOKENS = [(token(b), len(token(b).encode("utf-8"))) for b in range(256)]


def text_exact(seed, n):
    s = stream(seed, n)
    out = []
    remaining = n
    j = 0
    while remaining > 0:
        b = s[j]
        j += 1
        t, length = TOKENS[b]
        if length > remaining:
            t, length = chr(0x20 + b % 95), 1
        out.append(t)
        remaining -= length
    return "".join(out).encode("utf-8")


def base(text, n, seed):
    return text_exact(seed, n) if text else stream(seed, n)


def content(spec):
    text, size, seed, period = spec["text"], spec["size"], spec["seed"], spec["period"]
    if period == 0 or period >= size:
        return base(text, size, seed)
    reps = size // period
    return base(text, period, seed) * reps + base(text, size - reps * period, seed + 1)


def deflate_factory(params, is_server):
    if params is None:
        return None
    common = dict(
        server_no_context_takeover=params["serverNoContextTakeover"],
        client_no_context_takeover=params["clientNoContextTakeover"],
        server_max_window_bits=params["serverMaxWindowBits"],
    )
    if is_server:
        return [ServerPerMessageDeflateFactory(client_max_window_bits=params["clientMaxWindowBits"], **common)]
    return [ClientPerMessageDeflateFactory(client_max_window_bits=params["clientMaxWindowBits"] or True, **common)]


def say(*words):
    print(*words, flush=True)


async def run(ws, plan, payloads):
    say("OPEN", ws.response_headers.get("Sec-WebSocket-Extensions", "-"))
    expected = plan["expectMessages"]
    all_received = asyncio.get_running_loop().create_future()
    other_done = asyncio.get_running_loop().create_future()

    async def reader():
        count = 0
        try:
            async for msg in ws:
                if count == expected:
                    if msg == DONE_MARKER and not other_done.done():
                        other_done.set_result(None)
                        continue
                    raise AssertionError("a message after the last one: %r" % (msg[:40],))
                data = msg.encode("utf-8") if isinstance(msg, str) else msg
                say("MSG", count, "text" if isinstance(msg, str) else "binary", len(data), hashlib.sha256(data).hexdigest())
                count += 1
                if count == expected and not all_received.done():
                    all_received.set_result(None)
        except websockets.ConnectionClosed:
            # ConnectionClosedError for any code but 1000 and 1001, however clean the close:
            # the code and reason are checked on the Node side.
            pass

    read_task = asyncio.create_task(reader())

    async def until(future):
        # A reader that failed (a message too many, a connection that failed) ends the wait too.
        await asyncio.wait([future, read_task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if read_task.done() and read_task.exception() is not None:
            raise read_task.exception()
        if not future.done():
            raise AssertionError("the connection closed first" if read_task.done() else "timed out")

    if expected == 0:
        all_received.set_result(None)
    pong_waiters = []

    async def ping(index, payload_hex):
        waiter = await ws.ping(bytes.fromhex(payload_hex))
        pong_waiters.append((index, waiter))

    for step in plan["steps"]:
        op = step["op"]
        if op == "send":
            spec = plan["messages"][step["message"]]
            data = payloads[step["message"]]
            cuts = spec.get("fragments")
            if not cuts:
                await ws.send(data.decode("utf-8") if spec["text"] else data)
                continue
            # Fragments cut at any byte (inside a UTF-8 sequence too), with pings between them:
            # websockets' send() cuts a str only between characters and puts nothing between
            # fragments, so this writes the frames itself, as send() does for an iterable.
            bounds = [0] + cuts + [len(data)]
            for k in range(len(bounds) - 1):
                opcode = (OP_TEXT if spec["text"] else OP_BINARY) if k == 0 else OP_CONT
                await ws.write_frame(k == len(bounds) - 2, opcode, data[bounds[k]:bounds[k + 1]])
                between = spec.get("pingsBetween") or []
                if k < len(bounds) - 2 and k < len(between) and between[k] is not None:
                    await ping(between[k]["index"], between[k]["payload"])
        elif op == "ping":
            await ping(step["index"], step["payload"])
        elif op == "pause":
            await asyncio.sleep(step["ms"] / 1000)

    await until(all_received)
    for index, waiter in pong_waiters:
        await asyncio.wait_for(waiter, 30)
        say("PONG", index)
    await ws.send(DONE_MARKER)
    if plan["closeBy"] == "peer":
        await until(other_done)
        await ws.close(plan["closeCode"], plan["closeReason"])
    await asyncio.wait_for(read_task, 30)
    await asyncio.wait_for(ws.wait_closed(), 30)
    reason = ws.close_reason.encode("utf-8").hex() if ws.close_reason else "-"
    say("CLOSED", ws.close_code, reason)


async def main():
    plan = json.loads(sys.stdin.readline())
    # Made before connecting: 4 MiB of text takes Python about half a second.
    payloads = [content(m) for m in plan["messages"]]
    options = dict(max_size=plan["maxSize"], ping_interval=None, close_timeout=10, compression=None)
    if plan["role"] == "client":
        extensions = deflate_factory(plan["deflate"], False)
        async with websockets.connect(plan["url"], extensions=extensions, **options) as ws:
            await run(ws, plan, payloads)
        return
    finished = asyncio.get_running_loop().create_future()

    async def handler(ws, path=None):
        try:
            await run(ws, plan, payloads)
            finished.set_result(None)
        except BaseException as e:
            finished.set_exception(e)
            raise

    extensions = deflate_factory(plan["deflate"], True)
    async with websockets.serve(handler, "127.0.0.1", 0, extensions=extensions, **options) as server:
        say("READY", server.sockets[0].getsockname()[1])
        await finished


asyncio.run(main())

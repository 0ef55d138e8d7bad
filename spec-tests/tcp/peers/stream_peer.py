#!/usr/bin/python3
"""A real TCP peer for packetpeer's StreamPeerTCP tests, using only the socket module.

usage: stream_peer.py server MODE [ipv4|ipv6]      (prints "PORT n", serves one connection)
       stream_peer.py server MODE unix PATH        (prints "READY", serves one connection)
       stream_peer.py client MODE HOST PORT
       stream_peer.py client MODE unix PATH

MODE:
  layout  expect Godot put_* bytes for VALUES (little endian block, then big endian
          block), answer b"OK" or b"NO"+u32 offset, then send the same two blocks
  sink    read u64 length N, N bytes and their SHA-256; answer b"OK" or b"NO"
  source  read u64 length N, send N pseudo-random bytes then their SHA-256
  fin     send b"hello", half-close (FIN), keep reading until the other side closes
  rst     send b"x", wait for one byte, then reset the connection (SO_LINGER 0)
  stall   never read; exit when killed or after 30 s
"""
import hashlib
import random
import socket
import struct
import sys
import time

# (kind, value) in the order the test writes them with StreamPeer.put_*.
VALUES = [
    ("8", -2), ("8", 127), ("u8", 0), ("u8", 255),
    ("16", -32768), ("16", 12345), ("u16", 65535), ("u16", 0xBEEF),
    ("32", -2147483648), ("32", 0x12345678), ("u32", 4294967295), ("u32", 0xDEADBEEF),
    ("64", -(2**63)), ("64", -0x0123456789ABCDEF), ("u64", 2**64 - 1), ("u64", 0xFEDCBA9876543210),
    ("half", 1.5), ("half", -2.0), ("half", 65504.0), ("half", 2.0**-14), ("half", 0.0),
    ("float", 1.1), ("float", -3.5), ("float", 3.4028234663852886e38),
    ("double", 3.141592653589793), ("double", -1e-300), ("double", 1.7976931348623157e308),
    ("string", ""), ("string", "Hello, Godot!"), ("string", "tab\tnew\nline ~"),
    ("utf8", ""), ("utf8", "h\u00e9llo w\u00f6rld"), ("utf8", "\u65e5\u672c\u8a9e \U0001F600 \u20ac"),
]

FORMATS = {"8": "b", "u8": "B", "16": "h", "u16": "H", "32": "i", "u32": "I",
           "64": "q", "u64": "Q", "half": "e", "float": "f", "double": "d"}


def encode(endian):
    out = bytearray()
    for kind, value in VALUES:
        if kind == "string":
            raw = value.encode("ascii")
            out += struct.pack(endian + "I", len(raw)) + raw
        elif kind == "utf8":
            raw = value.encode("utf-8")
            out += struct.pack(endian + "I", len(raw)) + raw
        else:
            out += struct.pack(endian + FORMATS[kind], value)
    return bytes(out)


def recv_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return bytes(buf)


def drain_until_eof(conn):
    while conn.recv(65536):
        pass


def mode_layout(conn):
    expected = encode("<") + encode(">")
    got = recv_exact(conn, len(expected))
    if got == expected:
        conn.sendall(b"OK")
    else:
        at = next(i for i in range(len(expected)) if got[i] != expected[i])
        conn.sendall(b"NO" + struct.pack("<I", at))
    conn.sendall(expected)
    drain_until_eof(conn)


def mode_sink(conn):
    (n,) = struct.unpack("<Q", recv_exact(conn, 8))
    h = hashlib.sha256()
    left = n
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("closed with %d bytes left" % left)
        h.update(chunk)
        left -= len(chunk)
    digest = recv_exact(conn, 32)
    conn.sendall(b"OK" if digest == h.digest() else b"NO")
    drain_until_eof(conn)


def mode_source(conn):
    (n,) = struct.unpack("<Q", recv_exact(conn, 8))
    rng = random.Random(n)
    h = hashlib.sha256()
    left = n
    while left:
        block = rng.randbytes(min(left, 1 << 20))
        h.update(block)
        conn.sendall(block)
        left -= len(block)
    conn.sendall(h.digest())
    drain_until_eof(conn)


def mode_fin(conn):
    conn.sendall(b"hello")
    conn.shutdown(socket.SHUT_WR)
    drain_until_eof(conn)


def mode_rst(conn):
    conn.sendall(b"x")
    recv_exact(conn, 1)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def mode_stall(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    time.sleep(30)


MODES = {"layout": mode_layout, "sink": mode_sink, "source": mode_source,
         "fin": mode_fin, "rst": mode_rst, "stall": mode_stall}


def main():
    role, mode = sys.argv[1], sys.argv[2]
    if role == "stale":
        # A server that dies: the socket file stays, and nothing listens on it any more.
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(sys.argv[4])
        srv.listen(1)
        return
    run = MODES[mode]
    unix = len(sys.argv) > 4 and sys.argv[3] == "unix"
    if role == "server" and unix:
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(sys.argv[4])
        srv.listen(1)
        print("READY", flush=True)
        conn, _ = srv.accept()
    elif role == "client" and unix:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(sys.argv[4])
    elif role == "server":
        family = socket.AF_INET6 if len(sys.argv) > 3 and sys.argv[3] == "ipv6" else socket.AF_INET
        srv = socket.socket(family, socket.SOCK_STREAM)
        if mode == "stall":
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        srv.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        srv.listen(1)
        print("PORT %d" % srv.getsockname()[1], flush=True)
        conn, _ = srv.accept()
    else:
        conn = socket.create_connection((sys.argv[3], int(sys.argv[4])))
    try:
        run(conn)
    except (EOFError, ConnectionResetError, BrokenPipeError) as e:
        print("peer error: %s" % e, file=sys.stderr, flush=True)
        sys.exit(3)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()

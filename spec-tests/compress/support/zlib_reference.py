#!/usr/bin/python3
"""Inflates raw deflate streams with the system zlib (the one Godot links) for comparison.

stdin: records of  length:u32le  data[length]
stdout: per record  result:i32le  (-1 = zlib rejects it or it does not end), then the bytes
"""
import struct
import sys
import zlib

data = sys.stdin.buffer.read()
pos = 0
out = bytearray()
while pos < len(data):
    (n,) = struct.unpack_from("<I", data, pos)
    pos += 4
    chunk = data[pos:pos + n]
    pos += n
    try:
        d = zlib.decompressobj(-15)
        result = d.decompress(chunk)
        if not d.eof:
            raise ValueError("stream does not end")
        out += struct.pack("<i", len(result)) + result
    except Exception:
        out += struct.pack("<i", -1)
sys.stdout.buffer.write(bytes(out))

#!/usr/bin/python3
"""Runs C ENet's own range coder (libenet.so.7) over a batch of requests.

stdin: records of  op:u8  out_limit:u32le  length:u32le  data[length]
       op 0 = enet_range_coder_compress, op 1 = enet_range_coder_decompress
stdout: per record  result_length:u32le  result[result_length]
A result length of 0 is libenet's "failed / no gain".
One coder context serves the whole batch, as one ENet host would use it.
"""
import ctypes
import struct
import sys

lib = ctypes.CDLL("libenet.so.7")


class ENetBuffer(ctypes.Structure):  # unix.h: { void *data; size_t dataLength; }
    _fields_ = [("data", ctypes.c_void_p), ("dataLength", ctypes.c_size_t)]


lib.enet_range_coder_create.restype = ctypes.c_void_p
lib.enet_range_coder_destroy.argtypes = [ctypes.c_void_p]
lib.enet_range_coder_compress.restype = ctypes.c_size_t
lib.enet_range_coder_compress.argtypes = [
    ctypes.c_void_p, ctypes.POINTER(ENetBuffer), ctypes.c_size_t, ctypes.c_size_t,
    ctypes.c_void_p, ctypes.c_size_t,
]
lib.enet_range_coder_decompress.restype = ctypes.c_size_t
lib.enet_range_coder_decompress.argtypes = [
    ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
]

data = sys.stdin.buffer.read()
coder = lib.enet_range_coder_create()
out = bytearray()
pos = 0
while pos < len(data):
    op, out_limit, length = struct.unpack_from("<BII", data, pos)
    pos += 9
    payload = data[pos:pos + length]
    pos += length
    src = ctypes.create_string_buffer(payload, max(length, 1))
    # Slack past out_limit so an overrun (there should be none) cannot corrupt memory.
    dst = ctypes.create_string_buffer(out_limit + 64)
    if op == 0:
        buf = ENetBuffer(ctypes.cast(src, ctypes.c_void_p), length)
        n = lib.enet_range_coder_compress(coder, ctypes.byref(buf), 1, length, dst, out_limit)
    else:
        n = lib.enet_range_coder_decompress(coder, src, length, dst, out_limit)
    out += struct.pack("<I", n) + dst.raw[:n]
lib.enet_range_coder_destroy(coder)
sys.stdout.buffer.write(bytes(out))

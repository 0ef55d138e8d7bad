"""A TLS 1.2 client (Python's ssl, i.e. OpenSSL) that sends every byte it writes in a TCP segment of
its own: the handshake and RECORDS one-record writes, then reads the server's echo of the records.
usage: trickle_client.py PORT CAFILE RECORDS
Prints "echoed N bytes" on success; exits 1 with a reason otherwise."""
import socket
import ssl
import sys
import time

port, cafile, records = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_verify_locations(cafile)
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
sock = socket.create_connection(("127.0.0.1", port), timeout=20)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
trickled = 0


def send_trickled():
    """What OpenSSL wrote, one byte per send(); a pause now and then so the bytes leave one by one."""
    global trickled
    data = outgoing.read()
    for i in range(len(data)):
        sock.sendall(data[i:i + 1])
        trickled += 1
        if i % 8 == 7:
            time.sleep(0.0005)


def receive():
    data = sock.recv(65536)
    if not data:
        print("the server closed the connection", flush=True)
        sys.exit(1)
    incoming.write(data)


while True:
    try:
        tls.do_handshake()
        break
    except ssl.SSLWantReadError:
        send_trickled()
        receive()
send_trickled()
expected = b"".join(b"record %d;" % i for i in range(records))
for i in range(records):
    tls.write(b"record %d;" % i)
send_trickled()
echo = b""
while len(echo) < len(expected):
    try:
        echo += tls.read(65536)
    except ssl.SSLWantReadError:
        receive()
if echo != expected:
    print("the echo differs", flush=True)
    sys.exit(1)
print("echoed %d bytes, %d bytes trickled, cipher %s" % (len(echo), trickled, tls.cipher()[0]), flush=True)

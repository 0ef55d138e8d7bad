/*
 * The ENet loopback macro-benchmark scenario, written against C ENet (libenet-dev),
 * so the same scenario can be timed on the reference implementation.
 *
 * One process holds a server host and a client host on 127.0.0.1. The client sends
 * COUNT packets of SIZE bytes on channel 0, keeping at most WINDOW packets sent but
 * not yet received by the server, and the run is timed until the server has them all
 * (for unreliable packets: until all have arrived or none arrived for 250 ms, since
 * lost ones would keep the window shut).
 *
 * With WARMUP, WARMUP + COUNT packets are sent and the clock starts at the end of the first turn
 * in which the server has received WARMUP (bench/lib/warmup-clock.ts states the rule; the figures
 * are for the packets after it, the warm-up phase is reported beside them).
 *
 * usage: enet_loopback reliable|unreliable SIZE COUNT [rangecoder] [window] [warmup]
 * prints one JSON line: {"received":N,"seconds":S,"packetsPerSecond":P,"megabytesPerSecond":M,
 *   "totalReceived":T,"warmupPackets":W,"warmupSeconds":WS,"warmupPacketsPerSecond":WP}
 */
#include <enet/enet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s reliable|unreliable SIZE COUNT [rangecoder] [window]\n", argv[0]);
    return 2;
  }
  int reliable = strcmp(argv[1], "reliable") == 0;
  size_t size = (size_t)atol(argv[2]);
  long count = atol(argv[3]);
  int rangecoder = argc > 4 && strcmp(argv[4], "rangecoder") == 0;
  long window = argc > 5 ? atol(argv[5]) : 512;
  long warmup = argc > 6 ? atol(argv[6]) : 0;
  long total = warmup + count;

  if (enet_initialize() != 0) return 1;
  ENetAddress bind_address;
  enet_address_set_host_ip(&bind_address, "127.0.0.1");
  bind_address.port = 0;
  ENetHost *server = enet_host_create(&bind_address, 4, 2, 0, 0);
  ENetHost *client = enet_host_create(NULL, 1, 2, 0, 0);
  if (!server || !client) { fprintf(stderr, "host create failed\n"); return 1; }
  if (rangecoder) {
    enet_host_compress_with_range_coder(server);
    enet_host_compress_with_range_coder(client);
  }
  ENetAddress server_address;
  enet_address_set_host_ip(&server_address, "127.0.0.1");
  server_address.port = server->address.port;
  ENetPeer *peer = enet_host_connect(client, &server_address, 2, 0);

  ENetEvent event;
  int connected = 0;
  double deadline = seconds_now() + 5;
  while (connected < 2 && seconds_now() < deadline) {
    while (enet_host_service(server, &event, 1) > 0) if (event.type == ENET_EVENT_TYPE_CONNECT) connected++;
    while (enet_host_service(client, &event, 1) > 0) if (event.type == ENET_EVENT_TYPE_CONNECT) connected++;
  }
  if (connected < 2) { fprintf(stderr, "connect failed\n"); return 1; }

  unsigned char *payload = malloc(size ? size : 1);
  for (size_t i = 0; i < size; i++) payload[i] = (unsigned char)(i * 31 + 7);
  enet_uint32 flags = reliable ? ENET_PACKET_FLAG_RELIABLE : 0;

  long sent = 0, received = 0;
  double first = seconds_now();
  double start = warmup == 0 ? first : -1;
  long received_at_start = 0;
  double last_progress = first;
  for (;;) {
    while (sent < total && sent - received < window) {
      ENetPacket *packet = enet_packet_create(payload, size, flags);
      if (enet_peer_send(peer, 0, packet) != 0) { fprintf(stderr, "send failed\n"); return 1; }
      sent++;
    }
    enet_host_flush(client);
    while (enet_host_service(server, &event, 0) > 0) {
      if (event.type == ENET_EVENT_TYPE_RECEIVE) {
        received++;
        last_progress = seconds_now();
        enet_packet_destroy(event.packet);
      }
    }
    while (enet_host_service(client, &event, 0) > 0) {
      if (event.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(event.packet);
    }
    if (start < 0 && received >= warmup) {
      start = seconds_now();
      received_at_start = received;
    }
    if (received >= total) break;
    double now = seconds_now();
    /* Unreliable: lost packets never arrive and would hold the window shut, so stop once
       nothing has arrived for 250 ms. */
    if (!reliable && now - last_progress > 0.25) break;
    if (now - first > 120) { fprintf(stderr, "timed out at %ld/%ld\n", received, total); return 1; }
  }
  if (start < 0) { fprintf(stderr, "the run ended in its warm-up: %ld/%ld packets\n", received, warmup); return 1; }
  double end = (received >= total) ? seconds_now() : last_progress;
  double elapsed = end - start;
  long timed = received - received_at_start;
  double warmup_seconds = start - first;
  printf("{\"received\":%ld,\"seconds\":%.6f,\"packetsPerSecond\":%.1f,\"megabytesPerSecond\":%.3f,"
         "\"totalReceived\":%ld,\"warmupPackets\":%ld,\"warmupSeconds\":%.6f,\"warmupPacketsPerSecond\":%.1f}\n",
         timed, elapsed, timed / elapsed, timed * (double)size / elapsed / 1e6,
         received, received_at_start, warmup_seconds, warmup_seconds > 0 ? received_at_start / warmup_seconds : 0.0);
  free(payload);
  enet_host_destroy(client);
  enet_host_destroy(server);
  enet_deinitialize();
  return 0;
}

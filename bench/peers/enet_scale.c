/*
 * ENet at scale on C ENet (libenet-dev): the reference for bench/macro/enet-scale.ts.
 *
 *   enet_scale [SECONDS]
 *
 * Three servers on 127.0.0.1 (4,095 peer slots each, 2 channels), side by side in one process:
 *   alone    10 busy peers;
 *   crowded  10 busy peers + 4,085 idle ones (one client host opens them all);
 *   quiet    as crowded, with the idle peers' ping interval raised to an hour on both sides.
 * Each busy peer sends a 200-byte reliable packet every 10 ms. Every host is serviced once per
 * 1 ms tick, the way a C ENet server loop calling enet_host_service(host, &event, 1) wakes at
 * least every millisecond; each server is serviced until it has no event left. After a
 * second of warm-up, the wall time spent inside each server's enet_host_service calls is summed
 * over SECONDS (default 5) and printed as JSON with the two ratios enet-scale.ts reports.
 * Unlike enet-scale.ts (a simulated network), these are real sockets: each server's figure
 * includes its own sendto/recvfrom calls.
 */
#include <enet/enet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 4095
#define BUSY 10
#define IDLE (SLOTS - BUSY)
#define CHANNELS 2
#define PAYLOAD 200
#define SEND_EVERY_MS 10
#define QUIET_PING_MS 3600000

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_until(double ms) {
  double left = ms - now_ms();
  if (left <= 0) return;
  struct timespec ts = { (time_t)(left / 1e3), (long)((left - (time_t)(left / 1e3) * 1e3) * 1e6) };
  nanosleep(&ts, NULL);
}

static ENetHost *host_on_loopback(size_t peers) {
  ENetAddress address;
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = 0;
  ENetHost *host = enet_host_create(&address, peers, CHANNELS, 0, 0);
  if (!host) {
    fprintf(stderr, "enet_host_create failed\n");
    exit(1);
  }
  return host;
}

static enet_uint16 port_of(ENetHost *host) {
  ENetAddress bound;
  if (enet_socket_get_address(host->socket, &bound) != 0) {
    fprintf(stderr, "enet_socket_get_address failed\n");
    exit(1);
  }
  return bound.port;
}

/** Services a host until it has no event left; returns the connects seen. */
static int drain(ENetHost *host) {
  ENetEvent event;
  int connects = 0;
  while (enet_host_service(host, &event, 0) > 0) {
    if (event.type == ENET_EVENT_TYPE_CONNECT) connects++;
    if (event.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(event.packet);
  }
  return connects;
}

struct scenario {
  const char *name;
  ENetHost *server, *busy_host, *idle_host;
  ENetPeer *busy[BUSY];
  int server_connects;
  double server_ms;
};

static void open_scenario(struct scenario *s, const char *name, int idle) {
  s->name = name;
  s->server = host_on_loopback(SLOTS);
  s->busy_host = host_on_loopback(BUSY);
  s->idle_host = idle > 0 ? host_on_loopback((size_t)idle) : NULL;
  s->server_connects = 0;
  s->server_ms = 0;
  ENetAddress to;
  enet_address_set_host_ip(&to, "127.0.0.1");
  to.port = port_of(s->server);
  for (int i = 0; i < BUSY; i++) s->busy[i] = enet_host_connect(s->busy_host, &to, CHANNELS, 0);
  /* In batches, so the server's 256 KiB receive buffer is not the test. */
  for (int opened = 0; opened < idle;) {
    for (int k = 0; k < 256 && opened < idle; k++, opened++) enet_host_connect(s->idle_host, &to, CHANNELS, 0);
    for (int round = 0; round < 20; round++) {
      drain(s->idle_host);
      s->server_connects += drain(s->server);
      drain(s->busy_host);
    }
  }
}

static void service_scenario(struct scenario *s, int measure) {
  drain(s->busy_host);
  if (s->idle_host) drain(s->idle_host);
  double t0 = now_ms();
  s->server_connects += drain(s->server);
  if (measure) s->server_ms += now_ms() - t0;
}

static void quiet_idle_peers(struct scenario *s) {
  enet_uint16 idle_port = port_of(s->idle_host);
  for (size_t i = 0; i < s->idle_host->peerCount; i++) enet_peer_ping_interval(&s->idle_host->peers[i], QUIET_PING_MS);
  for (size_t i = 0; i < s->server->peerCount; i++)
    if (s->server->peers[i].address.port == idle_port) enet_peer_ping_interval(&s->server->peers[i], QUIET_PING_MS);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5;
  if (!(seconds > 0)) {
    fprintf(stderr, "usage: enet_scale [SECONDS]\n");
    return 2;
  }
  if (enet_initialize() != 0) return 1;
  struct scenario s[3];
  open_scenario(&s[0], "alone", 0);
  open_scenario(&s[1], "crowded", IDLE);
  open_scenario(&s[2], "quiet", IDLE);
  /* Until every peer is connected (the batches above may leave some handshakes in flight). */
  double deadline = now_ms() + 20000;
  while ((s[0].server_connects < BUSY || s[1].server_connects < SLOTS || s[2].server_connects < SLOTS) && now_ms() < deadline) {
    for (int i = 0; i < 3; i++) service_scenario(&s[i], 0);
    sleep_until(now_ms() + 1);
  }
  quiet_idle_peers(&s[2]);
  unsigned char payload[PAYLOAD];
  memset(payload, 1, sizeof payload);
  double start = now_ms(), measure_from = start + 1000, end = measure_from + seconds * 1000;
  double next_send = start, tick = start;
  while (tick < end) {
    if (tick >= next_send) {
      for (int i = 0; i < 3; i++)
        for (int p = 0; p < BUSY; p++)
          if (s[i].busy[p]->state == ENET_PEER_STATE_CONNECTED)
            enet_peer_send(s[i].busy[p], 0, enet_packet_create(payload, sizeof payload, ENET_PACKET_FLAG_RELIABLE));
      next_send += SEND_EVERY_MS;
    }
    for (int i = 0; i < 3; i++) service_scenario(&s[i], tick >= measure_from);
    tick += 1;
    sleep_until(tick);
  }
  printf("{\"peersConnected\":%d,\"seconds\":%g,\"serverMsTenBusyAlone\":%.3f,\"serverMsTenBusyWith4085Idle\":%.3f,"
         "\"serviceRatio\":%.4f,\"serverMsWith4085IdleUnpinged\":%.3f,\"serviceRatioWithoutPings\":%.4f}\n",
         s[1].server_connects, seconds, s[0].server_ms, s[1].server_ms, s[1].server_ms / s[0].server_ms, s[2].server_ms,
         s[2].server_ms / s[0].server_ms);
  for (int i = 0; i < 3; i++) {
    enet_host_destroy(s[i].server);
    enet_host_destroy(s[i].busy_host);
    if (s[i].idle_host) enet_host_destroy(s[i].idle_host);
  }
  enet_deinitialize();
  return s[1].server_connects >= SLOTS && s[2].server_connects >= SLOTS ? 0 : 1;
}

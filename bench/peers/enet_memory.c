/*
 * Memory per connected idle peer on C ENet (libenet-dev), the reference for the
 * packetpeer figure measured by bench/macro/memory-enet.ts, and the idle client
 * load both use.
 *
 *   enet_memory server N      host N peer slots on 127.0.0.1, fork a child process
 *                             that connects N client peers to it, wait for N
 *                             connections, service them idle for a second, print
 *                             {"peers":N,"rssBytesPerPeer":..,"sizeofPeer":..,
 *                             "sizeofChannel":..}, stop the child and exit.
 *   enet_memory clients PORT N [IN_FLIGHT]   one client host connecting N peers to
 *                             PORT and servicing them until stdin closes (or 60 s
 *                             pass); all N handshakes start at once, or with
 *                             IN_FLIGHT at most that many unfinished at a time (for
 *                             a receiver whose socket buffer cannot hold the burst).
 */
#include <enet/enet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_bytes(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

static int stdin_closed(void) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, 0) <= 0) return 0;
  char buf[64];
  return read(0, buf, sizeof buf) <= 0;
}

static int run_clients(int port, int n, int in_flight, int watch_stdin);

static int run_server(int n) {
  long before = rss_bytes();
  ENetAddress address;
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = 0;
  ENetHost *host = enet_host_create(&address, (size_t)n, 2, 0, 0);
  if (!host) { fprintf(stderr, "host create failed\n"); return 1; }
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) { perror("fork"); return 1; }
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    _exit(run_clients(host->address.port, n, 0, 0));
  }
  ENetEvent event;
  int connected = 0;
  double deadline = seconds_now() + 60;
  while (connected < n && seconds_now() < deadline) {
    while (enet_host_service(host, &event, 5) > 0) if (event.type == ENET_EVENT_TYPE_CONNECT) connected++;
  }
  if (connected < n) {
    fprintf(stderr, "only %d of %d connected\n", connected, n);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 1;
  }
  double idle_until = seconds_now() + 1;
  while (seconds_now() < idle_until) enet_host_service(host, &event, 5);
  long after = rss_bytes();
  printf("{\"peers\":%d,\"rssBytesPerPeer\":%.1f,\"sizeofPeer\":%zu,\"sizeofChannel\":%zu}\n", n, (after - before) / (double)n,
         sizeof(ENetPeer), sizeof(ENetChannel));
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  enet_host_destroy(host);
  return 0;
}

static int run_clients(int port, int n, int in_flight, int watch_stdin) {
  ENetHost *host = enet_host_create(NULL, (size_t)n, 2, 0, 0);
  if (!host) { fprintf(stderr, "client host create failed\n"); return 1; }
  ENetAddress address;
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = (enet_uint16)port;
  int started = 0, connected = 0;
  ENetEvent event;
  double deadline = seconds_now() + 60;
  while (seconds_now() < deadline && !(watch_stdin && stdin_closed())) {
    while (started < n && (in_flight <= 0 || started - connected < in_flight)) {
      if (!enet_host_connect(host, &address, 2, 0)) { fprintf(stderr, "connect %d failed\n", started); return 1; }
      started++;
    }
    while (enet_host_service(host, &event, 5) > 0) {
      if (event.type == ENET_EVENT_TYPE_CONNECT) connected++;
      if (event.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(event.packet);
    }
  }
  enet_host_destroy(host);
  return 0;
}

int main(int argc, char **argv) {
  if (enet_initialize() != 0) return 1;
  int rc = 2;
  if (argc == 3 && strcmp(argv[1], "server") == 0) rc = run_server(atoi(argv[2]));
  else if ((argc == 4 || argc == 5) && strcmp(argv[1], "clients") == 0) rc = run_clients(atoi(argv[2]), atoi(argv[3]), argc == 5 ? atoi(argv[4]) : 0, 1);
  else fprintf(stderr, "usage: %s server N | clients PORT N [IN_FLIGHT]\n", argv[0]);
  enet_deinitialize();
  return rc;
}

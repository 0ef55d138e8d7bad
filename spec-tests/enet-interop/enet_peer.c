/*
 * enet_peer: a scriptable C ENet (libenet 1.3.17) peer for interop tests.
 *
 * It hosts or connects, runs a queue of commands (from --script, then stdin, one
 * per line, ';' also separates), and prints every ENet event as one JSON line on
 * stdout so a test can follow the session. See docs/enet-interop.md for the grammar.
 */
#define _POSIX_C_SOURCE 200809L
#include <enet/enet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_QUEUE (1 << 17)
/* Wrap-safe comparison of ENet millisecond times. */
#define TIME_BEFORE(a, b) ((int32_t)((a) - (b)) < 0)
#define MAX_LINE (4 << 20)

typedef struct {
  int is_server;
  const char *bind_addr;
  int port;
  const char *connect_host;
  int connect_port;
  size_t peers;
  size_t channels;
  enet_uint32 data;
  int checksum;
  int range_coder;
  int mtu;
  enet_uint32 timeout_limit, timeout_min, timeout_max;
  int has_timeout;
  int ping_interval;
  size_t hex_limit;
  int echo;
  long max_runtime_ms;
  int sockbuf;
  enet_uint32 in_bandwidth, out_bandwidth;
} Options;

static Options opt;
static ENetHost *host;
static char *queue[MAX_QUEUE];
static size_t q_head, q_tail;
static int stdin_open = 1;
static char line_buf[MAX_LINE];
static size_t line_len;
static long counters[4]; /* by ENetEventType */
static int quitting;

/* A blocking command parks the queue until its condition holds or its deadline passes. */
static enum { BLOCK_NONE, BLOCK_SLEEP, BLOCK_WAIT } block;
static enet_uint32 block_until;
static int block_event;
static long block_count;

static void out(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
}

static enet_uint32 fnv1a(const enet_uint8 *p, size_t n) {
  enet_uint32 h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

static size_t peer_index(ENetPeer *p) { return (size_t)(p - host->peers); }

static void apply_peer_settings(ENetPeer *p) {
  if (opt.has_timeout) enet_peer_timeout(p, opt.timeout_limit, opt.timeout_min, opt.timeout_max);
  if (opt.ping_interval > 0) enet_peer_ping_interval(p, (enet_uint32)opt.ping_interval);
}

static void print_hex(char *dst, const enet_uint8 *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    dst[2 * i] = digits[p[i] >> 4];
    dst[2 * i + 1] = digits[p[i] & 15];
  }
  dst[2 * n] = 0;
}

static void emit_receive(ENetEvent *ev) {
  size_t n = ev->packet->dataLength;
  size_t shown = n <= opt.hex_limit ? n : 0;
  char *hex = malloc(shown * 2 + 1);
  if (!hex) return;
  print_hex(hex, ev->packet->data, shown);
  out("{\"ev\":\"receive\",\"peer\":%zu,\"ch\":%u,\"flags\":%u,\"len\":%zu,\"fnv\":\"%08x\"%s%s%s}", peer_index(ev->peer),
      ev->channelID, ev->packet->flags, n, fnv1a(ev->packet->data, n), shown == n ? ",\"hex\":\"" : "",
      shown == n ? hex : "", shown == n ? "\"" : "");
  free(hex);
}

static void handle_event(ENetEvent *ev) {
  char ip[64];
  counters[ev->type]++;
  switch (ev->type) {
    case ENET_EVENT_TYPE_CONNECT:
      apply_peer_settings(ev->peer);
      enet_address_get_host_ip(&ev->peer->address, ip, sizeof ip);
      out("{\"ev\":\"connect\",\"peer\":%zu,\"data\":%u,\"host\":\"%s\",\"port\":%u,\"outgoingPeerID\":%u,"
          "\"connectID\":%u,\"mtu\":%u,\"channels\":%zu,\"windowSize\":%u}",
          peer_index(ev->peer), ev->data, ip, ev->peer->address.port, ev->peer->outgoingPeerID, ev->peer->connectID,
          ev->peer->mtu, ev->peer->channelCount, ev->peer->windowSize);
      break;
    case ENET_EVENT_TYPE_DISCONNECT:
      out("{\"ev\":\"disconnect\",\"peer\":%zu,\"data\":%u}", peer_index(ev->peer), ev->data);
      break;
    case ENET_EVENT_TYPE_RECEIVE:
      emit_receive(ev);
      if (opt.echo) {
        ENetPacket *copy = enet_packet_create(ev->packet->data, ev->packet->dataLength,
                                              ev->packet->flags & (ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_UNSEQUENCED |
                                                                   ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT));
        if (copy && enet_peer_send(ev->peer, ev->channelID, copy) < 0) enet_packet_destroy(copy);
      }
      enet_packet_destroy(ev->packet);
      break;
    default:
      break;
  }
}

/* Payload grammar: empty | hex:<hex> | str:<text> | pat:<len>:<seed> (byte i = (seed + 7*i + (i>>8)) & 255). */
static ENetPacket *make_packet(const char *spec, enet_uint32 flags) {
  ENetPacket *p = NULL;
  if (strcmp(spec, "empty") == 0) {
    p = enet_packet_create(NULL, 0, flags);
  } else if (strncmp(spec, "hex:", 4) == 0) {
    const char *h = spec + 4;
    size_t n = strlen(h) / 2;
    p = enet_packet_create(NULL, n, flags);
    if (!p) return NULL;
    for (size_t i = 0; i < n; i++) {
      unsigned v;
      if (sscanf(h + 2 * i, "%2x", &v) != 1) v = 0;
      p->data[i] = (enet_uint8)v;
    }
  } else if (strncmp(spec, "str:", 4) == 0) {
    p = enet_packet_create(spec + 4, strlen(spec + 4), flags);
  } else if (strncmp(spec, "pat:", 4) == 0) {
    unsigned long len = 0, seed = 0;
    if (sscanf(spec + 4, "%lu:%lu", &len, &seed) < 1) return NULL;
    p = enet_packet_create(NULL, len, flags);
    if (!p) return NULL;
    for (size_t i = 0; i < len; i++) p->data[i] = (enet_uint8)((seed + 7 * i + (i >> 8)) & 255);
  }
  return p;
}

static ENetPeer *get_peer(const char *s) {
  char *end;
  long i = strtol(s, &end, 10);
  if (*end || i < 0 || (size_t)i >= host->peerCount) return NULL;
  return &host->peers[i];
}

static int event_type_of(const char *s) {
  if (strcmp(s, "connect") == 0) return ENET_EVENT_TYPE_CONNECT;
  if (strcmp(s, "disconnect") == 0) return ENET_EVENT_TYPE_DISCONNECT;
  if (strcmp(s, "receive") == 0) return ENET_EVENT_TYPE_RECEIVE;
  return -1;
}

static void do_connect(const char *hostname, int port, size_t channels, enet_uint32 data) {
  ENetAddress addr;
  if (enet_address_set_host_ip(&addr, hostname) != 0 && enet_address_set_host(&addr, hostname) != 0) {
    out("{\"ev\":\"error\",\"msg\":\"cannot resolve %s\"}", hostname);
    return;
  }
  addr.port = (enet_uint16)port;
  ENetPeer *p = enet_host_connect(host, &addr, channels, data);
  if (!p) {
    out("{\"ev\":\"error\",\"msg\":\"enet_host_connect failed\"}");
    return;
  }
  apply_peer_settings(p);
  out("{\"ev\":\"connecting\",\"peer\":%zu}", peer_index(p));
}

/* Runs one command; returns 0 when done, 1 when it parked the queue. */
static int run_command(char *line) {
  char *argv[8] = {0};
  int argc = 0;
  for (char *tok = strtok(line, " \t\r"); tok && argc < 8; tok = strtok(NULL, " \t\r")) argv[argc++] = tok;
  if (argc == 0 || argv[0][0] == '#') return 0;
  const char *cmd = argv[0];
  ENetPeer *peer = argc > 1 ? get_peer(argv[1]) : NULL;

  if (strcmp(cmd, "send") == 0 && argc == 5) {
    ENetPacket *p = make_packet(argv[4], (enet_uint32)strtoul(argv[3], NULL, 0));
    int all = strcmp(argv[1], "all") == 0;
    if (!p || (!peer && !all)) {
      out("{\"ev\":\"error\",\"msg\":\"bad send\"}");
      if (p) enet_packet_destroy(p);
      return 0;
    }
    if (all) {
      enet_host_broadcast(host, (enet_uint8)atoi(argv[2]), p);
    } else if (enet_peer_send(peer, (enet_uint8)atoi(argv[2]), p) < 0) {
      enet_packet_destroy(p);
      out("{\"ev\":\"error\",\"msg\":\"enet_peer_send failed\"}");
    }
  } else if (strcmp(cmd, "flush") == 0) {
    enet_host_flush(host);
  } else if (strcmp(cmd, "connect") == 0 && argc >= 3) {
    do_connect(argv[1], atoi(argv[2]), argc > 3 ? (size_t)atoi(argv[3]) : opt.channels,
               argc > 4 ? (enet_uint32)strtoul(argv[4], NULL, 0) : opt.data);
  } else if (strcmp(cmd, "disconnect") == 0 && peer) {
    enet_peer_disconnect(peer, argc > 2 ? (enet_uint32)strtoul(argv[2], NULL, 0) : 0);
  } else if (strcmp(cmd, "disconnect_later") == 0 && peer) {
    enet_peer_disconnect_later(peer, argc > 2 ? (enet_uint32)strtoul(argv[2], NULL, 0) : 0);
  } else if (strcmp(cmd, "disconnect_now") == 0 && peer) {
    enet_peer_disconnect_now(peer, argc > 2 ? (enet_uint32)strtoul(argv[2], NULL, 0) : 0);
  } else if (strcmp(cmd, "reset") == 0 && peer) {
    enet_peer_reset(peer);
  } else if (strcmp(cmd, "ping") == 0 && peer) {
    enet_peer_ping(peer);
  } else if (strcmp(cmd, "timeout") == 0 && peer && argc == 5) {
    enet_peer_timeout(peer, (enet_uint32)atol(argv[2]), (enet_uint32)atol(argv[3]), (enet_uint32)atol(argv[4]));
  } else if (strcmp(cmd, "ping_interval") == 0 && peer && argc == 3) {
    enet_peer_ping_interval(peer, (enet_uint32)atol(argv[2]));
  } else if (strcmp(cmd, "throttle") == 0 && peer && argc == 5) {
    enet_peer_throttle_configure(peer, (enet_uint32)atol(argv[2]), (enet_uint32)atol(argv[3]), (enet_uint32)atol(argv[4]));
  } else if (strcmp(cmd, "mark") == 0) {
    out("{\"ev\":\"mark\",\"ms\":%u,\"label\":\"%s\"}", enet_time_get(), argc > 1 ? argv[1] : "");
  } else if (strcmp(cmd, "bandwidth_limit") == 0 && argc == 3) {
    enet_host_bandwidth_limit(host, (enet_uint32)atol(argv[1]), (enet_uint32)atol(argv[2]));
  } else if (strcmp(cmd, "max_waiting") == 0 && argc == 2) {
    host->maximumWaitingData = (size_t)strtoul(argv[1], NULL, 0);
  } else if (strcmp(cmd, "echo") == 0 && argc == 2) {
    opt.echo = strcmp(argv[1], "on") == 0;
  } else if (strcmp(cmd, "stats") == 0 && peer) {
    out("{\"ev\":\"stats\",\"peer\":%zu,\"state\":%d,\"rtt\":%u,\"rttVariance\":%u,\"packetLoss\":%u,\"mtu\":%u,"
        "\"packetsSent\":%u,\"packetsLost\":%u,\"incomingBandwidth\":%u,\"outgoingBandwidth\":%u,\"channels\":%zu,"
        "\"throttleInterval\":%u,\"throttleAcceleration\":%u,\"throttleDeceleration\":%u,\"windowSize\":%u,"
        "\"packetThrottle\":%u,\"reliableDataInTransit\":%u}",
        peer_index(peer), (int)peer->state, peer->roundTripTime, peer->roundTripTimeVariance, peer->packetLoss, peer->mtu,
        peer->packetsSent, peer->packetsLost, peer->incomingBandwidth, peer->outgoingBandwidth, peer->channelCount,
        peer->packetThrottleInterval, peer->packetThrottleAcceleration, peer->packetThrottleDeceleration, peer->windowSize,
        peer->packetThrottle, peer->reliableDataInTransit);
  } else if (strcmp(cmd, "stall") == 0 && argc == 2) {
    /* The whole program stops, host included: nothing is read, acknowledged or sent meanwhile (a frozen game loop). */
    usleep((useconds_t)atol(argv[1]) * 1000);
  } else if (strcmp(cmd, "sleep") == 0 && argc == 2) {
    block = BLOCK_SLEEP;
    block_until = enet_time_get() + (enet_uint32)atol(argv[1]);
    return 1;
  } else if (strcmp(cmd, "wait") == 0 && argc >= 2 && event_type_of(argv[1]) >= 0) {
    block = BLOCK_WAIT;
    block_event = event_type_of(argv[1]);
    block_count = argc > 2 ? atol(argv[2]) : 1;
    block_until = enet_time_get() + (enet_uint32)(argc > 3 ? atol(argv[3]) : 10000);
    return 1;
  } else if (strcmp(cmd, "quit") == 0) {
    enet_host_flush(host);
    quitting = 1;
  } else if (strcmp(cmd, "vanish") == 0) {
    /* Leave without a word so the other side has to time us out. */
    _exit(0);
  } else {
    out("{\"ev\":\"error\",\"msg\":\"unknown or malformed command: %s\"}", cmd);
    return 0;
  }
  return 0;
}

static void enqueue_text(const char *text) {
  const char *s = text;
  while (*s) {
    size_t n = strcspn(s, ";\n");
    if (n > 0) {
      if ((q_tail + 1) % MAX_QUEUE == q_head) {
        out("{\"ev\":\"error\",\"msg\":\"command queue full, command dropped\"}");
      } else {
        queue[q_tail] = strndup(s, n);
        q_tail = (q_tail + 1) % MAX_QUEUE;
      }
    }
    s += n;
    if (*s) s++;
  }
}

static void read_stdin(void) {
  struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
  while (stdin_open && poll(&pfd, 1, 0) > 0) {
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) {
      stdin_open = 0;
      /* The test that drove us is gone or done: finish the queue, then leave. */
      enqueue_text("quit");
      return;
    }
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == '\n') {
        line_buf[line_len] = 0;
        enqueue_text(line_buf);
        line_len = 0;
      } else if (line_len + 1 < sizeof line_buf) {
        line_buf[line_len++] = buf[i];
      }
    }
  }
}

static void run_queue(void) {
  while (!quitting) {
    if (block == BLOCK_SLEEP) {
      if (TIME_BEFORE(enet_time_get(), block_until)) return;
      block = BLOCK_NONE;
      out("{\"ev\":\"done\",\"cmd\":\"sleep\"}");
    } else if (block == BLOCK_WAIT) {
      if (counters[block_event] >= block_count) {
        block = BLOCK_NONE;
        out("{\"ev\":\"done\",\"cmd\":\"wait\"}");
      } else if (!TIME_BEFORE(enet_time_get(), block_until)) {
        block = BLOCK_NONE;
        out("{\"ev\":\"error\",\"msg\":\"wait timed out\"}");
      } else {
        return;
      }
    }
    if (q_head == q_tail) return;
    char *line = queue[q_head];
    q_head = (q_head + 1) % MAX_QUEUE;
    run_command(line);
    free(line);
  }
}

static void usage(void) {
  fprintf(stderr,
          "usage: enet_peer (--server [--port N] | --client --connect HOST:PORT) [--bind ADDR] [--peers N]\n"
          "       [--channels N] [--data N] [--checksum] [--range-coder] [--mtu N] [--timeout L,MIN,MAX]\n"
          "       [--ping-interval MS] [--hex-limit N] [--echo] [--max-runtime MS] [--sockbuf BYTES] [--bandwidth IN,OUT] [--script 'cmd; cmd']\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *script = NULL;
  opt.bind_addr = "127.0.0.1";
  opt.channels = 4;
  opt.hex_limit = 256;
  opt.max_runtime_ms = 60000;
  opt.is_server = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE \
  if (!v) usage(); \
  i++;
    if (strcmp(a, "--server") == 0) opt.is_server = 1;
    else if (strcmp(a, "--client") == 0) opt.is_server = 0;
    else if (strcmp(a, "--checksum") == 0) opt.checksum = 1;
    else if (strcmp(a, "--range-coder") == 0) opt.range_coder = 1;
    else if (strcmp(a, "--echo") == 0) opt.echo = 1;
    else if (strcmp(a, "--port") == 0) { NEED_VALUE opt.port = atoi(v); }
    else if (strcmp(a, "--bind") == 0) { NEED_VALUE opt.bind_addr = v; }
    else if (strcmp(a, "--peers") == 0) { NEED_VALUE opt.peers = (size_t)atoi(v); }
    else if (strcmp(a, "--channels") == 0) { NEED_VALUE opt.channels = (size_t)atoi(v); }
    else if (strcmp(a, "--data") == 0) { NEED_VALUE opt.data = (enet_uint32)strtoul(v, NULL, 0); }
    else if (strcmp(a, "--mtu") == 0) { NEED_VALUE opt.mtu = atoi(v); }
    else if (strcmp(a, "--ping-interval") == 0) { NEED_VALUE opt.ping_interval = atoi(v); }
    else if (strcmp(a, "--hex-limit") == 0) { NEED_VALUE opt.hex_limit = (size_t)atol(v); }
    else if (strcmp(a, "--max-runtime") == 0) { NEED_VALUE opt.max_runtime_ms = atol(v); }
    else if (strcmp(a, "--sockbuf") == 0) { NEED_VALUE opt.sockbuf = atoi(v); }
    else if (strcmp(a, "--bandwidth") == 0) {
      NEED_VALUE
      unsigned long in_bw, out_bw;
      if (sscanf(v, "%lu,%lu", &in_bw, &out_bw) != 2) usage();
      opt.in_bandwidth = (enet_uint32)in_bw;
      opt.out_bandwidth = (enet_uint32)out_bw;
    }
    else if (strcmp(a, "--script") == 0) { NEED_VALUE script = v; }
    else if (strcmp(a, "--timeout") == 0) {
      NEED_VALUE
      unsigned long l, mn, mx;
      if (sscanf(v, "%lu,%lu,%lu", &l, &mn, &mx) != 3) usage();
      opt.timeout_limit = (enet_uint32)l;
      opt.timeout_min = (enet_uint32)mn;
      opt.timeout_max = (enet_uint32)mx;
      opt.has_timeout = 1;
    } else if (strcmp(a, "--connect") == 0) {
      NEED_VALUE
      static char hostbuf[256];
      const char *colon = strrchr(v, ':');
      if (!colon || (size_t)(colon - v) >= sizeof hostbuf) usage();
      memcpy(hostbuf, v, (size_t)(colon - v));
      hostbuf[colon - v] = 0;
      opt.connect_host = hostbuf;
      opt.connect_port = atoi(colon + 1);
    } else usage();
  }
  if (opt.is_server < 0 || (!opt.is_server && !opt.connect_host)) usage();
  if (opt.peers == 0) opt.peers = opt.is_server ? 8 : 1;

  if (enet_initialize() != 0) {
    out("{\"ev\":\"error\",\"msg\":\"enet_initialize failed\"}");
    return 1;
  }
  ENetAddress bind_addr;
  if (enet_address_set_host_ip(&bind_addr, opt.bind_addr) != 0) usage();
  bind_addr.port = (enet_uint16)(opt.is_server ? opt.port : 0);
  host = enet_host_create(&bind_addr, opt.peers, opt.channels, opt.in_bandwidth, opt.out_bandwidth);
  if (!host) {
    out("{\"ev\":\"error\",\"msg\":\"enet_host_create failed\"}");
    return 1;
  }
  if (opt.sockbuf > 0) {
    /* Larger kernel buffers so a burst of unreliable fragments is not lost before we read it. */
    enet_socket_set_option(host->socket, ENET_SOCKOPT_RCVBUF, opt.sockbuf);
    enet_socket_set_option(host->socket, ENET_SOCKOPT_SNDBUF, opt.sockbuf);
  }
  if (opt.checksum) host->checksum = enet_crc32;
  if (opt.range_coder) enet_host_compress_with_range_coder(host);
  if (opt.mtu > 0) {
    /* Peers copy host->mtu only when reset, so reset the (still idle) peers after changing it. */
    host->mtu = (enet_uint32)opt.mtu;
    for (size_t i = 0; i < host->peerCount; i++) enet_peer_reset(&host->peers[i]);
  }

  ENetAddress local;
  enet_socket_get_address(host->socket, &local);
  out("{\"ev\":\"ready\",\"mode\":\"%s\",\"port\":%u,\"mtu\":%u,\"version\":\"%d.%d.%d\"}", opt.is_server ? "server" : "client",
      local.port, host->mtu, ENET_VERSION_MAJOR, ENET_VERSION_MINOR, ENET_VERSION_PATCH);

  if (!opt.is_server) do_connect(opt.connect_host, opt.connect_port, opt.channels, opt.data);
  if (script) enqueue_text(script);

  enet_uint32 started = enet_time_get();
  int exit_code = 0;
  while (!quitting) {
    read_stdin();
    run_queue();
    if (quitting) break;
    ENetEvent ev;
    int r = enet_host_service(host, &ev, 1);
    while (r > 0) {
      handle_event(&ev);
      r = enet_host_check_events(host, &ev);
    }
    if (r < 0) out("{\"ev\":\"error\",\"msg\":\"enet_host_service failed\"}");
    if ((long)(enet_time_get() - started) > opt.max_runtime_ms) {
      out("{\"ev\":\"error\",\"msg\":\"max runtime reached\"}");
      exit_code = 3;
      break;
    }
  }
  enet_host_flush(host);
  out("{\"ev\":\"exit\"}");
  enet_host_destroy(host);
  enet_deinitialize();
  return exit_code;
}

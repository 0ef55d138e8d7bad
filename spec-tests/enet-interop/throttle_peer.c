/*
 * throttle_peer: the two ends of the packet-throttle comparison (throttle-live.ts), on libenet 1.3.17.
 *
 *   throttle_peer send PORT COUNT INTERVAL_MS RELIABLE_EVERY BURST [trace]
 *     Hosts on 127.0.0.1:PORT, waits for one client, then sends COUNT packets shaped like a
 *     Godot 3 server's (an 8-byte source/target header, then the packet's index), BURST of them
 *     every INTERVAL_MS: every RELIABLE_EVERY-th reliable on channel 1, the others unsequenced on
 *     channel 2 (NetworkedMultiplayerENet's default unreliable mode). Each send is flushed at
 *     once, as NetworkedMultiplayerENet::put_packet does. The host is serviced every 1 ms.
 *     Then a reliable "end" packet, and a JSON line with what the packet throttle dropped.
 *     With "trace", also a JSON line per datagram of acknowledgements (see trace_flush).
 *
 *   throttle_peer unsequenced-run PORT
 *     Both ends in one process on 127.0.0.1:PORT. With the server's packetThrottle set to 0, then
 *     to 32, queues 4 unsequenced packets, one reliable and 2 unsequenced, flushes once, and
 *     prints a JSON line per round: the throttle counter before and after, and what the client
 *     received (spec-tests/enet/throttle-unsequenced-run.test.ts expects the same of ours).
 *
 *   throttle_peer receive PORT SLEEP_MS LONG_EVERY LONG_MS
 *     Connects to 127.0.0.1:PORT with 8 channels and, like Godot's headless main loop, services
 *     the host until no event is left and then sleeps SLEEP_MS; every LONG_EVERY-th frame (0:
 *     none) sleeps LONG_MS instead, like a game frame with work in it. Prints a JSON line with the
 *     packets received when the "end" packet arrives.
 */
#define _POSIX_C_SOURCE 200809L
#include <enet/enet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAYLOAD 40
/* Wrap-safe comparisons of ENet millisecond times. */
#define TIME_BEFORE(a, b) ((int32_t)((a) - (b)) < 0)
#define TIME_AFTER(a, b) ((int32_t)((a) - (b)) > 0)
#define CHANNELS 8

static void sleep_ms(long ms) {
  struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&t, NULL);
}

static void put_u32(enet_uint8 *p, uint32_t v) {
  p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = v >> 24;
}

static uint32_t get_u32(const enet_uint8 *p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* RTT samples the sender takes (host time minus the acknowledged sentTime, as
 * enet_protocol_handle_acknowledge computes it), by size: 0-1, 2-3, 4-7, 8-15, 16-31, 32+ ms. */
static long sample_buckets[6];
static long sample_count, sample_max;

/* send ... trace: one JSON line per datagram carrying acknowledgements, with the samples in it
 * and the peer's RTT and throttle state once ENet has read it (throttle-c-replay.test.ts replays
 * the samples into our implementation and compares). */
static int tracing;
static ENetPeer *traced_peer;
static int trace_pending;
static enet_uint32 trace_time;
static char trace_samples[4096];

static void trace_flush(void) {
  if (!trace_pending || traced_peer == NULL) return;
  ENetPeer *p = traced_peer;
  trace_pending = 0;
  /* Reset since (its disconnect was dispatched in the same service call): its state is the
   * defaults, no longer what the samples made of it, and the session is over. */
  if (p->lastReceiveTime == 0) return;
  printf("{\"ev\":\"ack\",\"t\":%u,\"samples\":[%s],\"rtt\":%u,\"rttVariance\":%u,\"lowest\":%u,\"highestVariance\":%u,"
         "\"lastRtt\":%u,\"lastVariance\":%u,\"throttle\":%u,\"epoch\":%u,\"lastReceive\":%u}\n",
         trace_time, trace_samples, p->roundTripTime, p->roundTripTimeVariance, p->lowestRoundTripTime, p->highestRoundTripTimeVariance,
         p->lastRoundTripTime, p->lastRoundTripTimeVariance, p->packetThrottle, p->packetThrottleEpoch, p->lastReceiveTime);
}

static int bucket_of(long sample) {
  int b = 0;
  for (long edge = 2; b < 5 && sample >= edge; edge *= 2) b++;
  return b;
}

/* Sees every datagram before ENet reads it (intercept), at the service time ENet will use. */
static int count_samples(ENetHost *host, ENetEvent *event) {
  (void)event;
  if (tracing) trace_flush();
  const enet_uint8 *d = host->receivedData;
  size_t n = host->receivedDataLength, at = 2;
  if (n < 2) return 0;
  enet_uint16 flags = (enet_uint16)((d[0] << 8) | d[1]);
  if (flags & ENET_PROTOCOL_HEADER_FLAG_COMPRESSED) return 0;
  if (flags & ENET_PROTOCOL_HEADER_FLAG_SENT_TIME) at += 2;
  while (at + 4 <= n) {
    int command = d[at] & ENET_PROTOCOL_COMMAND_MASK;
    size_t size;
    if (command == ENET_PROTOCOL_COMMAND_ACKNOWLEDGE) {
      if (at + 8 > n) break;
      enet_uint32 sent = (enet_uint32)((d[at + 6] << 8) | d[at + 7]);
      long sample = (long)((host->serviceTime - sent) & 0xFFFF);
      if (sample < 1) sample = 1;
      sample_buckets[bucket_of(sample)]++;
      sample_count++;
      if (sample > sample_max) sample_max = sample;
      if (tracing && traced_peer != NULL) {
        size_t used = strlen(trace_samples);
        if (!trace_pending) {
          trace_pending = 1;
          trace_time = host->serviceTime;
          trace_samples[0] = 0;
          used = 0;
        }
        snprintf(trace_samples + used, sizeof trace_samples - used, "%s%ld", used ? "," : "", sample);
      }
      size = 8;
    } else if (command == ENET_PROTOCOL_COMMAND_PING) size = 4;
    else break;
    at += size;
  }
  return 0;
}

static int run_sender(int port, long count, long interval, long reliable_every, long burst, int trace) {
  ENetAddress address = { 0 };
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = (enet_uint16)port;
  ENetHost *host = enet_host_create(&address, 4, CHANNELS, 0, 0);
  if (host == NULL) { fprintf(stderr, "cannot bind %d\n", port); return 2; }
  host->intercept = count_samples;
  tracing = trace;
  /* The client takes the first free slot; trace it from its CONNECT on (its state starts at enet_peer_reset's). */
  traced_peer = &host->peers[0];
  printf("{\"ev\":\"listening\",\"port\":%d}\n", port);
  fflush(stdout);

  ENetPeer *peer = NULL;
  ENetEvent event;
  enet_uint32 give_up = enet_time_get() + 20000;
  while (peer == NULL) {
    if (enet_host_service(host, &event, 10) > 0 && event.type == ENET_EVENT_TYPE_CONNECT) peer = event.peer;
    if (tracing) trace_flush();
    if (TIME_AFTER(enet_time_get(), give_up)) { fprintf(stderr, "no client\n"); return 3; }
  }

  long sent_unreliable = 0, dropped = 0, sent_reliable = 0, throttle_falls = 0;
  enet_uint32 first_last_rtt = 0, first_last_variance = 0, previous_throttle = ENET_PEER_PACKET_THROTTLE_SCALE;
  /* Per throttle epoch (a new reference lastRoundTripTime +- lastRoundTripTimeVariance): unreliable sends and drops. */
  enum { MAX_EPOCHS = 64 };
  enet_uint32 epoch_start[MAX_EPOCHS], epoch_rtt[MAX_EPOCHS], epoch_variance[MAX_EPOCHS];
  long epoch_sent[MAX_EPOCHS], epoch_dropped[MAX_EPOCHS];
  int epochs = 0;
  enet_uint32 throttle_min = ENET_PEER_PACKET_THROTTLE_SCALE;
  enet_uint32 next_send = enet_time_get();
  long index = 0;
  int end_sent = 0;
  enet_uint32 end_deadline = 0;
  for (;;) {
    while (enet_host_service(host, &event, 0) > 0) {
      if (tracing) trace_flush();
      if (event.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(event.packet);
      if (event.type == ENET_EVENT_TYPE_DISCONNECT) goto done;
    }
    if (tracing) trace_flush();
    enet_uint32 now = enet_time_get();
    for (long b = 0; b < burst && index < count && !TIME_BEFORE(now, next_send); b++) {
      int reliable = reliable_every > 0 && index % reliable_every == reliable_every - 1;
      ENetPacket *packet = enet_packet_create(NULL, PAYLOAD, reliable ? ENET_PACKET_FLAG_RELIABLE : ENET_PACKET_FLAG_UNSEQUENCED);
      memset(packet->data, 0, PAYLOAD);
      put_u32(packet->data, 1);
      put_u32(packet->data + 4, 0);
      put_u32(packet->data + 8, (uint32_t)index);
      if (peer->packetThrottle < throttle_min) throttle_min = peer->packetThrottle;
      if (peer->packetThrottle < previous_throttle) throttle_falls++;
      previous_throttle = peer->packetThrottle;
      if (!reliable && epochs < MAX_EPOCHS && (epochs == 0 || epoch_start[epochs - 1] != peer->packetThrottleEpoch)) {
        epoch_start[epochs] = peer->packetThrottleEpoch;
        epoch_rtt[epochs] = peer->lastRoundTripTime;
        epoch_variance[epochs] = peer->lastRoundTripTimeVariance;
        epoch_sent[epochs] = epoch_dropped[epochs] = 0;
        epochs++;
      }
      if (index == 0) {
        first_last_rtt = peer->lastRoundTripTime;
        first_last_variance = peer->lastRoundTripTimeVariance;
      }
      enet_uint32 counter_before = peer->packetThrottleCounter;
      enet_peer_send(peer, reliable ? 1 : 2, packet);
      enet_host_flush(host);
      if (reliable) sent_reliable++;
      else {
        sent_unreliable++;
        /* The flush consumed one step of the counter; the packet went out unless the counter passed the throttle. */
        enet_uint32 counter = (counter_before + ENET_PEER_PACKET_THROTTLE_COUNTER) % ENET_PEER_PACKET_THROTTLE_SCALE;
        int was_dropped = counter > peer->packetThrottle;
        dropped += was_dropped;
        if (epochs > 0) {
          epoch_sent[epochs - 1]++;
          epoch_dropped[epochs - 1] += was_dropped;
        }
      }
      index++;
      if (b == burst - 1 || index == count) next_send += (enet_uint32)interval;
    }
    if (index == count && !end_sent) {
      ENetPacket *packet = enet_packet_create("\1\0\0\0\0\0\0\0end", 11, ENET_PACKET_FLAG_RELIABLE);
      enet_peer_send(peer, 1, packet);
      enet_host_flush(host);
      end_sent = 1;
      end_deadline = now + 10000;
    }
    if (end_sent && TIME_AFTER(now, end_deadline)) break;
    sleep_ms(1);
  }
done:
  if (tracing) trace_flush();
  printf("{\"ev\":\"sent\",\"unreliable\":%ld,\"reliable\":%ld,\"throttle_dropped\":%ld,\"throttle_min\":%u,\"rtt\":%u,\"rtt_variance\":%u,\"first_last_rtt\":%u,\"first_last_variance\":%u,\"throttle_falls\":%ld,\"epochs\":\"",
         sent_unreliable, sent_reliable, dropped, throttle_min, peer->roundTripTime, peer->roundTripTimeVariance, first_last_rtt, first_last_variance, throttle_falls);
  for (int e = 0; e < epochs; e++) printf("%s%u+-%u:%ld/%ld", e ? " " : "", epoch_rtt[e], epoch_variance[e], epoch_dropped[e], epoch_sent[e]);
  printf("\",\"samples\":\"%ld %ld %ld %ld %ld %ld max %ld\"}\n", sample_buckets[0], sample_buckets[1], sample_buckets[2], sample_buckets[3],
         sample_buckets[4], sample_buckets[5], sample_max);
  fflush(stdout);
  enet_host_destroy(host);
  return 0;
}

static int run_receiver(int port, long sleep_each, long long_every, long long_ms) {
  ENetHost *host = enet_host_create(NULL, 1, CHANNELS, 0, 0);
  if (host == NULL) return 2;
  ENetAddress address = { 0 };
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = (enet_uint16)port;
  ENetPeer *peer = enet_host_connect(host, &address, CHANNELS, 12345);
  if (peer == NULL) return 2;
  long unreliable = 0, reliable = 0;
  enet_uint32 give_up = enet_time_get() + 120000;
  for (long frame = 1;; frame++) {
    ENetEvent event;
    while (enet_host_service(host, &event, 0) > 0) {
      if (event.type == ENET_EVENT_TYPE_DISCONNECT) { fprintf(stderr, "disconnected\n"); return 4; }
      if (event.type != ENET_EVENT_TYPE_RECEIVE) continue;
      ENetPacket *packet = event.packet;
      if (packet->dataLength == 11 && memcmp(packet->data + 8, "end", 3) == 0) {
        printf("{\"ev\":\"received\",\"unreliable\":%ld,\"reliable\":%ld}\n", unreliable, reliable);
        fflush(stdout);
        enet_packet_destroy(packet);
        enet_peer_disconnect(peer, 0);
        enet_uint32 until = enet_time_get() + 1000;
        while (TIME_BEFORE(enet_time_get(), until) && enet_host_service(host, &event, 10) >= 0)
          if (event.type == ENET_EVENT_TYPE_DISCONNECT) break;
        enet_host_destroy(host);
        return 0;
      }
      if (packet->dataLength >= 12 && get_u32(packet->data) == 1) {
        if (event.channelID == 2) unreliable++;
        else reliable++;
      }
      enet_packet_destroy(packet);
    }
    if (TIME_AFTER(enet_time_get(), give_up)) return 3;
    sleep_ms(long_every > 0 && frame % long_every == 0 ? long_ms : sleep_each);
  }
}

static int run_unsequenced_run(int port) {
  ENetAddress address = { 0 };
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = (enet_uint16)port;
  ENetHost *server = enet_host_create(&address, 2, 4, 0, 0);
  ENetHost *client = enet_host_create(NULL, 1, 4, 0, 0);
  if (server == NULL || client == NULL) { fprintf(stderr, "cannot bind %d\n", port); return 2; }
  if (enet_host_connect(client, &address, 4, 0) == NULL) return 2;
  ENetEvent event;
  ENetPeer *peer = NULL;
  int connected = 0;
  enet_uint32 give_up = enet_time_get() + 5000;
  while (peer == NULL || !connected) {
    if (enet_host_service(server, &event, 1) > 0 && event.type == ENET_EVENT_TYPE_CONNECT) peer = event.peer;
    if (enet_host_service(client, &event, 1) > 0 && event.type == ENET_EVENT_TYPE_CONNECT) connected = 1;
    if (TIME_AFTER(enet_time_get(), give_up)) return 3;
  }
  for (int round = 0; round < 2; round++) {
    enet_uint32 throttle = round == 0 ? 0 : ENET_PEER_PACKET_THROTTLE_SCALE;
    peer->packetThrottle = throttle;
    enet_uint32 before = peer->packetThrottleCounter;
    for (int k = 0; k < 4; k++) enet_peer_send(peer, 1, enet_packet_create("abcd", 4, ENET_PACKET_FLAG_UNSEQUENCED));
    enet_peer_send(peer, 1, enet_packet_create("R", 1, ENET_PACKET_FLAG_RELIABLE));
    for (int k = 0; k < 2; k++) enet_peer_send(peer, 1, enet_packet_create("xy", 2, ENET_PACKET_FLAG_UNSEQUENCED));
    enet_host_flush(server);
    enet_uint32 after = peer->packetThrottleCounter;
    /* A round goes out in one datagram: once its reliable packet is in, the rest has come too
     * (50 ms more to be sure); a dropped packet never comes. */
    int unsequenced = 0, reliable = 0;
    enet_uint32 until = enet_time_get() + 3000;
    while (TIME_BEFORE(enet_time_get(), until)) {
      if (enet_host_service(client, &event, 5) > 0 && event.type == ENET_EVENT_TYPE_RECEIVE) {
        if (event.packet->flags & ENET_PACKET_FLAG_RELIABLE) {
          reliable++;
          until = enet_time_get() + 50;
        } else unsequenced++;
        enet_packet_destroy(event.packet);
      }
      enet_host_service(server, &event, 0);
    }
    printf("{\"ev\":\"round\",\"throttle\":%u,\"counterBefore\":%u,\"counterAfter\":%u,\"unsequenced\":%d,\"reliable\":%d}\n",
           throttle, before, after, unsequenced, reliable);
    fflush(stdout);
  }
  enet_host_destroy(client);
  enet_host_destroy(server);
  return 0;
}

int main(int argc, char **argv) {
  if (enet_initialize() != 0) return 2;
  if ((argc == 7 || (argc == 8 && strcmp(argv[7], "trace") == 0)) && strcmp(argv[1], "send") == 0)
    return run_sender(atoi(argv[2]), atol(argv[3]), atol(argv[4]), atol(argv[5]), atol(argv[6]), argc == 8);
  if (argc == 3 && strcmp(argv[1], "unsequenced-run") == 0) return run_unsequenced_run(atoi(argv[2]));
  if (argc == 6 && strcmp(argv[1], "receive") == 0) return run_receiver(atoi(argv[2]), atol(argv[3]), atol(argv[4]), atol(argv[5]));
  fprintf(stderr, "usage: %s send PORT COUNT INTERVAL_MS RELIABLE_EVERY BURST [trace] | unsequenced-run PORT | receive PORT SLEEP_MS LONG_EVERY LONG_MS\n", argv[0]);
  return 1;
}

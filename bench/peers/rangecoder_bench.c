/*
 * Throughput of libenet's range coder on a corpus file, for the benchmark's
 * ratio row. The corpus is a sequence of records: u32 little-endian length, bytes.
 * Each record is compressed (and the result decompressed) like ENet does per datagram.
 * usage: rangecoder_bench CORPUS ITERATIONS
 * prints {"compressMBps":..,"decompressMBps":..,"inputBytes":..,"outputBytes":..}
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
  if (argc < 3) { fprintf(stderr, "usage: %s CORPUS ITERATIONS\n", argv[0]); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror("corpus"); return 1; }
  fseek(f, 0, SEEK_END);
  long file_size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *corpus = malloc(file_size);
  if (fread(corpus, 1, file_size, f) != (size_t)file_size) return 1;
  fclose(f);
  int iterations = atoi(argv[2]);

  void *coder = enet_range_coder_create();
  unsigned char out[8192], back[8192];
  size_t input_bytes = 0, output_bytes = 0;
  double compress_seconds = 0, decompress_seconds = 0;
  for (int it = 0; it < iterations; it++) {
    long pos = 0;
    while (pos + 4 <= file_size) {
      size_t len = corpus[pos] | corpus[pos + 1] << 8 | corpus[pos + 2] << 16 | (size_t)corpus[pos + 3] << 24;
      pos += 4;
      ENetBuffer buffer = { .data = corpus + pos, .dataLength = len };
      double t0 = seconds_now();
      size_t n = enet_range_coder_compress(coder, &buffer, 1, len, out, len);
      double t1 = seconds_now();
      compress_seconds += t1 - t0;
      if (n > 0) {
        size_t m = enet_range_coder_decompress(coder, out, n, back, sizeof back);
        decompress_seconds += seconds_now() - t1;
        if (m != len || memcmp(back, corpus + pos, len) != 0) { fprintf(stderr, "round trip mismatch\n"); return 1; }
        if (it == 0) output_bytes += n;
      } else if (it == 0) {
        output_bytes += len;
      }
      if (it == 0) input_bytes += len;
      pos += len;
    }
  }
  printf("{\"compressMBps\":%.3f,\"decompressMBps\":%.3f,\"inputBytes\":%zu,\"outputBytes\":%zu}\n",
         input_bytes * (double)iterations / compress_seconds / 1e6,
         input_bytes * (double)iterations / decompress_seconds / 1e6, input_bytes, output_bytes);
  enet_range_coder_destroy(coder);
  free(corpus);
  return 0;
}

// Long-run DTLS fuzz: `npm run fuzz:dtls [count] [seed]` (default 1,000,000 mutated records, and a
// hundredth as many hostile writes to TLS sessions over a stream).
import { fuzz, fuzzStream, recordHandshake, recordStreamHandshake, TEST_CERT_PEM, TEST_KEY_PEM } from "./fuzz-engine.ts";

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
const suites = [[0xc02b], [0xc02c], [0xcca9]];
const per = Math.ceil(count / suites.length);
const started = Date.now();
let total = 0;
for (const s of suites) {
  const trace = recordHandshake(seed, TEST_CERT_PEM, TEST_KEY_PEM, s);
  const r = fuzz(trace, per, seed);
  if (!r.connectedSurvived) throw new Error(`suite 0x${s[0]!.toString(16)}: the connected pair stopped working (seed ${seed})`);
  total += r.inputs;
  console.log(`suite 0x${s[0]!.toString(16)}: ${r.inputs} mutated records, ${r.badRecordMac} bad MACs dropped silently`);
}
// TLS over a stream: each input replays a handshake up to the mutated write (~3 ms), so a hundredth as many.
const streamInputs = Math.max(1000, Math.ceil(count / 100));
for (const s of [[0xc02b], [0xcca9]]) {
  const r = fuzzStream(recordStreamHandshake(seed, s), Math.ceil(streamInputs / 2), seed);
  total += r.inputs;
  console.log(`suite 0x${s[0]!.toString(16)} over a stream: ${r.inputs} hostile writes, ${r.ended} sessions ended by them`);
}
console.log(`fuzz:dtls ok: ${total} mutated records and writes, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`);

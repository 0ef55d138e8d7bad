// npm run soak:dtls-openssl -- [SEEDS] [FIRST]: the DTLS soak of openssl-soak.ts against openssl
// through a lossy relay, seeds FIRST..FIRST+SEEDS-1 (default 20 from 1). Prints a line per seed
// and exits 1 if any seed failed.
import "../register-runtimes.ts";
import { makeIdentity, opensslAvailable } from "./support.ts";
import { runOpensslSoak } from "./openssl-soak.ts";
import { soakArgs } from "../support/soak-args.ts";

const [seeds, first] = soakArgs("openssl-soak-run.ts [SEEDS] [FIRST]", [20, 1]) as [number, number];
const available = opensslAvailable();
if (available !== true) {
  console.error(`cannot run: ${available.skip}`);
  process.exit(2);
}
const id = makeIdentity("localhost");
let failed = 0;
const t0 = Date.now();
for (let seed = first; seed < first + seeds; seed++) {
  const r = await runOpensslSoak(seed, id);
  const p = r.plan;
  const what = `our ${p.ourRole}, ${p.suite.openssl}, loss ${(p.loss * 100).toFixed(0)} %, dup ${(p.duplication * 100).toFixed(0)} %, reorder ${(p.reorder * 100).toFixed(0)} %, mtu ours ${p.ourMtu} openssl ${p.opensslMtu}`;
  if (r.failures.length > 0) {
    failed++;
    console.log(`seed ${seed} FAILED (${what}):\n  ${r.failures.join("\n  ")}`);
  } else {
    console.log(`seed ${seed} ok: ${what}; handshake ${r.handshakeMs} ms, lines ${r.toUs}/40 to us, ${r.toOpenssl}/40 to openssl, relay ${JSON.stringify(r.relay)}`);
  }
}
console.log(`${seeds - failed}/${seeds} seeds passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);

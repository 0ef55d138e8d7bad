// npm run soak:websocket -- [SEEDS] [FIRST]: the WebSocket soak of soak.ts against ws and
// python3-websockets, seeds FIRST..FIRST+SEEDS-1 (default 50 from 1). Prints a line per seed and
// exits 1 if any seed failed; a failed seed reruns alone with `-- 1 SEED`.
import "../register-runtimes.ts";
import { pythonPeerAvailable, runWebSocketSoak, type SoakPlan } from "./soak.ts";
import { soakArgs } from "../support/soak-args.ts";

const [seeds, first] = soakArgs("soak-run.ts [SEEDS] [FIRST]", [50, 1]) as [number, number];
const python = pythonPeerAvailable();
if (python !== true) console.error(`python seeds will fail: ${python.skip}`);

function describe(p: SoakPlan): string {
  const deflate = p.ourDeflate && p.peerDeflate ? "deflate both" : p.ourDeflate ? "deflate ours only" : p.peerDeflate ? "deflate peer only" : "no deflate";
  return `${p.peer}, our ${p.ourRole}, ${p.reader}, ${deflate}, ${p.ours.messages.length}/${p.theirs.messages.length} msgs, close by ${p.closeBy} ${p.closeCode}`;
}

let failed = 0;
const t0 = Date.now();
for (let seed = first; seed < first + seeds; seed++) {
  const r = await runWebSocketSoak(seed);
  const what = describe(r.plan);
  const mib = ((r.bytesToPeer + r.bytesToUs) / 1024 / 1024).toFixed(1);
  if (r.failures.length > 0) {
    failed++;
    console.log(`seed ${seed} FAILED (${what}; ${r.ms} ms; extensions "${r.extensions}"):\n  ${r.failures.slice(0, 20).join("\n  ")}`);
  } else {
    const s = r.stats;
    if (s === null) console.log(`seed ${seed} ok: ${what}; ws refused our offer with 400, as expected, in ${r.ms} ms`);
    else console.log(`seed ${seed} ok: ${what}; ${mib} MiB in ${r.ms} ms; "${r.extensions}" compressed ${s.messagesCompressed}, inflated ${s.messagesInflated}; waited for the outgoing buffer ${r.outOfMemoryWaits} times`);
  }
}
console.log(`${seeds - failed}/${seeds} seeds passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);

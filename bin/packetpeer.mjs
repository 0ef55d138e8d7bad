#!/usr/bin/env node
// The `packetpeer` command. In a clone (src/ and tsx present) it runs the TypeScript source
// through tsx, so it is never stale; in an installed package it runs the build in dist/.
import { existsSync } from "node:fs";

globalThis.__packetpeerCli = true;
const source = new URL("../src/cli/main.ts", import.meta.url);
const built = new URL("../dist/cli.js", import.meta.url);
let fromSource = false;
if (existsSync(source)) {
  try {
    const { register } = await import("tsx/esm/api");
    register();
    fromSource = true;
  } catch {
    // tsx is a dev dependency: an installed package has dist/ instead.
  }
}
if (fromSource) await import(source.href);
else if (existsSync(built)) await import(built.href);
else {
  process.stderr.write("packetpeer: neither dist/cli.js nor tsx is available; run `npm install` (and `npm run build` outside a clone)\n");
  process.exit(1);
}

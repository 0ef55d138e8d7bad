import { defineConfig } from "tsup";

export default defineConfig([{
  entry: ["src/index.ts", "src/core.ts", "src/browser.ts"],
  // One self-contained file per entry: the runtime registration stays in the entry file, which
  // package.json's sideEffects names, so bundlers can drop everything else a program does not use.
  splitting: false,
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  external: ["node:*"],
},
{
  // The command line (bin/packetpeer.mjs runs it from an installed package).
  entry: { cli: "src/cli/main.ts" },
  format: ["esm"],
  sourcemap: true,
  target: "es2022",
  platform: "node",
}]);

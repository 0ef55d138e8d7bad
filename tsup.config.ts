import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig, type Options } from "tsup";

/**
 * The ASN.1 schema packages (certificate and key parsing) and what they pull in, built into dist/
 * instead of imported from node_modules. Node would load their CommonJS builds (they publish ES
 * modules only under "module", which Node does not read), each file through the CommonJS loader and
 * its export scanner: about 120 ms of the ~290 ms `import("packetpeer")` took on Node 20 here. Their
 * ES module builds, bundled, cost about 10 ms of that. The main entry needs them whenever it is
 * imported, because X509Certificate, CryptoKey and Crypto are synchronous, as in Godot.
 */
const BUNDLED = ["@peculiar/asn1-schema", "@peculiar/asn1-x509", "@peculiar/asn1-ecc", "@peculiar/asn1-rsa", "@peculiar/asn1-pkcs8", "@peculiar/utils", "asn1js", "pvtsutils", "pvutils", "tslib"];

/** Their licences, in dist/ beside the code they cover. */
function writeThirdPartyLicences(): void {
  const require = createRequire(import.meta.url);
  const texts = BUNDLED.map((name) => {
    const dir = dirname(require.resolve(`${name}/package.json`));
    const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string; license: string };
    const file = ["LICENSE", "LICENSE.txt", "LICENSE.md"].map((f) => join(dir, f)).find((f) => {
      try {
        readFileSync(f);
        return true;
      } catch {
        return false;
      }
    });
    if (file === undefined) throw new Error(`${name}: no licence file to ship with the bundled code`);
    return `${name}@${version} (${license})\n\n${readFileSync(file, "utf8").trim()}\n`;
  });
  writeFileSync("dist/THIRD-PARTY-LICENSES.txt", `Code from these packages is built into the files of this directory.\n\n${texts.join("\n----------------------------------------\n\n")}`);
}

const bundleAsn1: Pick<Options, "noExternal" | "esbuildOptions"> = {
  noExternal: BUNDLED,
  esbuildOptions(options) {
    options.mainFields = ["module", "main"];
  },
};

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
  ...bundleAsn1,
  onSuccess: async () => writeThirdPartyLicences(),
},
{
  // The command line (bin/packetpeer.mjs runs it from an installed package).
  entry: { cli: "src/cli/main.ts" },
  format: ["esm"],
  sourcemap: true,
  target: "es2022",
  platform: "node",
  ...bundleAsn1,
}]);

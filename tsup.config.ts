import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build as esbuild, type Plugin } from "esbuild";
import { defineConfig, type Options } from "tsup";

/**
 * The ASN.1 schema packages (certificate and key parsing), built into dist/ instead of imported from
 * node_modules, together with what they pull in (not dependencies of ours, so tsup bundles those
 * anyway). Node would load their CommonJS builds (they publish ES modules only under "module",
 * which Node does not read), each file through the CommonJS loader and its export scanner: about
 * 120 ms of the ~290 ms `import("packetpeer")` took on Node 20 here. Their ES module builds, bundled,
 * cost about 10 ms of that. The main entry needs them whenever it is imported, because
 * X509Certificate, CryptoKey and Crypto are synchronous, as in Godot.
 */
const BUNDLED_DEPENDENCIES = [/^@peculiar\//];

/** Every package some build put code of into dist/, read from esbuild's metafile. */
const bundledPackages = new Set<string>();

/** The package a bundled input file belongs to: the part after its last node_modules/. */
function packageOf(input: string): string | null {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(input);
  return m === null ? null : m[1]!;
}

/** The licences of the packages bundled so far, in the output directory beside the code they cover. */
function writeThirdPartyLicences(outDir: string): void {
  const texts = [...bundledPackages].sort().map((name) => {
    const dir = join("node_modules", name);
    const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string; license: string };
    const file = ["LICENSE", "LICENSE.txt", "LICENSE.md"].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (file === undefined) throw new Error(`${name}: no licence file to ship with the bundled code`);
    return `${name}@${version} (${license})\n\n${readFileSync(file, "utf8").trim()}\n`;
  });
  // tsup writes the bundles after esbuild's end callbacks: on a fresh clone the directory does not exist yet.
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "THIRD-PARTY-LICENSES.txt"), `Code from these packages is built into the files of this directory.\n\n${texts.join("\n----------------------------------------\n\n")}`);
}

const recordLicences: Plugin = {
  name: "third-party-licences",
  setup(build) {
    build.onEnd((result) => {
      for (const input of Object.keys(result.metafile?.inputs ?? {})) {
        const name = packageOf(input);
        if (name !== null) bundledPackages.add(name);
      }
      // tsup builds to a directory (outdir), `--out-dir` included.
      if (bundledPackages.size > 0) writeThirdPartyLicences(build.initialOptions.outdir ?? "dist");
    });
  },
};

const bundleAsn1: Pick<Options, "noExternal" | "esbuildOptions" | "esbuildPlugins"> = {
  noExternal: BUNDLED_DEPENDENCIES,
  esbuildOptions(options) {
    options.mainFields = ["module", "main"];
  },
  esbuildPlugins: [recordLicences],
};

/**
 * The entries a page's bundler reads (package.json's "browser" conditions), one output file per
 * source module, as TypeScript wrote them: a bundler then keeps only the modules a page uses, as
 * it would from src/ (the WebSocket client without the DTLS, certificate and compression code).
 * The bundled entries cannot give that: a chunk holds every module the same entries reach, so a
 * page using WebSocketPeer alone carried the whole DTLS stack (397 KB minified instead of about
 * 120 KB). Both entries come from the one module tree, so they share their classes.
 */
const BROWSER_MODULE_ENTRIES = ["src/browser.ts", "src/core.ts"];

async function buildBrowserModules(outDir: string): Promise<void> {
  const graph = await esbuild({
    entryPoints: BROWSER_MODULE_ENTRIES,
    bundle: true,
    write: false,
    outdir: outDir,
    metafile: true,
    platform: "browser",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  const modules = Object.keys(graph.metafile.inputs).filter((file) => file.startsWith("src/"));
  // Each module on its own: a relative import stays an import, of the .js file written for it.
  const keepModules: Plugin = {
    name: "keep-modules",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === "entry-point" ? undefined : { path: args.path.replace(/\.ts$/, ".js"), external: true }));
    },
  };
  await esbuild({
    entryPoints: modules,
    outbase: "src",
    outdir: join(outDir, "browser"),
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    plugins: [keepModules],
    logLevel: "warning",
  });
}

export default defineConfig((cli) => [{
  // The browser entry is built as module files (buildBrowserModules); only its types come from here.
  entry: ["src/index.ts", "src/core.ts"],
  // Shared chunks, for CommonJS too (tsup's splitting), so a program that imports both `packetpeer`
  // and `packetpeer/core` gets one copy of every class: a StringName, a registered runtime or a
  // NetError made through one entry is the same class through the other. What an entry does on
  // load (registering the runtimes, installing permessage-deflate's codecs) is a call in the entry
  // file, which package.json's sideEffects names, never an import made only for its effect.
  splitting: true,
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts", core: "src/core.ts", browser: "src/browser.ts" } },
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  external: ["node:*"],
  ...bundleAsn1,
  // After this build's clean of the output directory, not beside it.
  onSuccess: () => buildBrowserModules(cli.outDir ?? "dist"),
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

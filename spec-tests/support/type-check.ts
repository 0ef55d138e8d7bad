/**
 * Type-checks a snippet as a strict consumer of `src/index.ts` would (in memory, nothing written)
 * and returns its diagnostics, one per line ("" when it compiles). For tests of the public types.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(fileURLToPath(import.meta.url), "..", "..", "..");

/** `code` may import from `PACKETPEER` (replaced by the absolute path of src/index.ts). */
export function typeErrors(code: string): string {
  const src = join(root, "src", "index.ts").replaceAll("\\", "/");
  const fixture = join(root, "spec-tests", "__type-check-fixture.ts");
  const text = code.replaceAll('"PACKETPEER"', JSON.stringify(src));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    types: ["node"],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === fixture ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fixture || fileExists(name);
  const program = ts.createProgram([fixture], options, host);
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(fixture))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))
    .join("\n");
}

/** The compiler is the same on every runtime: type checks run once, on Node. */
export const typeCheckSkip = process.env.PACKETPEER_TEST_RUNTIME && process.env.PACKETPEER_TEST_RUNTIME !== "node" ? "the type check runs once, on Node" : false;

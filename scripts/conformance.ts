// Regenerates docs/godot-conformance.md from the class-reference member lists and our classes.
import { writeFileSync } from "node:fs";
import "../spec-tests/register-runtimes.ts";
import { conformanceRows, renderConformance } from "../spec-tests/conformance/class-reference.ts";
import { makeSubjects } from "../spec-tests/conformance/subjects.ts";

const { subjects, close } = await makeSubjects();
const rows = conformanceRows(subjects);
close();
writeFileSync(new URL("../docs/godot-conformance.md", import.meta.url), renderConformance(rows));
const missing = rows.filter((r) => r.kind !== "deliberate" && !r.present);
console.log(`docs/godot-conformance.md: ${rows.length} rows, ${missing.length} missing`);
process.exitCode = missing.length === 0 ? 0 : 1;

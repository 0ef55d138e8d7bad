// Real peer: Godot 3.2.3 headless (spec-tests/ip/godot3/ip_probe.gd) reports IP.get_local_addresses(),
// IP.get_local_interfaces() and IP.resolve_hostname("localhost", IP.TYPE_IPV4) (plus IP literals) on
// this machine; ours must say the same. Godot 3 and Godot 4 share these names and this text form of
// addresses. Orders are compared as sets: Godot 3.2.3 keeps interfaces in a Map sorted by name, Godot 4
// in a HashMap in the order the OS lists them (reversed on the way out), which ours follows; the
// addresses of one interface are in the OS's order in both, so they are compared in order.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { IP, type LocalInterfaceInfo } from "../../src/index.ts";

const projectDir = join(fileURLToPath(import.meta.url), "..", "godot3");
const probe = spawnSync("godot3-server", ["--version"], { encoding: "utf8" });
const skip = probe.error ? "godot3-server is not installed" : false;
if (skip) console.log(`ip godot3: skipped: ${skip}`);

interface GodotReport {
  local_addresses: string[];
  local_interfaces: LocalInterfaceInfo[];
  localhost_ipv4: string;
  literals: [string, number, string][];
}

function runProbe(): GodotReport {
  const run = spawnSync("godot3-server", ["--path", projectDir, "-s", "ip_probe.gd"], { encoding: "utf8", timeout: 20000 });
  const line = run.stdout.split("\n").find((l) => l.startsWith("IP_PROBE "));
  assert.ok(line, `Godot printed no report:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line.slice("IP_PROBE ".length)) as GodotReport;
}

const byName = (list: LocalInterfaceInfo[]) => [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

describe("live: IP vs Godot 3.2.3 on this machine", { skip }, () => {
  test("local interfaces and addresses, localhost as IPv4, IP literals: the same as Godot's", async () => {
    const godot = runProbe();
    const ip = new IP();
    const ours = ip.getLocalInterfaces();
    assert.ok(godot.local_interfaces.some((i) => i.addresses.includes("127.0.0.1")), "Godot lists the loopback interface");
    assert.deepEqual(byName(ours), byName(godot.local_interfaces));
    assert.deepEqual(new Set(ip.getLocalAddresses()), new Set(godot.local_addresses));
    assert.equal(ip.getLocalAddresses().length, godot.local_addresses.length);
    assert.equal(godot.localhost_ipv4, "127.0.0.1");
    assert.equal(await ip.resolveHostname("localhost", IP.TYPE_IPV4), godot.localhost_ipv4);
    for (const [host, type, answer] of godot.literals) {
      assert.equal(await ip.resolveHostname(host, type), answer, `resolve_hostname("${host}", ${type})`);
    }
  });
});

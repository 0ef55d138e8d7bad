// Address and port validation shared by every adapter (pure functions, no sockets).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { NetError, GodotError } from "../../src/errors.ts";
import {
  checkDatagramSize,
  checkHostSyntax,
  checkPort,
  formatEndpoint,
  ipFamily,
  isHostName,
  unmapIPv4,
  isLoopback,
  UDP_MAX_PAYLOAD_IPV4,
  UDP_MAX_PAYLOAD_IPV6,
} from "../../src/transport/addresses.ts";

describe("transport address rules", () => {
  test("IPv4 and IPv6 literals are recognised, malformed ones are not", () => {
    for (const a of ["127.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.1"]) assert.equal(ipFamily(a), 4, a);
    for (const a of ["::", "::1", "fe80::1%eth0", "2001:db8::8a2e:370:7334", "::ffff:127.0.0.1", "1:2:3:4:5:6:7:8", "1::", "64:ff9b::192.0.2.33"]) {
      assert.equal(ipFamily(a), 6, a);
    }
    for (const a of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "fe80::1%", "12345::", "::ffff:1.2.3.256", "", "localhost", " 1.2.3.4"]) {
      assert.equal(ipFamily(a), 0, a);
    }
  });

  test("host names follow RFC 1123; an all-numeric last label is not a name", () => {
    for (const n of ["localhost", "example.com", "a-b.c_d.example.", "xn--bcher-kva.example"]) assert.equal(isHostName(n), true, n);
    for (const n of ["", "-a.com", "a-.com", "a..b", "bad host", "256.1.1.1", "1.2.3", "x".repeat(64) + ".com", "a/b"]) assert.equal(isHostName(n), false, n);
    assert.throws(() => checkHostSyntax("bad host!", "bind"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER && e.message.includes("bad host!"));
    checkHostSyntax("::1", "bind");
    checkHostSyntax("example.com", "bind");
  });

  test("ports: integers in min..65535, RangeError naming the argument and value", () => {
    checkPort(0);
    checkPort(65535);
    assert.throws(() => checkPort(0, "port", 1), /port must be an integer in 1\.\.65535, got 0/);
    for (const bad of [-1, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => checkPort(bad, "listenPort"), (e: unknown) => e instanceof RangeError && e.message.includes("listenPort") && e.message.includes(String(bad)));
    }
    assert.throws(() => checkPort("80" as unknown as number), RangeError);
  });

  test("datagram size limits per family", () => {
    assert.equal(UDP_MAX_PAYLOAD_IPV4, 65507);
    assert.equal(UDP_MAX_PAYLOAD_IPV6, 65527);
    checkDatagramSize(65507, 4);
    checkDatagramSize(65527, 6);
    assert.throws(() => checkDatagramSize(65508, 4), RangeError);
    assert.throws(() => checkDatagramSize(65528, 6), RangeError);
  });

  test("loopback: 127.0.0.0/8 and ::1 in any spelling (mapped too), nothing else", () => {
    for (const a of ["127.0.0.1", "127.9.8.7", "::1", "0:0:0:0:0:0:0:1", "::0:1", "::ffff:127.0.0.1"]) assert.equal(isLoopback(a), true, a);
    for (const a of ["10.0.0.1", "128.0.0.1", "::", "::2", "1::1", "fe80::1", "::ffff:10.0.0.1", "localhost", ""]) assert.equal(isLoopback(a), false, a);
  });

  test("IPv4-mapped addresses are unmapped; endpoints format with brackets for IPv6", () => {
    assert.equal(unmapIPv4("::ffff:10.1.2.3"), "10.1.2.3");
    assert.equal(unmapIPv4("::FFFF:10.1.2.3"), "10.1.2.3");
    assert.equal(unmapIPv4("::ffff:abcd"), "::ffff:abcd");
    assert.equal(unmapIPv4("::1"), "::1");
    assert.equal(formatEndpoint("::1", 80), "[::1]:80");
    assert.equal(formatEndpoint("127.0.0.1", 80), "127.0.0.1:80");
  });
});

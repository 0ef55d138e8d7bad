// Deno's UDP adapter (src/transport/deno.ts) beyond the shared contract: outgoing datagrams are
// copied into a reused send pool, rewound only once every send has settled.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DenoDatagramTransport } from "../../src/transport/deno.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import { deferred, within } from "./support/bounded.ts";

const onDeno = detectRuntime().name === "deno";
const WAIT = 5000;

/** Waits for datagrams numbered by their first two bytes, each checked whole on arrival. */
class NumberedInbox {
  readonly seen = new Set<number>();
  private waiter: (() => void) | undefined;
  constructor(t: DenoDatagramTransport, size: number) {
    t.onDatagram((data) => {
      const n = (data[0]! << 8) | data[1]!;
      assert.equal(data.length, size, `length of datagram ${n}`);
      for (let i = 2; i < size; i++) assert.equal(data[i], (n + i) & 0xff, `byte ${i} of datagram ${n}`);
      this.seen.add(n);
      this.waiter?.();
    });
  }
  async until(count: number, what: string): Promise<void> {
    while (this.seen.size < count) {
      const d = deferred();
      this.waiter = d.resolve;
      await within(d.promise, WAIT, what);
      this.waiter = undefined;
    }
  }
}

function fillNumbered(buf: Uint8Array, n: number): void {
  buf[0] = n >> 8;
  buf[1] = n & 0xff;
  for (let i = 2; i < buf.length; i++) buf[i] = (n + i) & 0xff;
}

describe("Deno datagram adapter", { skip: !onDeno }, () => {
  test("datagrams sent from one reused buffer arrive intact, across many fillings of the send pool", async () => {
    const a = new DenoDatagramTransport();
    const b = new DenoDatagramTransport();
    try {
      const portA = (await within(a.bind("127.0.0.1", 0), WAIT, "bind a")).port;
      const port = (await within(b.bind("127.0.0.1", 0), WAIT, "bind b")).port;
      const size = 1200;
      const inbox = new NumberedInbox(b, size);
      const payload = new Uint8Array(size);
      // Bursts of 50 (the default receive buffer holds about 90 such datagrams): 20 bursts fill
      // the 128 KiB pool several times over, each burst waits for the one before.
      let sent = 0;
      for (let burst = 0; burst < 20; burst++) {
        for (let k = 0; k < 50; k++) {
          fillNumbered(payload, sent);
          a.send(payload, "127.0.0.1", port);
          sent++;
        }
        await inbox.until(sent, `burst ${burst + 1}`);
      }
      // One burst larger than the pool, all sent before any send settles: the pool is replaced, not rewritten.
      const big = 120;
      for (let k = 0; k < big; k++) {
        fillNumbered(payload, sent + k);
        a.send(payload, "127.0.0.1", port);
      }
      // Loopback may drop some of it (a full receive buffer); what arrives must be whole. The first
      // of it is waited for (bounded, not a fixed pause a loaded machine can outlast), then the
      // rest until none has come for 100 ms.
      await inbox.until(sent + 1, "some of the large burst");
      for (let last = -1; inbox.seen.size !== last && inbox.seen.size < sent + big; ) {
        last = inbox.seen.size;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(inbox.seen.size > sent, "some of the large burst arrives");
      assert.equal(a.sendErrors, 0);
      // Small and large datagrams go through the same path.
      const small = new NumberedInbox(a, 40);
      const tiny = new Uint8Array(40);
      for (let n = 0; n < 10; n++) {
        fillNumbered(tiny, n);
        b.send(tiny, "127.0.0.1", portA);
      }
      await small.until(10, "small datagrams");
    } finally {
      a.close();
      b.close();
    }
  });

  test("a send the OS refuses is counted, and the pool goes on being reused afterwards", async () => {
    const a = new DenoDatagramTransport();
    const b = new DenoDatagramTransport();
    try {
      await within(a.bind("127.0.0.1", 0), WAIT, "bind a");
      const port = (await within(b.bind("127.0.0.1", 0), WAIT, "bind b")).port;
      const size = 600;
      const inbox = new NumberedInbox(b, size);
      // A socket bound to 127.0.0.1 cannot reach an address outside loopback: the OS refuses each send.
      for (let n = 0; n < 5; n++) a.send(new Uint8Array(size), "192.0.2.1", 9);
      const deadline = Date.now() + WAIT;
      while (a.sendErrors < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(a.sendErrors, 5, "every refused send is counted");
      const payload = new Uint8Array(size);
      for (let n = 0; n < 300; n++) {
        fillNumbered(payload, n);
        a.send(payload, "127.0.0.1", port);
        if (n % 50 === 49) await inbox.until(n + 1, `datagram ${n + 1}`);
      }
      assert.equal(a.sendErrors, 5);
    } finally {
      a.close();
      b.close();
    }
  });
});

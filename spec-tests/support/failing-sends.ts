// A runtime whose UDP sockets throw from send() once told to, to drive ENet's EVENT_ERROR path
// (a socket that refuses a send) on the simulated network.
import type { DatagramTransport, RuntimeAdapter } from "../../src/transport/types.ts";

export interface FailingSends {
  runtime: RuntimeAdapter;
  /** From now on every send() throws (true) or goes through again (false). */
  fail(on: boolean): void;
}

export function failingSends(inner: RuntimeAdapter): FailingSends {
  let failing = false;
  const runtime: RuntimeAdapter = {
    ...inner,
    createDatagramTransport(): DatagramTransport {
      const t = inner.createDatagramTransport();
      return {
        bind: (a, p) => t.bind(a, p),
        send: (d, a, p) => {
          if (failing) throw new Error("simulated socket failure");
          t.send(d, a, p);
        },
        onDatagram: (cb) => t.onDatagram(cb),
        close: () => t.close(),
      };
    },
  };
  return { runtime, fail: (on) => void (failing = on) };
}

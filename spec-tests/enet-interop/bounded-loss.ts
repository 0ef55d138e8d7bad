/**
 * A relay filter that loses ENet datagrams at a given rate but never loses the same reliable
 * command, or the acknowledgement of the same reliable command, twice.
 *
 * Why: ENet doubles a command's retransmission timeout on every retry and starts from a 500 ms
 * round-trip estimate, so with plain random loss one command (or its acknowledgement) lost four or
 * five times in a row holds its channel for 8-16 s, and a test's timeout becomes a lottery (CI on
 * 2026-12-04: a 100 KB echo through 10 % loss each way still missing after 15 s). With this filter
 * every command goes out at most three times (lost, its acknowledgement lost, then through), so
 * recovery from loss is exercised on every path while the run's length stays bounded.
 *
 * Datagrams the dissector cannot read (compressed without a decompressor, malformed) are
 * treated like any other: they carry no keys, so they may be dropped at the plain rate.
 */
import { SeededRandom } from "../../src/util/prng.ts";
import { dissectDatagram } from "../../src/enet/dissect.ts";
import { ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, ProtocolCommand } from "../../src/enet/wire.ts";
import type { Direction } from "../tools/udp-relay.ts";

/** The reliable commands and acknowledgements in one datagram, as keys unique per direction and connection. */
function reliableKeys(dir: Direction, client: number, data: Uint8Array): string[] {
  const keys: string[] = [];
  for (const { command } of dissectDatagram(data).commands) {
    const at = `${client}:${command.channelID}`;
    if (command.command === ProtocolCommand.ACKNOWLEDGE) keys.push(`${dir}:ack:${at}:${command.receivedReliableSequenceNumber}`);
    else if (command.flags & ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) keys.push(`${dir}:cmd:${at}:${command.reliableSequenceNumber}`);
  }
  return keys;
}

/**
 * `percent` of datagrams dropped (seeded), except a datagram that carries a reliable command or an
 * acknowledgement already lost once: that one always passes.
 */
export function boundedLossFilter(seed: number, percent: number): (dir: Direction, data: Uint8Array, client: number) => boolean {
  const rng = new SeededRandom(seed);
  const lostOnce = new Set<string>();
  return (dir, data, client) => {
    const keys = reliableKeys(dir, client, data);
    if (keys.some((k) => lostOnce.has(k))) return true;
    if (rng.nextU32() % 100 >= percent) return true;
    for (const k of keys) lostOnce.add(k);
    return false;
  };
}

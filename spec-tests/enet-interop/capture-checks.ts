/**
 * Wire-level checks shared by the capture conformance tests and the live tests (which record
 * our own traffic through the relay): they need only the datagrams, no peer reports.
 */
import assert from "node:assert/strict";
import { createCompressor, type CompressionMode } from "../../src/compress/index.ts";
import { ENET_PROTOCOL_MAXIMUM_MTU, ProtocolCommand } from "../../src/enet/wire.ts";
import { decodeDatagram, expectedChecksum, findCommands, reencode, type DecodedDatagram } from "./capture-decode.ts";
import { toHex, type UdpCaptureRelay } from "../tools/udp-relay.ts";

/**
 * Header and commands re-encode with our codecs to the bytes on the wire (checksum field aside).
 * `maxCommands`: C ENet sends at most 32 commands a datagram; ours are packed to the MTU.
 */
export function assertReencodes(d: DecodedDatagram, checksum: boolean, maxCommands = 32): void {
  const { header, body } = reencode(d, checksum);
  const headerNoSum = d.headerSize - (checksum ? 4 : 0);
  assert.equal(toHex(header.subarray(0, headerNoSum)), toHex(d.bytes.subarray(0, headerNoSum)), `datagram ${d.index} header`);
  assert.equal(toHex(body), toHex(d.body), `datagram ${d.index} commands`);
  assert.ok(d.commands.length >= 1 && d.commands.length <= maxCommands, `datagram ${d.index}: 1..${maxCommands} commands`);
  assert.ok(d.headerSize + d.body.length <= ENET_PROTOCOL_MAXIMUM_MTU, `datagram ${d.index}: within the largest MTU`);
  if (!d.compressed) assert.equal(d.headerSize + d.body.length, d.bytes.length, `datagram ${d.index}: nothing after the last command`);
}

/** CRC32 over header, seed and uncompressed commands; seed 0 for peer ID 0xFFF, else the connectID's wire bytes. */
export function assertChecksums(ds: DecodedDatagram[]): void {
  const connects = findCommands(ds, ProtocolCommand.CONNECT);
  for (const d of ds) {
    const seed = new Uint8Array(4);
    if (d.peerID !== 0xfff) {
      const connect = connects.find((c) => c.d.client === d.client);
      assert.ok(connect, `datagram ${d.index}: a CONNECT precedes it`);
      seed.set(connect.d.commands.find((c) => c.cmd.command === ProtocolCommand.CONNECT)!.raw.subarray(40, 44));
    }
    assert.equal(d.checksum, expectedChecksum(d.bytes.subarray(0, d.headerSize - 4), seed, d.body), `datagram ${d.index} checksum`);
  }
}

/**
 * Which connection each datagram belongs to, as `client/connectID`. One relay client (one UDP
 * source) may carry several ENet connections, one after another or at once: client-side peer IDs
 * map to the latest CONNECT announcing them, server-side ones to the latest VERIFY_CONNECT.
 * Undefined when a datagram cannot be attributed.
 */
export function connectionsOf(ds: DecodedDatagram[]): (string | undefined)[] {
  const byClientSide = new Map<string, number>();
  const byServerSide = new Map<string, number>();
  return ds.map((d) => {
    const connect = d.commands.find((c) => c.cmd.command === ProtocolCommand.CONNECT)?.cmd;
    const verify = d.commands.find((c) => c.cmd.command === ProtocolCommand.VERIFY_CONNECT)?.cmd;
    if (d.dir === "c2s" && connect && connect.command === ProtocolCommand.CONNECT) {
      byClientSide.set(`${d.client}/${connect.outgoingPeerID}`, connect.connectID);
      return `${d.client}/${connect.connectID}`;
    }
    if (d.dir === "s2c") {
      if (verify && verify.command === ProtocolCommand.VERIFY_CONNECT) byServerSide.set(`${d.client}/${verify.outgoingPeerID}`, verify.connectID);
      const id = byClientSide.get(`${d.client}/${d.peerID}`);
      return id === undefined ? undefined : `${d.client}/${id}`;
    }
    const id = byServerSide.get(`${d.client}/${d.peerID}`);
    return id === undefined ? undefined : `${d.client}/${id}`;
  });
}

/** After the handshake every datagram carries the negotiated peer IDs and session IDs. Returns the number of connections. */
export function assertPeerAndSessionIds(ds: DecodedDatagram[]): number {
  const conns = connectionsOf(ds);
  const keys = new Set(conns.filter((k): k is string => k !== undefined));
  for (const key of keys) {
    const mine = ds.filter((_, i) => conns[i] === key);
    const [connect] = findCommands(mine, ProtocolCommand.CONNECT, (d) => d.dir === "c2s");
    const [verify] = findCommands(mine, ProtocolCommand.VERIFY_CONNECT, (d) => d.dir === "s2c");
    assert.ok(connect, `connection ${key}: CONNECT`);
    assert.equal(connect.d.peerID, 0xfff, "CONNECT goes to peer ID 0xFFF");
    assert.equal(connect.cmd.channelID, 0xff);
    if (!verify) {
      // Never answered (e.g. the server was full): only CONNECT retransmissions, nothing back.
      for (const d of mine) assert.ok(d.dir === "c2s" && d.peerID === 0xfff, `datagram ${d.index}: unanswered connection ${key} only sends CONNECT`);
      continue;
    }
    assert.equal(verify.cmd.connectID, connect.cmd.connectID);
    for (const d of mine) {
      if (d.dir === "c2s") {
        if (d.peerID === 0xfff) continue; // the CONNECT and its retransmissions
        assert.equal(d.sessionID, verify.cmd.outgoingSessionID, `datagram ${d.index} session`);
      } else {
        assert.equal(d.peerID, connect.cmd.outgoingPeerID, `datagram ${d.index} peer ID`);
        assert.equal(d.sessionID, verify.cmd.incomingSessionID, `datagram ${d.index} session`);
      }
    }
  }
  ds.forEach((d, i) => assert.ok(conns[i] !== undefined, `datagram ${d.index} (${d.dir}, peer ID ${d.peerID}) belongs to no connection`));
  return keys.size;
}

/**
 * Per connection, direction and channel: reliable sequence numbers count up by one (retransmissions
 * repeat one), unreliable commands carry the channel's reliable sequence and count up from 1 after
 * each reliable, unsequenced groups count up per peer; every ACKNOWLEDGE names a reliable command
 * sent the other way and echoes the sent time of a datagram that carried it. Returns the number of
 * acknowledgements.
 *
 * `lossBeforeObserver`: a live recording on a busy machine can lose a datagram before the relay
 * reads it (its socket buffer overflows), and then neither the relay nor the peer sees it. The rules
 * stay as strict as loss allows: a skipped reliable sequence number may show up later only as
 * the retransmission of that gap, and unreliable sequence numbers and unsequenced groups still
 * only count up.
 */
/** A loss gap larger than half the 16-bit sequence space would be a wrap-around, not a gap. */
const MAX_LOSS_GAP = 0x8000;

export function assertSequencesAndAcks(ds: DecodedDatagram[], observerMayMiss = false, lossBeforeObserver = false): number {
  const conns = connectionsOf(ds);
  const sentReliable = new Map<string, number[]>();
  /** Reliable commands skipped by a loss gap; each must be retransmitted later in the recording. */
  const lost = new Set<string>();
  const state = new Map<string, { reliableSeq: Map<number, number>; unreliableSeq: Map<number, number>; unsequencedGroup: number }>();
  ds.forEach((d, i) => {
    const stream = `${d.dir}/${conns[i]}`;
    let st = state.get(stream);
    if (!st) state.set(stream, (st = { reliableSeq: new Map(), unreliableSeq: new Map(), unsequencedGroup: 0 }));
    for (const { cmd } of d.commands) {
      const ch = cmd.channelID;
      if (cmd.flags & 0x80) {
        const key = `${stream}/${ch}/${cmd.reliableSequenceNumber}`;
        const times = sentReliable.get(key);
        if (times) {
          times.push(d.sentTime);
        } else if (lost.delete(key)) {
          sentReliable.set(key, [d.sentTime]); // the retransmission of a command lost before the relay
        } else {
          const expected: number = ((st.reliableSeq.get(ch) ?? 0) + 1) & 0xffff;
          const gap = (cmd.reliableSequenceNumber - expected) & 0xffff;
          if (lossBeforeObserver && gap > 0 && gap < MAX_LOSS_GAP) {
            for (let s = expected; s !== cmd.reliableSequenceNumber; s = (s + 1) & 0xffff) lost.add(`${stream}/${ch}/${s}`);
          } else if (!observerMayMiss) {
            // A recording that may lack datagrams cannot tell a first transmission from a retransmission.
            assert.equal(cmd.reliableSequenceNumber, expected, `${d.dir} datagram ${d.index}: reliable sequence on channel ${ch}`);
          }
          st.reliableSeq.set(ch, cmd.reliableSequenceNumber);
          st.unreliableSeq.set(ch, 0);
          sentReliable.set(key, [d.sentTime]);
        }
        assert.ok(d.sentTime >= 0, `datagram ${d.index}: datagrams with reliable commands carry a sent time`);
      } else if (cmd.command === ProtocolCommand.SEND_UNSEQUENCED) {
        assert.equal(cmd.flags & 0x40, 0x40, "UNSEQUENCED command flag");
        assert.equal(cmd.reliableSequenceNumber, 0);
        st.unsequencedGroup++;
        if (observerMayMiss) st.unsequencedGroup = cmd.unsequencedGroup;
        if (lossBeforeObserver) {
          const ahead: number = (cmd.unsequencedGroup - st.unsequencedGroup) & 0xffff;
          assert.ok(ahead < 0x8000, `${d.dir} datagram ${d.index}: unsequenced group ${cmd.unsequencedGroup} counts up (after ${(st.unsequencedGroup - 1) & 0xffff})`);
          st.unsequencedGroup = cmd.unsequencedGroup;
        }
        assert.equal(cmd.unsequencedGroup, st.unsequencedGroup & 0xffff, `${d.dir} datagram ${d.index}: unsequenced group`);
      } else if (cmd.command === ProtocolCommand.SEND_UNRELIABLE || cmd.command === ProtocolCommand.SEND_UNRELIABLE_FRAGMENT) {
        assert.equal(cmd.reliableSequenceNumber, st.reliableSeq.get(ch) ?? 0, `${d.dir} datagram ${d.index}: unreliable carries the channel's reliable sequence`);
        const seq = cmd.command === ProtocolCommand.SEND_UNRELIABLE ? cmd.unreliableSequenceNumber : cmd.startSequenceNumber;
        const prev: number = st.unreliableSeq.get(ch) ?? 0;
        if (cmd.command === ProtocolCommand.SEND_UNRELIABLE_FRAGMENT && cmd.fragmentNumber > 0) {
          assert.equal(seq, prev, `${d.dir} datagram ${d.index}: later fragments share the first one's sequence number`);
        } else {
          if (lossBeforeObserver) {
            const ahead: number = (seq - prev) & 0xffff;
            assert.ok(ahead > 0 && ahead < 0x8000, `${d.dir} datagram ${d.index}: unreliable sequence on channel ${ch} counts up (${seq} after ${prev})`);
          } else if (!observerMayMiss) {
            assert.equal(seq, (prev + 1) & 0xffff, `${d.dir} datagram ${d.index}: unreliable sequence on channel ${ch}`);
          }
          st.unreliableSeq.set(ch, seq);
        }
      }
    }
  });
  // Commands still in `lost` were never retransmitted: legitimate when the sender reset the peer
  // (disconnect_now) before its retransmission timer fired, as C ENet does too.
  let acks = 0;
  ds.forEach((d, i) => {
    for (const { cmd } of d.commands) {
      if (cmd.command !== ProtocolCommand.ACKNOWLEDGE) continue;
      acks++;
      const other = d.dir === "c2s" ? "s2c" : "c2s";
      const times = sentReliable.get(`${other}/${conns[i]}/${cmd.channelID}/${cmd.receivedReliableSequenceNumber}`);
      if (observerMayMiss && !times?.includes(cmd.receivedSentTime)) continue; // the acknowledged transmission was not recorded
      assert.ok(times, `${d.dir} datagram ${d.index}: acknowledges a reliable command that was sent`);
      assert.ok(times.includes(cmd.receivedSentTime), `${d.dir} datagram ${d.index}: echoes the sent time ${cmd.receivedSentTime} (sent with ${times.join(",")})`);
    }
  });
  return acks;
}

/**
 * Live traffic as the relay recorded it, held to the same wire rules as the reference captures:
 * every datagram decodes (decompressed with our codec) and re-encodes, checksums, peer and
 * session IDs, sequence numbers, acknowledgements. `observerMayMiss`: under heavy bursts the relay
 * itself may miss a datagram (its socket buffer overflows), so sequence gaps are tolerated.
 */
export function assertWireRules(
  relay: UdpCaptureRelay,
  opts: { checksum?: boolean; compression?: CompressionMode; observerMayMiss?: boolean } = {},
): void {
  const c = opts.compression !== undefined ? createCompressor(opts.compression) : null;
  const records = relay.datagrams();
  const ds = records.map((r, i) => decodeDatagram(r, i, !!opts.checksum, c ? (b, l) => c.decompress(b, l) : undefined));
  for (const d of ds) {
    // Both sides' datagrams are here: C ENet's (at most 32 commands) and ours (packed to the MTU).
    assertReencodes(d, !!opts.checksum, Infinity);
    if (d.compressed) assert.ok(d.bytes.length - d.headerSize < d.body.length, `datagram ${d.index}: compressed only when smaller`);
  }
  if (opts.checksum) assertChecksums(ds);
  assert.ok(assertPeerAndSessionIds(ds) > 0, "at least one connection");
  // Live recordings: the relay's own socket can drop a datagram when the machine is busy.
  assert.ok(assertSequencesAndAcks(ds, opts.observerMayMiss, true) > 0, "acknowledgements were exchanged");
}

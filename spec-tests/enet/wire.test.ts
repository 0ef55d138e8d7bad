import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  COMMAND_SIZES,
  ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE,
  ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED,
  ProtocolCommand,
  decodeCommand,
  decodeHeader,
  encodeHeader,
  type EnetCommand,
} from "../../src/enet/wire.ts";
import { encodeCommand } from "../../src/enet/outgoing.ts";
import { crc32 } from "../../src/util/crc32.ts";

const connectParams = {
  outgoingPeerID: 0x0123,
  incomingSessionID: 0xff,
  outgoingSessionID: 2,
  mtu: 1400,
  windowSize: 32768,
  channelCount: 4,
  incomingBandwidth: 100000,
  outgoingBandwidth: 0,
  packetThrottleInterval: 5000,
  packetThrottleAcceleration: 2,
  packetThrottleDeceleration: 2,
  connectID: 0xdeadbeef,
};
const A = ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;
const U = ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED;

const samples: Array<[EnetCommand, number]> = [
  [{ command: ProtocolCommand.ACKNOWLEDGE, flags: 0, channelID: 3, reliableSequenceNumber: 77, receivedReliableSequenceNumber: 77, receivedSentTime: 0xbeef }, 8],
  [{ command: ProtocolCommand.CONNECT, flags: A, channelID: 0xff, reliableSequenceNumber: 1, ...connectParams, data: 42 }, 48],
  [{ command: ProtocolCommand.VERIFY_CONNECT, flags: A, channelID: 0xff, reliableSequenceNumber: 1, ...connectParams }, 44],
  [{ command: ProtocolCommand.DISCONNECT, flags: U, channelID: 0xff, reliableSequenceNumber: 9, data: 0xcafebabe }, 8],
  [{ command: ProtocolCommand.PING, flags: A, channelID: 0xff, reliableSequenceNumber: 65535 }, 4],
  [{ command: ProtocolCommand.SEND_RELIABLE, flags: A, channelID: 0, reliableSequenceNumber: 300, dataLength: 1200 }, 6],
  [{ command: ProtocolCommand.SEND_UNRELIABLE, flags: 0, channelID: 1, reliableSequenceNumber: 4, unreliableSequenceNumber: 5, dataLength: 10 }, 8],
  [{ command: ProtocolCommand.SEND_FRAGMENT, flags: A, channelID: 2, reliableSequenceNumber: 12, startSequenceNumber: 11, dataLength: 1364, fragmentCount: 769, fragmentNumber: 1, totalLength: 1048576, fragmentOffset: 1364 }, 24],
  [{ command: ProtocolCommand.SEND_UNSEQUENCED, flags: U, channelID: 3, reliableSequenceNumber: 0, unsequencedGroup: 1025, dataLength: 0 }, 8],
  [{ command: ProtocolCommand.BANDWIDTH_LIMIT, flags: A, channelID: 0xff, reliableSequenceNumber: 3, incomingBandwidth: 20000, outgoingBandwidth: 1 }, 12],
  [{ command: ProtocolCommand.THROTTLE_CONFIGURE, flags: A, channelID: 0xff, reliableSequenceNumber: 4, packetThrottleInterval: 1000, packetThrottleAcceleration: 3, packetThrottleDeceleration: 4 }, 16],
  [{ command: ProtocolCommand.SEND_UNRELIABLE_FRAGMENT, flags: 0, channelID: 0, reliableSequenceNumber: 7, startSequenceNumber: 2, dataLength: 100, fragmentCount: 3, fragmentNumber: 2, totalLength: 2828, fragmentOffset: 2728 }, 24],
];

describe("ENet wire codecs", () => {
  test("command sizes match protocol.h's packed structs", () => {
    assert.deepEqual([...COMMAND_SIZES], [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24]);
  });

  for (const [cmd, size] of samples) {
    test(`${ProtocolCommand[cmd.command]} round-trips in exactly ${size} bytes`, () => {
      const buf = new Uint8Array(64).fill(0xaa);
      assert.equal(encodeCommand(cmd, buf, 3), size);
      assert.equal(buf[3]! & 0x0f, cmd.command);
      assert.equal(buf[3 + size], 0xaa, "wrote past the command");
      assert.deepEqual(decodeCommand(buf, 3), cmd);
      assert.equal(decodeCommand(buf.subarray(0, 3 + size - 1), 3), null, "truncated command must not decode");
    });
  }

  test("fields are big-endian at protocol.h offsets", () => {
    const buf = new Uint8Array(48);
    encodeCommand(samples[1]![0], buf, 0);
    // command, channel, seq(2), outgoingPeerID(2), sessions, mtu(4) ...
    assert.deepEqual([...buf.subarray(0, 12)], [0x82, 0xff, 0, 1, 0x01, 0x23, 0xff, 2, 0, 0, 0x05, 0x78]);
    assert.deepEqual([...buf.subarray(40, 48)], [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 42]);
  });

  test("unknown command numbers do not decode", () => {
    for (const n of [0, 13, 14, 15]) assert.equal(decodeCommand(new Uint8Array([n, 0, 0, 0, 0, 0, 0, 0]), 0), null);
  });

  test("header: peer ID, session, flags, sent time, checksum placement", () => {
    const buf = new Uint8Array(16);
    assert.equal(encodeHeader(buf, 0, 0x123, 3, true, 0x4567, false), 4);
    assert.deepEqual([...buf.subarray(0, 4)], [0xf1, 0x23, 0x45, 0x67]);
    const h = decodeHeader(buf.subarray(0, 4), false)!;
    assert.deepEqual(h, { peerID: 0x123, sessionID: 3, compressed: true, sentTime: 0x4567, checksum: 0, headerSize: 4 });
    assert.equal(encodeHeader(buf, 0, 0xfff, 0, false, -1, true), 6);
    assert.deepEqual([...buf.subarray(0, 2)], [0x0f, 0xff]);
    const h2 = decodeHeader(buf.subarray(0, 6), true)!;
    assert.equal(h2.sentTime, -1);
    assert.equal(h2.headerSize, 6);
    assert.equal(decodeHeader(new Uint8Array([0x80, 0]), false), null, "SENT_TIME flag without the field");
  });

  test("crc32 is the IEEE CRC-32 (check value of '123456789')", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
});

describe("datagrams the host core builds", () => {
  test("the first CONNECT datagram, byte for byte", async () => {
    const { HostCore } = await import("../../src/enet/host-core.ts");
    const host = new HostCore({ peerCount: 2, mtu: 1392, randomU32: () => 0x11223344 });
    host.connect("10.0.0.1", 7777, 3, 0xabcdef01);
    host.service(0x12345);
    const t = host.pollTransmit()!;
    assert.equal(t.address, "10.0.0.1");
    assert.equal(t.port, 7777);
    const hex = Buffer.from(t.data).toString("hex");
    const expected =
      "8fff" + // peer ID 0xFFF, session 0, SENT_TIME
      "2346" + // sent time: (0x12345 + 1 ms time base) & 0xFFFF
      "82ff0001" + // CONNECT | ACKNOWLEDGE, channel 0xFF, reliable sequence 1
      "0000" + "ff" + "ff" + // outgoing peer ID 0, incoming/outgoing session 0xFF
      "00000570" + // mtu 1392
      "00010000" + // window 65536
      "00000003" + // channels
      "00000000" + "00000000" + // bandwidths (unlimited)
      "00001388" + "00000002" + "00000002" + // throttle interval 5000, acceleration 2, deceleration 2
      "11223344" + // connect ID
      "abcdef01"; // data
    assert.equal(hex, expected);
    assert.equal(host.pollTransmit(), null);
  });
});

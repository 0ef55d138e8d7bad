/** Choosing which queued commands go into the next datagram to a peer. */
import { inFlightWindows } from "./channel.ts";
import { retransmitDelay, type OutgoingCommand } from "./commands.ts";
import {
  ENET_PEER_FREE_RELIABLE_WINDOWS,
  ENET_PEER_PACKET_THROTTLE_COUNTER,
  ENET_PEER_PACKET_THROTTLE_SCALE,
  ENET_PEER_RELIABLE_WINDOW_SIZE,
  ENET_PEER_RELIABLE_WINDOWS,
} from "./constants.ts";
import type { DatagramWriter } from "./datagram-writer.ts";
import type { PeerCore } from "./peer-core.ts";
import { COMMAND_SIZES, ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, ENET_PROTOCOL_COMMAND_MASK } from "./wire.ts";

/**
 * enet_protocol_check_outgoing_commands: move a peer's queued commands into the datagram
 * being written, merging its two queues in queueing order, holding reliable data back when
 * the reliable window is full or would wrap, and dropping unreliable packets the packet
 * throttle rejects. Returns "can ping" (no reliable command went out).
 */
export function fillDatagram(peer: PeerCore, writer: DatagramWriter, serviceTime: number): boolean {
  const A = peer.outgoingCommands;
  const B = peer.outgoingReliable;
  let a = peer.outgoingHead;
  let b = peer.outgoingReliableHead;
  let stopReliable = false;
  let canPing = true;
  let droppingReliable = -1;
  let droppingUnreliable = -1;
  // Loop invariants: the reliable data the window admits, and whether anything was in flight
  // before this datagram (the retransmission timer starts with the first command sent).
  const windowLimit = Math.max(Math.floor((peer.packetThrottle * peer.windowSize) / ENET_PEER_PACKET_THROTTLE_SCALE), peer.mtu);
  let inFlightBefore = peer.firstSentReliable() !== undefined;
  for (;;) {
    while (a < A.length && A[a]!.done) a++;
    while (b < B.length && B[b]!.done) b++;
    let cmd: OutgoingCommand;
    let fromReliable: boolean;
    if (a < A.length && (stopReliable || b >= B.length || A[a]!.queueOrder < B[b]!.queueOrder)) {
      cmd = A[a]!;
      fromReliable = false;
    } else if (!stopReliable && b < B.length) {
      cmd = B[b]!;
      fromReliable = true;
    } else {
      break;
    }
    const reliable = (cmd.commandByte & ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) !== 0;
    if (droppingReliable >= 0) {
      if (!reliable && cmd.packet !== null && cmd.reliableSequenceNumber === droppingReliable && cmd.unreliableSequenceNumber === droppingUnreliable) {
        peer.finishCommand(cmd);
        a++;
        continue;
      }
      droppingReliable = -1;
    }
    let channelIndex = -1;
    let reliableWindow = 0;
    if (reliable) {
      reliableWindow = (cmd.reliableSequenceNumber / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
      if (cmd.channelID < peer.channelCount) {
        channelIndex = cmd.channelID;
        const channel = peer.channels[channelIndex]!;
        if (
          cmd.sendAttempts < 1 &&
          cmd.reliableSequenceNumber % ENET_PEER_RELIABLE_WINDOW_SIZE === 0 &&
          (channel.reliableWindows[(reliableWindow + ENET_PEER_RELIABLE_WINDOWS - 1) % ENET_PEER_RELIABLE_WINDOWS]! >= ENET_PEER_RELIABLE_WINDOW_SIZE ||
            (channel.usedReliableWindows &
              ((((1 << (ENET_PEER_FREE_RELIABLE_WINDOWS + 2)) - 1) << reliableWindow) |
                (((1 << (ENET_PEER_FREE_RELIABLE_WINDOWS + 2)) - 1) >> (ENET_PEER_RELIABLE_WINDOWS - reliableWindow)))) !==
              0)
        ) {
          // The receiver's window would wrap: hold every later reliable command back.
          stopReliable = true;
          peer.outgoingBlocked = true;
          continue;
        }
      }
      if (cmd.packet !== null) {
        if (peer.reliableDataInTransit + cmd.fragmentLength > windowLimit) {
          stopReliable = true;
          peer.outgoingBlocked = true;
          continue;
        }
      }
      canPing = false;
    }
    if (!writer.fits(peer.mtu, COMMAND_SIZES[cmd.commandByte & ENET_PROTOCOL_COMMAND_MASK]!, cmd.packet !== null ? cmd.fragmentLength : 0)) {
      peer.continueSending = true;
      break;
    }
    if (fromReliable) b++;
    else a++;
    if (reliable) {
      if (channelIndex >= 0 && cmd.sendAttempts < 1) {
        const channel = peer.channels[channelIndex]!;
        channel.usedReliableWindows |= 1 << reliableWindow;
        inFlightWindows(channel)[reliableWindow]!++;
      }
      cmd.sendAttempts++;
      if (cmd.roundTripTimeout === 0) {
        cmd.roundTripTimeout = peer.roundTripTime + 4 * peer.roundTripTimeVariance;
        cmd.roundTripTimeoutLimit = peer.timeoutLimit * cmd.roundTripTimeout;
      }
      if (!inFlightBefore) {
        peer.nextTimeout = serviceTime + retransmitDelay(cmd);
        inFlightBefore = true;
      }
      peer.sentReliableCommands.push(cmd);
      cmd.inFlight = true;
      peer.unacknowledged.set(cmd);
      cmd.sentTime = serviceTime;
      writer.needsSentTime = true;
      peer.reliableDataInTransit += cmd.fragmentLength;
    } else if (cmd.packet !== null && cmd.fragmentOffset === 0) {
      peer.packetThrottleCounter = (peer.packetThrottleCounter + ENET_PEER_PACKET_THROTTLE_COUNTER) % ENET_PEER_PACKET_THROTTLE_SCALE;
      if (peer.packetThrottleCounter > peer.packetThrottle) {
        droppingReliable = cmd.reliableSequenceNumber;
        droppingUnreliable = cmd.unreliableSequenceNumber;
        peer.finishCommand(cmd);
        continue;
      }
    }
    writer.writeCommand(cmd);
    // Unreliable commands are sent once: finished as soon as they are written.
    if (!reliable) peer.finishCommand(cmd);
    peer.packetsSent++;
  }
  peer.outgoingHead = a;
  peer.outgoingReliableHead = b;
  peer.trimQueues();
  return canPing;
}

/**
 * The send half of the host (protocol.c's enet_protocol_send_outgoing_commands): for each
 * peer, write acknowledgements, check timeouts and retransmit, fill the datagram from the
 * queues, ping when idle, update the packet-loss statistics and hand the finished datagram
 * to the host's transmit queue; repeat while the peer has more to send.
 */
import { ENET_PEER_PACKET_LOSS_INTERVAL, ENET_PEER_PACKET_LOSS_SCALE } from "./constants.ts";
import { PeerState } from "./enums.ts";
import type { HostCore } from "./host-core.ts";
import { ACK_STRIDE, type PeerCore } from "./peer-core.ts";
import { fillDatagram } from "./send-queue.ts";
import { repeatVerifyConnectAck } from "./receive.ts";
import { checkTimeouts } from "./timeouts.ts";
import { COMMAND_SIZES, ProtocolCommand } from "./wire.ts";

const PING_SIZE = COMMAND_SIZES[ProtocolCommand.PING] ?? 4;

/**
 * Build every datagram the peers need now; `checkForTimeouts` is false for a flush. Only
 * the peers the schedule names are visited: those that changed and those whose
 * retransmission check or ping is due.
 */
export function sendOutgoingCommands(host: HostCore, checkForTimeouts: boolean): void {
  const schedule = host.schedule;
  const batch = schedule.takeDue(host.serviceTime);
  let i = 0;
  try {
    for (; i < batch.length; i++) {
      const peer = batch[i]!;
      sendToPeer(host, peer, checkForTimeouts);
      schedule.settle(peer, peer.nextServiceTime(host.serviceTime), host.serviceTime);
    }
  } finally {
    schedule.releaseBatch(batch, i);
  }
}

/**
 * Write `peer`'s datagrams now, in the middle of a receive pass (the transmit queue takes them
 * like any others): the flood policy sends the VERIFY_CONNECT of a handshake it is about to evict
 * before that went out (handshake.ts).
 */
export function sendToPeerNow(host: HostCore, peer: PeerCore): void {
  sendToPeer(host, peer, false);
}

function sendToPeer(host: HostCore, peer: PeerCore, checkForTimeouts: boolean): void {
  let passes = 0;
  do {
    if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) break;
    peer.continueSending = false;
    host.writer.begin();

    if (peer.acknowledgementsEnd > 0) sendAcknowledgements(host, peer);
    if (checkForTimeouts && peer.sentReliableCount > 0 && host.serviceTime >= peer.nextTimeout) {
      const lost = peer.packetsLost;
      if (checkTimeouts(peer, host.serviceTime, host.retransmitScratch)) {
        host.notifyDisconnect(peer);
        break;
      }
      if (peer.connectUnconfirmed && peer.packetsLost !== lost) {
        repeatVerifyConnectAck(host, peer);
        sendAcknowledgements(host, peer);
      }
    }
    const answering = host.writer.commandCount > 0; // acknowledgements are going out anyway
    let canPing = true;
    if (peer.outgoingHead < peer.outgoingCommands.length || peer.outgoingReliableHead < peer.outgoingReliable.length) canPing = checkOutgoingCommands(host, peer);
    if (
      canPing &&
      peer.firstSentReliable() === undefined &&
      peer.pingDue(host.serviceTime, answering) &&
      peer.mtu - host.writer.packetSize >= PING_SIZE
    ) {
      host.ping(peer);
      checkOutgoingCommands(host, peer);
      // The acknowledgement room (17 slots once used) goes back. A peer pings only with nothing
      // reliable in flight and no acknowledgement heard for half an interval or more, so this runs
      // a few times a second at most (one small allocation when acknowledgements resume), and an
      // idle peer, which acknowledges one ping at a time, stops holding 152 B it does not use.
      if (peer.acknowledgementsEnd === 0 && peer.acknowledgements.length > 0) peer.acknowledgements.length = 0;
    }
    if (host.writer.commandCount === 0) break;

    if (peer.packetLossEpoch === 0) {
      peer.packetLossEpoch = host.serviceTime;
    } else if (host.serviceTime - peer.packetLossEpoch >= ENET_PEER_PACKET_LOSS_INTERVAL && peer.packetsSent > 0) {
      const packetLoss = Math.floor((peer.packetsLost * ENET_PEER_PACKET_LOSS_SCALE) / peer.packetsSent);
      peer.packetLossVariance = Math.floor((peer.packetLossVariance * 3 + Math.abs(packetLoss - peer.packetLoss)) / 4);
      peer.packetLoss = Math.floor((peer.packetLoss * 7 + packetLoss) / 8);
      peer.packetLossEpoch = host.serviceTime;
      peer.packetsSent = 0;
      peer.packetsLost = 0;
    }
    const datagram = host.writer.finish(peer, host.serviceTime, host.compressor, host.checksum);
    host.totalSentData += datagram.length;
    host.totalSentPackets++;
    host.queueTransmit(datagram, peer.address, peer.port);
    peer.lastSendTime = host.serviceTime;
    // A datagram always carries at least one command, so this terminates; the cap is a guard against bugs.
  } while (peer.continueSending && ++passes < 1_000_000);
}

/** Numbers of acknowledgement room a peer keeps between datagrams: 1,024 acknowledgements. */
const ACK_ROOM_KEPT = 1024 * ACK_STRIDE;

function sendAcknowledgements(host: HostCore, peer: PeerCore): void {
  const acks = peer.acknowledgements;
  const start = peer.acknowledgementsStart;
  const queued = peer.acknowledgementsEnd;
  const writer = host.writer;
  // As many as fit the MTU and the command limit (each acknowledgement takes the same room).
  const end = Math.min(queued, start + writer.acknowledgementsThatFit(peer.mtu) * ACK_STRIDE);
  for (let i = start; i < end; i += ACK_STRIDE) {
    writer.writeAcknowledgement(acks[i]!, acks[i + 1]!, acks[i + 3]!);
    if (acks[i + 2] === ProtocolCommand.DISCONNECT) host.dispatchZombie(peer);
  }
  if (end < queued) {
    // The rest go in the next datagram of this pass.
    peer.continueSending = true;
    peer.acknowledgementsStart = end;
    return;
  }
  peer.acknowledgementsStart = 0;
  peer.acknowledgementsEnd = 0;
  // A burst's worth of room is kept; more than that (a flood, up to 65,536 acknowledgements) is given back.
  if (acks.length > ACK_ROOM_KEPT) peer.acknowledgements = [];
}

/** enet_protocol_check_outgoing_commands plus its DISCONNECT_LATER follow-up. Returns "can ping". */
function checkOutgoingCommands(host: HostCore, peer: PeerCore): boolean {
  const canPing = fillDatagram(peer, host.writer, host.serviceTime);
  if (peer.state === PeerState.STATE_DISCONNECT_LATER && !peer.hasOutgoingCommands()) host.disconnect(peer, peer.eventData);
  return canPing;
}

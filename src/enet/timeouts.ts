/** Retransmission and peer timeouts (enet_protocol_check_timeouts). */
import { retransmitDelay, type OutgoingCommand } from "./commands.ts";
import type { PeerCore } from "./peer-core.ts";
import { truncate } from "../util/truncate.ts";

/**
 * Requeue every sent reliable command whose retransmission timeout expired (doubling
 * that timeout; the wait itself is capped, see retransmitDelay), or report that the peer timed out: the oldest unacknowledged command
 * has been outstanding for timeoutMaximum, or for timeoutMinimum once its timeout has
 * grown to timeoutLimit times its first value. Returns true on a peer timeout.
 */
export function checkTimeouts(peer: PeerCore, now: number, scratch: OutgoingCommand[]): boolean {
  const list = peer.sentReliableCommands;
  const retransmit = scratch;
  truncate(retransmit);
  let write = 0;
  let i = peer.sentHead;
  let timedOut = false;
  for (; i < list.length; i++) {
    const cmd = list[i]!;
    if (cmd.done) continue;
    if (now - cmd.sentTime < retransmitDelay(cmd)) {
      list[write++] = cmd;
      continue;
    }
    if (peer.earliestTimeout === 0 || cmd.sentTime < peer.earliestTimeout) peer.earliestTimeout = cmd.sentTime;
    if (
      peer.earliestTimeout !== 0 &&
      (now - peer.earliestTimeout >= peer.timeoutMaximum ||
        (cmd.roundTripTimeout >= cmd.roundTripTimeoutLimit && now - peer.earliestTimeout >= peer.timeoutMinimum))
    ) {
      timedOut = true;
      break;
    }
    if (cmd.packet !== null) peer.reliableDataInTransit -= cmd.fragmentLength;
    cmd.inFlight = false;
    peer.packetsLost++;
    cmd.roundTripTimeout *= 2;
    retransmit.push(cmd);
  }
  for (; i < list.length; i++) list[write++] = list[i]!;
  // Emptied: a fresh array, so that an idle peer holds no backing store (see PeerCore.firstSentReliable).
  if (write === 0) peer.sentReliableCommands = [];
  else truncate(list, write);
  peer.sentHead = 0;
  if (retransmit.length > 0) {
    peer.requeueFront(retransmit);
    truncate(retransmit);
  }
  if (timedOut) return true;
  const head = peer.firstSentReliable();
  if (head !== undefined) peer.nextTimeout = head.sentTime + retransmitDelay(head);
  return false;
}

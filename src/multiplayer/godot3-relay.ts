/**
 * Godot 3.2's multiplayer relay rules, once for every transport (ENet and WebSocket
 * frame them differently but decide alike). Sans-IO: each function takes what a packet
 * or system message says and the current peer table, and returns what to do; the
 * transport binding carries it out (store, forward, send, count).
 *
 * Server (networked_multiplayer_enet.cpp / websocket_multiplayer_peer.cpp, 3.2.3):
 * - a client's packet must name its own ID as the source, else it is dropped;
 * - target 1 is the server only; target 0 everyone; target -N everyone but N; target N
 *   one other client. With relaying off, only packets for the server are kept.
 * - joins and leaves are announced to the other clients (ADD both ways on a join).
 * Client: data must come from a plausible source (not 0, not us); ADD/REMOVE system
 * messages add or remove the other clients it knows (no direct link).
 */
import { MAX_KNOWN_REMOTE_PEERS, type MultiplayerDropCounters } from "./multiplayer-peer.ts";

const INT32_MAX = 0x7fffffff;

/** What the server does with one client packet. */
export interface Godot3ServerRoute {
  /** Why it is dropped (the drop counter to bump), or null to route it. */
  drop: keyof MultiplayerDropCounters | null;
  /** Keep it for the server's own getPacket(). */
  deliver: boolean;
  /** Forward to one client (> 0), to every client but the sender and `exclude` (0), or to nobody (-1). */
  forwardTo: number;
  /** With forwardTo 0: a client that must not get it (the N of target -N), else 0. */
  exclude: number;
}

export const FORWARD_NONE = -1;
export const FORWARD_ALL = 0;

function route(drop: Godot3ServerRoute["drop"], deliver: boolean, forwardTo: number, exclude: number): Godot3ServerRoute {
  return { drop, deliver, forwardTo, exclude };
}

/**
 * Server: client `from` sent a packet claiming `source` as sender, addressed to `target`.
 * `linked(id)` tells whether a client with a direct connection has that ID.
 */
export function routeGodot3ClientPacket(from: number, source: number, target: number, relaying: boolean, linked: (id: number) => boolean): Godot3ServerRoute {
  if (source !== from) return route("spoofedSource", false, FORWARD_NONE, 0);
  if (target === 1) return route(null, true, FORWARD_NONE, 0);
  if (!relaying) return route(null, false, FORWARD_NONE, 0); // Godot 3 keeps only what is for the server
  if (target <= 0) {
    // Target -1 ("everyone but the server"): Godot 3.2.3 keeps it too; we honour the exclusion.
    return route(null, target !== -1, FORWARD_ALL, target === 0 ? 0 : -target);
  }
  if (target === from || !linked(target)) return route("unknownTarget", false, FORWARD_NONE, 0);
  return route(null, false, target, 0);
}

/** Whether client `id` gets a forwarded broadcast from `from` (route.forwardTo === FORWARD_ALL). */
export function receivesGodot3Broadcast(id: number, from: number, r: Godot3ServerRoute): boolean {
  return id !== from && id !== r.exclude;
}

/** Client: whether a data packet's claimed source is one that could have sent it. */
export function isPlausibleGodot3Source(source: number, ownId: number): boolean {
  return ownId !== 0 && source >= 1 && source <= INT32_MAX && source !== ownId;
}

export enum Godot3PeerListChange {
  /** Not acceptable: count it as a bad system message. */
  INVALID,
  ADD,
  REMOVE,
}

/**
 * Client: the server said another client `id` joined (`added`) or left. `known` is the
 * client's peer table (the server is 1; other clients have no direct link).
 */
export function godot3PeerListChange(added: boolean, id: number, ownId: number, known: ReadonlyMap<number, unknown>): Godot3PeerListChange {
  if (id < 2 || id > INT32_MAX || id === ownId) return Godot3PeerListChange.INVALID;
  if (added) {
    return !known.has(id) && known.size < MAX_KNOWN_REMOTE_PEERS ? Godot3PeerListChange.ADD : Godot3PeerListChange.INVALID;
  }
  return known.has(id) ? Godot3PeerListChange.REMOVE : Godot3PeerListChange.INVALID;
}

/**
 * Godot's PacketPeer: the interface every packet peer implements
 * (ENetPacketPeer, WebSocketPeer, the MultiplayerPeers), so generic code can be
 * written against it, and `PacketPeerVariants`, the shared `put_var`/`get_var`
 * and `encode_buffer_max_size` each of them delegates to.
 */
import { GodotError, NetError } from "../errors.ts";
import type { VariantOptions } from "../variant/options.ts";
import {
  checkEncodeBufferMaxSize,
  decodeVarOrNull,
  DEFAULT_ENCODE_BUFFER_MAX_SIZE,
  encodePacketVar,
} from "../variant/stream-var.ts";
import type { Variant } from "../variant/variant.ts";

export interface PacketPeer {
  /** Packets received and not yet taken. */
  getAvailablePacketCount(): number;
  /** The oldest received packet. */
  getPacket(): Uint8Array;
  /** Send one packet; OK or Godot's failure code. */
  putPacket(buffer: Uint8Array): GodotError;
  /** The error of the last getPacket(). */
  getPacketError(): GodotError;
  /** Largest Variant encoding putVar() sends (Godot's default 8 MiB; 1 KiB..256 MiB, rounded up to a power of two). */
  encodeBufferMaxSize: number;
  getEncodeBufferMaxSize(): number;
  setEncodeBufferMaxSize(size: number): void;
  /** Send `value`'s Variant encoding as one packet; ERR_OUT_OF_MEMORY above encodeBufferMaxSize. */
  putVar(value: unknown, fullObjects?: boolean, options?: VariantOptions): GodotError;
  /** Take one packet and decode it; null when none is queued or it is not a valid Variant (Godot returns nil). */
  getVar(allowObjects?: boolean, options?: VariantOptions): Variant;
}

/** The packet operations PacketPeerVariants needs from its owner. */
interface PacketSource {
  getAvailablePacketCount(): number;
  getPacket(): Uint8Array;
  putPacket(buffer: Uint8Array): GodotError | void;
}

const noDefaultOptions = (): VariantOptions | undefined => undefined;

/**
 * One per packet peer: holds `encode_buffer_max_size` and the Variant protocol
 * the owner speaks by default (`"godot3"` for a Godot 3 multiplayer peer).
 */
export class PacketPeerVariants {
  private maxSize = DEFAULT_ENCODE_BUFFER_MAX_SIZE;

  constructor(private readonly defaultOptions: () => VariantOptions | undefined = noDefaultOptions) {}

  get encodeBufferMaxSize(): number {
    return this.maxSize;
  }
  set encodeBufferMaxSize(size: number) {
    this.maxSize = checkEncodeBufferMaxSize(size);
  }

  private options(options: VariantOptions | undefined): VariantOptions | undefined {
    const defaults = this.defaultOptions();
    if (defaults === undefined) return options;
    return options === undefined ? defaults : { ...defaults, ...options };
  }

  /** PacketPeer.put_var: encode (TypeError/RangeError for a value with no Variant), check the size, send. */
  putVar(owner: PacketSource, value: unknown, fullObjects = false, options?: VariantOptions): GodotError {
    const bytes = encodePacketVar(value, fullObjects, this.options(options));
    if (bytes.length > this.maxSize) return GodotError.ERR_OUT_OF_MEMORY;
    try {
      return owner.putPacket(bytes) ?? GodotError.OK;
    } catch (error) {
      if (error instanceof NetError) return error.code;
      throw error;
    }
  }

  /** PacketPeer.get_var: null when no packet is queued or the packet does not decode. */
  getVar(owner: PacketSource, allowObjects = false, options?: VariantOptions): Variant {
    if (owner.getAvailablePacketCount() <= 0) return null;
    let packet: Uint8Array;
    try {
      packet = owner.getPacket();
    } catch (error) {
      if (error instanceof NetError) return null;
      throw error;
    }
    return decodeVarOrNull(packet, allowObjects, this.options(options));
  }
}

/**
 * A packet peer with no other base class: Godot's put_var / get_var and encode_buffer_max_size
 * implemented once over the three packet operations. (WebSocketPeer and the MultiplayerPeers
 * extend EventTarget and hold a PacketPeerVariants themselves.)
 */
export abstract class VariantPacketPeer implements PacketPeer {
  abstract getAvailablePacketCount(): number;
  abstract getPacket(): Uint8Array;
  abstract putPacket(buffer: Uint8Array): GodotError;
  abstract getPacketError(): GodotError;

  // Made on first use: most peers (an ENet host's thousands) never touch Variants.
  private variantsState: PacketPeerVariants | null = null;
  private get variants(): PacketPeerVariants {
    return (this.variantsState ??= new PacketPeerVariants());
  }

  /** Largest Variant encoding putVar() sends (Godot's 8 MiB default; 1 KiB..256 MiB, rounded up to a power of two). */
  get encodeBufferMaxSize(): number {
    return this.variants.encodeBufferMaxSize;
  }
  set encodeBufferMaxSize(size: number) {
    this.variants.encodeBufferMaxSize = size;
  }
  getEncodeBufferMaxSize(): number {
    return this.variants.encodeBufferMaxSize;
  }
  setEncodeBufferMaxSize(size: number): void {
    this.variants.encodeBufferMaxSize = size;
  }
  /** Godot's put_var: `value`'s Variant encoding sent as one packet with putPacket (ERR_OUT_OF_MEMORY above encodeBufferMaxSize). */
  putVar(value: unknown, fullObjects = false, options?: VariantOptions): GodotError {
    return this.variants.putVar(this, value, fullObjects, options);
  }
  /** Godot's get_var: the next packet decoded; null when none is queued or it is not a valid Variant. */
  getVar(allowObjects = false, options?: VariantOptions): Variant {
    return this.variants.getVar(this, allowObjects, options);
  }
}

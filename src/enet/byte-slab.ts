/**
 * Private copies of byte ranges of 65 B to 2 KiB carved out of shared slabs. Every copy is a
 * view of bytes nobody else writes, so it is as safe as `slice()` for data that stays inside the
 * library; it saves the backing-store allocation `slice()` makes for every array above V8's
 * on-heap size (64 B), which dominated the cost of queueing a packet and finishing a datagram.
 *
 * Slabs are reused. Each copy counts as live until `settle()` (after the sends that took it),
 * and each command that carries it adds one until it is finished: the command keeps the slab's
 * life (`lifeOf`, `hold`) and gives it back (`releaseLife`), so no lookup is needed per packet.
 * A slab that is full and has nothing live left goes to a small idle list shared by every host,
 * and the next slab comes from there. Allocating a fresh 16 KiB slab every dozen 1200 B packets
 * made V8 run a full mark-compact every few thousand packets for the off-heap memory alone
 * (reliable 1200 B loopback, 300,000 packets: 27 mark-compacts, 1 with reuse). A slab starting
 * over is a new life, so a miscounted command can never free bytes of the next one; a copy whose
 * commands are never finished only keeps its slab from being reused: the collector takes it.
 *
 * Only for copies that are never handed to the application: the views share an ArrayBuffer, so
 * exposing one would expose (or, if transferred, detach) its neighbours, and a reused slab would
 * overwrite them.
 */
import { copyBytes, SMALL_ARRAY_MAX } from "../util/copy-bytes.ts";

export const SLAB_SIZE = 16 * 1024;
/** Larger copies get their own buffer (a slab would hold too few of them to pay off). */
export const SLAB_MAX_COPY = 2048;
/**
 * Copies up to this size get their own buffer too: a fresh small array costs no more than a view
 * of a slab (reliable 64 B loopback, six interleaved runs each: Node the same within noise, Bun
 * ~6 % faster than with slab views).
 */
export const SLAB_MIN_COPY = SMALL_ARRAY_MAX;

/** One life of a slab: how many copies in it are live, and whether it is full (no new copies go there). */
export interface SlabLife {
  readonly slab: Uint8Array;
  live: number;
  full: boolean;
}

/** Idle slabs kept for reuse, shared by every host (at SLAB_SIZE each: 1 MiB). */
const IDLE_SLABS_KEPT = 64;
const idleSlabs: Uint8Array[] = [];

/** A slab with nothing live left in it goes to the idle list, when it has room and the slab is of the shared size. */
function keepIdle(slab: Uint8Array): void {
  if (idleSlabs.length < IDLE_SLABS_KEPT && slab.length === SLAB_SIZE) idleSlabs.push(slab);
}

export class ByteSlab {
  private readonly slabSize: number;
  private readonly maxCopy: number;
  private life: SlabLife;
  private used = 0;
  /** The copy made last, until it is settled: the only one whose life `lifeOf` tells. */
  private lastCopy: Uint8Array | null = null;
  private lastLife: SlabLife | null = null;

  constructor(slabSize = SLAB_SIZE, maxCopy = SLAB_MAX_COPY) {
    this.slabSize = slabSize;
    this.maxCopy = Math.min(maxCopy, slabSize);
    this.life = this.freshLife();
  }

  /** A private copy of `source[start, end)`; a slab copy is live until `settle()`. */
  copy(source: Uint8Array, start: number, end: number): Uint8Array {
    const length = end - start;
    if (length <= SLAB_MIN_COPY || length > this.maxCopy) return copyBytes(source, start, end);
    const at = this.reserve(length);
    const life = this.life;
    const slab = life.slab;
    // Written through the slab itself, before its view exists: one stable call site for every
    // copy (set() on each fresh view measured as a polymorphic property load in the send path).
    slab.set(start === 0 && end === source.length ? source : source.subarray(start, end), at);
    const view = slab.subarray(at, at + length);
    life.live++;
    this.lastCopy = view;
    this.lastLife = life;
    return view;
  }

  /**
   * The slab life of `copy` when it is the copy made last and not yet settled (the sends of a
   * copy come right after it); null for anything else. The commands that carry it keep the life
   * (`hold`) and give it back when they finish (`releaseLife`).
   */
  lifeOf(copy: Uint8Array): SlabLife | null {
    return copy === this.lastCopy ? this.lastLife : null;
  }

  /** `commands` more commands carry a copy of `life`. */
  hold(life: SlabLife, commands: number): void {
    life.live += commands;
  }

  /** The sends of the last copy are done: it stays live only through the commands that took it. */
  settle(copy: Uint8Array): void {
    const life = this.lifeOf(copy);
    if (life === null) return;
    this.lastCopy = null;
    this.lastLife = null;
    this.releaseLife(life);
  }

  /** A command carrying a copy of `life` is finished. */
  releaseLife(life: SlabLife): void {
    if (--life.live === 0) {
      if (life.full) {
        keepIdle(life.slab);
      } else if (life === this.life) {
        // Nothing in the current slab is live: start it over, as a new life (commands still
        // holding the old one, if any were miscounted, never count against it).
        this.life = { slab: life.slab, live: 0, full: false };
        this.used = 0;
      }
    }
  }

  /** Room for `length` bytes in the current slab (the next one when it is full); their offset. */
  private reserve(length: number): number {
    let at = this.used;
    if (at + length > this.slabSize) {
      const old = this.life;
      old.full = true;
      if (old.live === 0) keepIdle(old.slab);
      this.life = this.freshLife();
      at = 0;
    }
    // 8-byte alignment keeps later copies on word boundaries for the memmove inside set().
    this.used = (at + length + 7) & ~7;
    return at;
  }

  private freshLife(): SlabLife {
    const reused = this.slabSize === SLAB_SIZE ? idleSlabs.pop() : undefined;
    return { slab: reused ?? new Uint8Array(this.slabSize), live: 0, full: false };
  }
}

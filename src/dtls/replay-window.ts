/**
 * RFC 6347 4.1.2.6 anti-replay window: the highest sequence number seen plus a
 * 64-entry bitmap of the ones below it. Sequence numbers are 48-bit, exact in a double.
 */
export const REPLAY_WINDOW_SIZE = 64;

export class ReplayWindow {
  private top = -1;
  /** Bit i set: sequence number top - i was received. Two 32-bit halves (bits 0..31, 32..63). */
  private low = 0;
  private high = 0;

  /** True when `seq` is new and inside the window (checked before authenticating the record). */
  isFresh(seq: number): boolean {
    if (seq > this.top) return true;
    const back = this.top - seq;
    if (back >= REPLAY_WINDOW_SIZE) return false;
    return back < 32 ? ((this.low >>> back) & 1) === 0 : ((this.high >>> (back - 32)) & 1) === 0;
  }

  /** Record `seq` as received (only after the record authenticated). */
  mark(seq: number): void {
    if (seq > this.top) {
      const shift = this.top < 0 ? REPLAY_WINDOW_SIZE : seq - this.top;
      if (shift >= REPLAY_WINDOW_SIZE) {
        this.low = 0;
        this.high = 0;
      } else if (shift >= 32) {
        this.high = this.low << (shift - 32);
        this.low = 0;
      } else if (shift > 0) {
        this.high = (this.high << shift) | (this.low >>> (32 - shift));
        this.low = this.low << shift;
      }
      this.top = seq;
      this.low |= 1;
      return;
    }
    const back = this.top - seq;
    if (back >= REPLAY_WINDOW_SIZE) return;
    if (back < 32) this.low |= 1 << back;
    else this.high |= 1 << (back - 32);
  }
}

/**
 * Time, injected. Everything in the switch and the controller that ages,
 * expires or times out asks a Clock for `now()` instead of reading the wall
 * clock, so tests (and `ovs-appctl time/stop`, `time/warp`) can freeze time
 * and move it forward deterministically.
 *
 * A stopped clock advances only through `warp(ms)`; timers scheduled on it
 * fire during the warp, in deadline order, as OVS's own test clock does.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; monotonic. */
  now(): number;
  /** Runs `fn` once `ms` of this clock's time have passed. Returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

interface Timer { due: number; fn: () => void; cancelled: boolean }

export class SystemClock implements Clock {
  private stoppedAt: number | null = null;
  private offset = 0;
  private readonly timers = new Set<Timer>();

  now(): number {
    return this.stoppedAt ?? performance.now() + this.offset;
  }

  after(ms: number, fn: () => void): () => void {
    const t: Timer = { due: this.now() + ms, fn, cancelled: false };
    this.timers.add(t);
    this.arm(t);
    return () => { t.cancelled = true; this.timers.delete(t); };
  }

  get stopped(): boolean {
    return this.stoppedAt !== null;
  }

  /** Freezes time (`time/stop`). */
  stop(): void {
    if (this.stoppedAt === null) this.stoppedAt = this.now();
  }

  /** Moves time forward by `ms` (`time/warp`), firing timers that fall due, in order. */
  warp(ms: number): void {
    const target = this.now() + ms;
    for (;;) {
      const next = [...this.timers].filter((t) => t.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.setNow(next.due);
      this.timers.delete(next);
      if (!next.cancelled) next.fn();
    }
    this.setNow(target);
  }

  private setNow(t: number): void {
    if (this.stoppedAt !== null) this.stoppedAt = Math.max(this.stoppedAt, t);
    else this.offset += Math.max(0, t - this.now());
  }

  private arm(t: Timer): void {
    if (this.stoppedAt !== null) return;    // a stopped clock fires only on warp
    const delay = Math.max(0, t.due - this.now());
    const h = setTimeout(() => {
      if (t.cancelled || !this.timers.has(t)) return;
      if (this.stoppedAt !== null) return;
      if (this.now() < t.due) { this.arm(t); return; }
      this.timers.delete(t);
      t.fn();
    }, delay);
    h.unref?.();
  }
}

/**
 * Statistics for benchmark samples: a growable sample buffer cheap enough
 * to record one latency per transaction, percentiles by linear
 * interpolation between closest ranks (the usual "type 7" definition, so
 * p50 of an even count is the mean of the two middle values), and the
 * median used to combine repetitions.
 *
 * Repetitions are combined by taking the median of each repetition's
 * figure, not by pooling samples: one noisy repetition (another process
 * took the CPU for a second) then moves the reported figure little, and
 * each server's figure is computed the same way.
 */

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** An append-only buffer of numbers backed by a Float64Array that doubles as it fills. */
export class Samples {
  private buf = new Float64Array(1024);
  private n = 0;

  push(x: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = x;
  }

  get count(): number {
    return this.n;
  }

  /** A sorted copy of the samples. */
  sorted(): Float64Array {
    return this.buf.slice(0, this.n).sort();
  }

  summary(): Summary {
    return summarizeSorted(this.sorted());
  }
}

/** The p-th percentile (0 ≤ p ≤ 100) of ascending-sorted values; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank), hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarizeSorted(sorted: ArrayLike<number>): Summary {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    min: n ? sorted[0]! : NaN,
    mean: n ? sum / n : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1]! : NaN,
  };
}

export function summarize(values: readonly number[]): Summary {
  return summarizeSorted(Float64Array.from(values).sort());
}

/** The median of the finite values; NaN when there are none (every repetition failed). */
export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values.filter(Number.isFinite)).sort(), 50);
}

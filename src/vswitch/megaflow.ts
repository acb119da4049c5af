/**
 * The megaflow cache: the datapath's fast path (after OVS's dpif-netdev
 * "dpcls"). A megaflow is the result of one translation, generalized to
 * every packet that agrees with the translated one on the fields the
 * translation examined (its mask); every other field is wildcarded.
 *
 * Megaflows with the same mask live in one subtable, a hash from the
 * masked key to the megaflow, so a lookup costs one hash probe per distinct
 * mask. Subtables are probed most-hit first.
 *
 * Correctness rests on two rules: a translation must report every field it
 * looked at (or the cache would apply its decision to packets it would
 * have decided differently), and anything that can change a decision —
 * configuration, flow tables, the MAC table — must invalidate the cache
 * (`Dpif.invalidate`), which here flushes it.
 */
import type { DpAction } from './odp.js';
import type { FlowKey } from './flowkey.js';

/** A side effect a cache hit must still perform, e.g. refreshing a MAC entry's age. */
export type HitEffect = (now: number) => void;

/** Packet/byte counters of an OpenFlow rule, credited on every hit. */
export interface RuleCounters { n_packets: number; n_bytes: number; used: number }

export interface Megaflow {
  readonly fields: readonly string[];
  readonly key: string;
  readonly actions: readonly DpAction[];
  readonly effects: readonly HitEffect[];
  readonly rules: readonly RuleCounters[];
  packets: number;
  bytes: number;
  used: number;
}

interface Subtable {
  readonly fields: readonly string[];
  readonly flows: Map<string, Megaflow>;
  hits: number;
}

export function maskedKey(key: FlowKey, fields: readonly string[]): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) s += (i ? ',' : '') + key[fields[i]!];
  return s;
}

export class MegaflowCache {
  private subtables: Subtable[] = [];
  private readonly bySig = new Map<string, Subtable>();
  private count = 0;
  private lookups = 0;

  constructor(readonly limit = 200_000) {}

  get size(): number {
    return this.count;
  }

  lookup(key: FlowKey): Megaflow | undefined {
    const sts = this.subtables;
    for (let i = 0; i < sts.length; i++) {
      const st = sts[i]!;
      const mf = st.flows.get(maskedKey(key, st.fields));
      if (mf) {
        st.hits++;
        // Keep the hottest subtables first; re-sort occasionally, not per packet.
        if ((++this.lookups & 0x3ff) === 0) this.subtables.sort((a, b) => b.hits - a.hits);
        return mf;
      }
    }
    return undefined;
  }

  /** Installs a megaflow for `key` under `fields` (the translation's mask). */
  insert(key: FlowKey, fields: readonly string[], actions: readonly DpAction[], effects: readonly HitEffect[], rules: readonly RuleCounters[]): Megaflow {
    if (this.count >= this.limit) this.flush();
    const sorted = [...new Set(fields)].sort();
    const sig = sorted.join(',');
    let st = this.bySig.get(sig);
    if (!st) {
      st = { fields: sorted, flows: new Map(), hits: 0 };
      this.bySig.set(sig, st);
      this.subtables.push(st);
    }
    const mf: Megaflow = { fields: sorted, key: maskedKey(key, sorted), actions, effects, rules, packets: 0, bytes: 0, used: 0 };
    if (!st.flows.has(mf.key)) this.count++;
    st.flows.set(mf.key, mf);
    return mf;
  }

  flush(): void {
    this.subtables = [];
    this.bySig.clear();
    this.count = 0;
  }

  *entries(): Generator<Megaflow> {
    for (const st of this.subtables) yield* st.flows.values();
  }
}

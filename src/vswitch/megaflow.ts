/**
 * The megaflow cache: the datapath's fast path (after OVS's dpif-netdev
 * "dpcls"). A megaflow is the result of one translation, generalized to
 * every packet that agrees with the translated one on the fields the
 * translation examined (its mask); every other field is wildcarded.
 *
 * Megaflows with the same mask live in one subtable, a hash from the
 * masked key to the megaflow, so a lookup costs one hash probe per distinct
 * mask. Subtables are probed most-hit first. The hash is a 32-bit mix of
 * the masked field values (no strings are built per packet); a candidate is
 * confirmed by comparing those values exactly.
 *
 * Correctness rests on two rules: a translation must report every field it
 * looked at (or the cache would apply its decision to packets it would
 * have decided differently), and anything that can change a decision must
 * invalidate the cached decisions it affects. Configuration and flow-table
 * changes flush everything (`Dpif.invalidate`). A MAC table change for MAC
 * m can only affect megaflows that matched m exactly as source or
 * destination (NORMAL always un-wildcards both), so it removes just those
 * (`invalidateMac`), found through an index: learning a new host no longer
 * throws away every other cached decision.
 */
import type { DpAction } from './odp.js';
import type { FlowKey } from './flowkey.js';

/** A side effect a cache hit must still perform, e.g. refreshing a MAC entry's age. */
export type HitEffect = (now: number) => void;

/** Packet/byte counters of an OpenFlow rule, credited on every hit. */
export interface RuleCounters { n_packets: number; n_bytes: number; used: number }

export interface Megaflow {
  readonly fields: readonly string[];
  /** The masked field values, in `fields` order. */
  readonly values: readonly number[];
  readonly key: string;
  readonly actions: readonly DpAction[];
  readonly effects: readonly HitEffect[];
  readonly rules: readonly RuleCounters[];
  /** MACs whose MAC-table entries the decision read beyond the key's own (e.g. in an underlay bridge). */
  readonly macDeps: readonly number[];
  packets: number;
  bytes: number;
  used: number;
}

interface Subtable {
  readonly fields: readonly string[];
  /** hash -> megaflows with that hash (almost always one). */
  readonly flows: Map<number, Megaflow[]>;
  hits: number;
}

export function maskedKey(key: FlowKey, fields: readonly string[]): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) s += (i ? ',' : '') + key[fields[i]!];
  return s;
}

/** 32-bit hash of the fields' values; numbers up to 2^53 (MACs) are mixed as two halves. */
function hashFields(key: FlowKey, fields: readonly string[]): number {
  let h = 0x9e3779b9 | 0;
  for (let i = 0; i < fields.length; i++) {
    const v = key[fields[i]!] ?? 0;
    const lo = v | 0, hi = (v / 4294967296) | 0;
    h = Math.imul(h ^ lo, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ hi, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h;
}

function sameValues(key: FlowKey, fields: readonly string[], values: readonly number[]): boolean {
  for (let i = 0; i < fields.length; i++) if ((key[fields[i]!] ?? 0) !== values[i]) return false;
  return true;
}

export class MegaflowCache {
  private subtables: Subtable[] = [];
  private readonly bySig = new Map<string, Subtable>();
  /** MAC -> megaflows matching it exactly as dl_src or dl_dst. */
  private readonly byMac = new Map<number, Set<Megaflow>>();
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
      const bucket = st.flows.get(hashFields(key, st.fields));
      if (!bucket) continue;
      let mf: Megaflow | undefined;
      for (let j = 0; j < bucket.length; j++) if (sameValues(key, st.fields, bucket[j]!.values)) { mf = bucket[j]; break; }
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
  insert(key: FlowKey, fields: readonly string[], actions: readonly DpAction[], effects: readonly HitEffect[], rules: readonly RuleCounters[], macDeps: readonly number[] = []): Megaflow {
    if (this.count >= this.limit) this.flush();
    const sorted = [...new Set(fields)].sort();
    const sig = sorted.join(',');
    let st = this.bySig.get(sig);
    if (!st) {
      st = { fields: sorted, flows: new Map(), hits: 0 };
      this.bySig.set(sig, st);
      this.subtables.push(st);
    }
    const values = sorted.map((f) => key[f] ?? 0);
    const mf: Megaflow = { fields: sorted, values, key: maskedKey(key, sorted), actions, effects, rules, macDeps, packets: 0, bytes: 0, used: 0 };
    const h = hashFields(key, sorted);
    const bucket = st.flows.get(h);
    if (!bucket) { st.flows.set(h, [mf]); this.count++; }
    else {
      const i = bucket.findIndex((x) => sameValues(key, sorted, x.values));
      if (i >= 0) { this.unindex(bucket[i]!); bucket[i] = mf; } else { bucket.push(mf); this.count++; }
    }
    this.index(mf);
    return mf;
  }

  private macsOf(mf: Megaflow): number[] {
    const out: number[] = [...mf.macDeps];
    for (let i = 0; i < mf.fields.length; i++) {
      if (mf.fields[i] === 'dl_src' || mf.fields[i] === 'dl_dst') out.push(mf.values[i]!);
    }
    return out;
  }

  private index(mf: Megaflow): void {
    for (const m of this.macsOf(mf)) {
      let s = this.byMac.get(m);
      if (!s) this.byMac.set(m, s = new Set());
      s.add(mf);
    }
  }

  private unindex(mf: Megaflow): void {
    for (const m of this.macsOf(mf)) {
      const s = this.byMac.get(m);
      if (s) { s.delete(mf); if (s.size === 0) this.byMac.delete(m); }
    }
  }

  /** Removes the megaflows that matched `mac` as source or destination. */
  invalidateMac(mac: number): void {
    const s = this.byMac.get(mac);
    if (!s) return;
    for (const mf of [...s]) {
      this.unindex(mf);
      const st = this.bySig.get(mf.fields.join(','));
      if (!st) continue;
      for (const [h, bucket] of st.flows) {
        const i = bucket.indexOf(mf);
        if (i < 0) continue;
        bucket.splice(i, 1);
        if (bucket.length === 0) st.flows.delete(h);
        this.count--;
        break;
      }
    }
  }

  flush(): void {
    this.subtables = [];
    this.bySig.clear();
    this.byMac.clear();
    this.count = 0;
  }

  *entries(): Generator<Megaflow> {
    for (const st of this.subtables) for (const b of st.flows.values()) yield* b;
  }
}

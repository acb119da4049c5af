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
 * Field values are compared by value whatever their JavaScript type: most
 * are numbers (MACs up to 2^48 included), 64-bit fields may be bigints,
 * and IPv6 addresses (ipv6_src/dst, nd_target, tun_ipv6_*) are 16-byte
 * arrays. An array is hashed and compared byte by byte, never by identity,
 * so two packets with the same address share a megaflow and two different
 * addresses never do. The datapath refills one key per frame, arrays in
 * place, so a megaflow stores its own copies of the arrays it matches on.
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
import { bytesEqual } from '../packet/types.js';

/** A side effect a cache hit must still perform, e.g. refreshing a MAC entry's age. */
export type HitEffect = (now: number) => void;

/** Packet/byte counters of an OpenFlow rule, credited on every hit. */
export interface RuleCounters { n_packets: number; n_bytes: number; used: number }

/** One field's value in a key: a number, a 64-bit bigint, or an address's bytes (IPv6). */
export type FieldValue = number | bigint | Uint8Array;

/**
 * What the cache looks keys up by: a record of field values by flow-field
 * name (the packet layer's FlowKey, or any record in the same shape). A
 * missing field reads as 0.
 */
export type MegaflowKey = object;

type Rec = Readonly<Record<string, unknown>>;

export interface Megaflow {
  readonly fields: readonly string[];
  /** The masked field values, in `fields` order (arrays are the megaflow's own copies). */
  readonly values: readonly FieldValue[];
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
  /** `hashFields` and `sameValues` for this mask, compiled (see `compileMask`). */
  readonly hash: (key: Rec) => number;
  readonly same: (key: Rec, values: readonly FieldValue[]) => boolean;
  hits: number;
}

function valueText(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return String(v ?? 0);
}

/** The masked key as text (for display and tests; the packet path never builds it). */
export function maskedKey(key: MegaflowKey, fields: readonly string[]): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) s += (i ? ',' : '') + valueText((key as Rec)[fields[i]!]);
  return s;
}

function mix(h: number, lo: number, hi: number): number {
  h = Math.imul(h ^ lo, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ hi, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Mixes one value into `h`: numbers up to 2^53 as two 32-bit halves, bigints likewise, arrays by their bytes. */
function mixValue(h: number, v: unknown): number {
  if (typeof v === 'number') return mix(h, v | 0, (v / 4294967296) | 0);
  if (v === undefined) return mix(h, 0, 0);
  if (v instanceof Uint8Array) {
    // 4 bytes per round; the length goes in first so a short array never equals a zero-padded long one.
    h = mix(h, v.length, 0x6a09e667);
    let i = 0;
    for (; i + 4 <= v.length; i += 4) h = mix(h, (v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!, i);
    for (; i < v.length; i++) h = mix(h, v[i]!, i);
    return h;
  }
  // A bigint: values equal as bigints hash equal; precision lost above 2^53 only costs a shared bucket.
  const n = Number(v);
  return mix(h, n | 0, (n / 4294967296) | 0);
}

/** Equality by value: a missing field equals 0; an array equals an array with the same bytes. */
function sameValue(v: unknown, stored: FieldValue): boolean {
  if (v === stored) return true;
  if (v === undefined) return stored === 0;
  return v instanceof Uint8Array && stored instanceof Uint8Array && bytesEqual(v, stored);
}

/**
 * The hash and the comparison of one mask: `mixValue` over the fields'
 * values from a fixed seed, and `sameValue` field by field. They are
 * compiled with the field names written out (`k["dl_src"]`), so every load
 * is a named property load the JIT specializes to the key's shape, and a
 * number field is read and mixed unboxed. A loop reading `key[name]` with
 * a name that changes every iteration is a megamorphic load that also
 * boxes every MAC it returns; measured, a hit's lookup costs about a
 * quarter of that loop's when compiled. Names are embedded as JSON string literals, so no
 * name can inject code.
 */
function compileMask(fields: readonly string[]): Pick<Subtable, 'hash' | 'same'> {
  const load = (i: number) => `const v${i} = k[${JSON.stringify(fields[i])}];`;
  const hashBody = fields.map((_, i) => `${load(i)} h = typeof v${i} === 'number' ? mix(h, v${i} | 0, (v${i} / 4294967296) | 0) : mixValue(h, v${i});`);
  const sameBody = fields.map((_, i) => `${load(i)} if (v${i} !== s[${i}] && !sameValue(v${i}, s[${i}])) return false;`);
  const make = new Function('mix', 'mixValue', 'sameValue', [
    'return {',
    `  hash(k) { let h = ${0x9e3779b9 | 0}; ${hashBody.join(' ')} return h; },`,
    `  same(k, s) { ${sameBody.join(' ')} return true; },`,
    '};',
  ].join('\n')) as (m: typeof mix, mv: typeof mixValue, sv: typeof sameValue) => Pick<Subtable, 'hash' | 'same'>;
  return make(mix, mixValue, sameValue);
}

/** The value a megaflow keeps: arrays copied (the datapath reuses its key's arrays), everything else as is. */
function ownValue(v: unknown): FieldValue {
  if (v === undefined || v === null) return 0;
  if (v instanceof Uint8Array) return v.slice();
  return v as number | bigint;
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

  lookup(mkey: MegaflowKey): Megaflow | undefined {
    const key = mkey as Rec;
    const sts = this.subtables;
    for (let i = 0; i < sts.length; i++) {
      const st = sts[i]!;
      const bucket = st.flows.get(st.hash(key));
      if (!bucket) continue;
      let mf: Megaflow | undefined;
      for (let j = 0; j < bucket.length; j++) if (st.same(key, bucket[j]!.values)) { mf = bucket[j]; break; }
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
  insert(mkey: MegaflowKey, fields: readonly string[], actions: readonly DpAction[], effects: readonly HitEffect[], rules: readonly RuleCounters[], macDeps: readonly number[] = []): Megaflow {
    const key = mkey as Rec;
    if (this.count >= this.limit) this.flush();
    const sorted = [...new Set(fields)].sort();
    const sig = sorted.join(',');
    let st = this.bySig.get(sig);
    if (!st) {
      st = { fields: sorted, flows: new Map(), ...compileMask(sorted), hits: 0 };
      this.bySig.set(sig, st);
      this.subtables.push(st);
    }
    const values = sorted.map((f) => ownValue(key[f]));
    const mf: Megaflow = { fields: sorted, values, key: maskedKey(key, sorted), actions, effects, rules, macDeps, packets: 0, bytes: 0, used: 0 };
    const h = st.hash(key);
    const bucket = st.flows.get(h);
    if (!bucket) { st.flows.set(h, [mf]); this.count++; }
    else {
      const i = bucket.findIndex((x) => st!.same(key, x.values));
      if (i >= 0) { this.unindex(bucket[i]!); bucket[i] = mf; } else { bucket.push(mf); this.count++; }
    }
    this.index(mf);
    return mf;
  }

  private macsOf(mf: Megaflow): number[] {
    const out: number[] = [...mf.macDeps];
    for (let i = 0; i < mf.fields.length; i++) {
      if (mf.fields[i] === 'dl_src' || mf.fields[i] === 'dl_dst') out.push(Number(mf.values[i]!));
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

/**
 * The OpenFlow classifier (after OVS's lib/classifier): finds the
 * highest-priority rule whose match a packet satisfies, and says which
 * flow fields the answer depended on, so the megaflow cache can wildcard
 * every other field.
 *
 * Tuple space search: rules with the same mask (the same fields, each
 * with the same bit mask) share a subtable, a hash from the masked field
 * values to the rules with exactly that match (several, when they differ
 * only in priority). A lookup probes one hash per subtable, in order of
 * the subtables' highest priority, and stops as soon as no remaining
 * subtable could hold a better rule. So its cost grows with the number of
 * distinct masks, not of rules.
 *
 * What a lookup examined: the fields of every subtable it probed, hit or
 * miss, because a packet differing in any of them might have hit (or
 * missed) there instead. Subtables it never reached do not count: no
 * packet that agrees on the probed fields can do better in them. Ties in
 * priority go to the rule found first in that fixed order, so the answer
 * is a function of the examined fields alone — the property the
 * model test checks against a linear scan.
 *
 * Flows are plain records keyed by flow-field name (vswitch's L2 key or
 * the packet layer's full FlowKey); a missing field reads as zero.
 */
import type { Match } from '../packet/match.js';

export interface ClassifierRule {
  readonly priority: number;
  readonly match: Match;
}

export type FlowRecord = Readonly<Record<string, unknown>>;

interface Subtable<R extends ClassifierRule> {
  readonly sig: string;
  readonly fields: readonly string[];
  readonly masks: readonly unknown[];
  /** Masked key -> rules with that exact match, highest priority first. */
  readonly buckets: Map<string, R[]>;
  maxPriority: number;
  count: number;
}

const TWO32 = 0x100000000;

function maskedPart(v: unknown, m: unknown): string {
  if (typeof m === 'number') {
    const x = typeof v === 'number' ? v : 0;
    // The key's form depends on the mask only, so rule and packet keys agree (x & m uses x's low 32 bits).
    if (m <= 0xffffffff) return ((x & m) >>> 0).toString(36);
    const hi = ((Math.floor(x / TWO32) & Math.floor(m / TWO32)) >>> 0);
    return `${hi.toString(36)}.${((x & m) >>> 0).toString(36)}`;
  }
  if (typeof m === 'bigint') return ((typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : 0n) & m).toString(36);
  const mm = m as Uint8Array, x = v instanceof Uint8Array ? v : undefined;
  let s = '';
  for (let i = 0; i < mm.length; i++) s += (((x?.[i] ?? 0) & mm[i]!) + 256).toString(16);
  return s;
}

function sigOf(match: Match): { sig: string; fields: string[]; masks: unknown[] } {
  const fields = Object.keys(match.masks).sort();
  const masks = fields.map((f) => (match.masks as Record<string, unknown>)[f]);
  const sig = fields.map((f, i) => `${f}:${maskedPart(masks[i], masks[i])}`).join(',');
  return { sig, fields, masks };
}

function keyOf(fields: readonly string[], masks: readonly unknown[], flow: FlowRecord): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) s += (i ? '|' : '') + maskedPart(flow[fields[i]!], masks[i]);
  return s;
}

function ruleKey(st: { fields: readonly string[]; masks: readonly unknown[] }, match: Match): string {
  return keyOf(st.fields, st.masks, match.fields as FlowRecord);
}

export class Classifier<R extends ClassifierRule> {
  private readonly bySig = new Map<string, Subtable<R>>();
  private order: Subtable<R>[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Adds a rule (the caller has removed any rule it replaces). */
  insert(rule: R): void {
    const { sig, fields, masks } = sigOf(rule.match);
    let st = this.bySig.get(sig);
    if (!st) {
      st = { sig, fields, masks, buckets: new Map(), maxPriority: -1, count: 0 };
      this.bySig.set(sig, st);
      this.order.push(st);
    }
    const k = ruleKey(st, rule.match);
    const list = st.buckets.get(k) ?? [];
    let i = 0;
    while (i < list.length && list[i]!.priority >= rule.priority) i++;
    list.splice(i, 0, rule);
    st.buckets.set(k, list);
    st.count++;
    this.n++;
    if (rule.priority > st.maxPriority) { st.maxPriority = rule.priority; this.sort(); }
  }

  remove(rule: R): boolean {
    const { sig } = sigOf(rule.match);
    const st = this.bySig.get(sig);
    if (!st) return false;
    const k = ruleKey(st, rule.match);
    const list = st.buckets.get(k);
    const i = list ? list.indexOf(rule) : -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) st.buckets.delete(k);
    st.count--;
    this.n--;
    if (st.count === 0) {
      this.bySig.delete(sig);
      this.order = this.order.filter((x) => x !== st);
    } else if (rule.priority === st.maxPriority) {
      let max = -1;
      for (const l of st.buckets.values()) if (l[0]!.priority > max) max = l[0]!.priority;
      st.maxPriority = max;
      this.sort();
    }
    return true;
  }

  private sort(): void {
    this.order.sort((a, b) => b.maxPriority - a.maxPriority);
  }

  /** The highest-priority rule matching `flow`; adds to `examined` the fields the answer depended on. */
  lookup(flow: FlowRecord, examined?: Set<string>): R | undefined {
    let best: R | undefined;
    for (const st of this.order) {
      if (best && best.priority >= st.maxPriority) break;
      if (examined) for (const f of st.fields) examined.add(f);
      const list = st.buckets.get(keyOf(st.fields, st.masks, flow));
      const r = list?.[0];
      if (r && (!best || r.priority > best.priority)) best = r;
    }
    return best;
  }

  /** The rule with exactly this match and priority (OpenFlow's "strict" identity). */
  findExact(match: Match, priority: number): R | undefined {
    const { sig, fields, masks } = sigOf(match);
    const st = this.bySig.get(sig);
    if (!st) return undefined;
    return st.buckets.get(keyOf(fields, masks, match.fields as FlowRecord))?.find((r) => r.priority === priority);
  }

  /** Every rule, highest priority first (ties in insertion-independent subtable order). */
  *rules(): Generator<R> {
    const all: R[] = [];
    for (const st of this.order) for (const l of st.buckets.values()) all.push(...l);
    all.sort((a, b) => b.priority - a.priority);
    yield* all;
  }

  /** Number of distinct masks (subtables). */
  get subtables(): number {
    return this.order.length;
  }
}

/**
 * A bridge's OpenFlow tables and what flow_mod does to them (after OVS's
 * ofproto.c): add (replacing an identical rule, optionally refusing an
 * overlapping one), modify and delete, loose or strict, filtered by
 * cookie/mask, out_port and out_group; idle and hard timeouts; and the
 * selection flow stats use.
 *
 * Strict commands name one rule by exact match and priority. Loose ones
 * select every rule at least as specific as the request's match: each
 * field the request matches, the rule matches with (at least) the same
 * mask and the same value. Table 255 means all tables, except for adds and
 * modifies, where it means table 0. Table 254 is reserved (OVS's hidden
 * table): writing it is OFPBRC_EPERM.
 *
 * Semantics worth knowing:
 * - Replacing an identical rule keeps its counters unless the flow_mod
 *   has reset_counts (OpenFlow 1.0/1.1 adds always do).
 * - A modify that selects nothing adds the flow when it carries a new
 *   cookie and no cookie mask (OpenFlow 1.0 and NX), as OVS does.
 * - A failed flow_mod changes nothing: checks run before any mutation.
 *
 * The tables are indexed by any `RuleIndex` (the classifier in
 * vswitch/classifier.ts), injected so this module does not depend on the
 * switch. Every method takes `now` (ms); nothing reads a clock.
 */
import type { Match } from '../packet/match.js';
import { matchValue, matchMask, valuesEqual } from '../packet/match.js';
import type { FlowField } from '../packet/flow.js';
import { type OfAction, actionsOutputTo, actionsOutputToGroup } from './actions.js';
import { OfError } from './errors.js';
import { FF, N_TABLES, OFPG_ANY, OFPP, OFPRR, OFP10 } from './constants.js';
import type { FlowMod, FlowStatsRequest } from './flow-mod.js';
import { FIELDS, prereqMet, fieldFromKey } from './fields.js';
import { factsOf } from './nx-match.js';

export interface RuleCounters { n_packets: number; n_bytes: number; used: number }

export interface FlowRule {
  readonly table: number;
  readonly priority: number;
  readonly match: Match;
  actions: readonly OfAction[];
  cookie: bigint;
  readonly counters: RuleCounters;
  /** When added (ms): flow duration and hard timeout count from here. */
  created: number;
  /** When last added or modified (ms): hard_age. */
  modified: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  importance: number;
}

export interface RuleIndex<R> {
  insert(rule: R): void;
  remove(rule: R): boolean;
  lookup(flow: Readonly<Record<string, unknown>>, examined?: Set<string>): R | undefined;
  findExact(match: Match, priority: number): R | undefined;
  rules(): Iterable<R>;
  readonly size: number;
}

export interface RemovedRule { readonly rule: FlowRule; readonly reason: number }

export interface FlowModOutcome {
  readonly added: FlowRule[];
  readonly modified: FlowRule[];
  readonly removed: RemovedRule[];
}

export interface CheckEnv {
  readonly version: number;
  groupExists(id: number): boolean;
}

const HIDDEN_TABLE = 254;

/** Every field `crit` matches, `rule` matches at least as precisely and with the same value. */
export function looseMatch(rule: Match, crit: Match): boolean {
  for (const f of Object.keys(crit.masks) as FlowField[]) {
    const cm = crit.masks[f], rm = rule.masks[f];
    if (rm === undefined) return false;
    if (!covers(rm, cm) || !valuesEqual(and(rule.fields[f], cm), crit.fields[f])) return false;
  }
  return true;
}

function and(v: unknown, m: unknown): unknown {
  if (typeof m === 'number') {
    const x = (v as number) ?? 0;
    return m <= 0xffffffff ? ((x & m) >>> 0) : Number(BigInt(x) & BigInt(m));
  }
  if (typeof m === 'bigint') return ((v as bigint) ?? 0n) & m;
  const mm = m as Uint8Array, x = v as Uint8Array, out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = (x?.[i] ?? 0) & mm[i]!;
  return out;
}

function covers(rm: unknown, cm: unknown): boolean {
  return valuesEqual(and(rm, cm), cm);
}

/** True if some packet could match both (OVS's overlap check). */
export function matchesOverlap(a: Match, b: Match): boolean {
  for (const f of Object.keys(a.masks) as FlowField[]) {
    const bm = b.masks[f];
    if (bm === undefined) continue;
    const both = and(a.masks[f], bm);
    if (!valuesEqual(and(a.fields[f], both), and(b.fields[f], both))) return false;
  }
  return true;
}

/** OVS's action check: consistency with the match and table, groups that exist. */
export function checkActions(actions: readonly OfAction[], match: Match, table: number, env: CheckEnv): void {
  const f = factsOf(match);
  const facts = { ...f };
  let inconsistent = false;
  const ip = () => facts.dlType === 0x0800 || facts.dlType === 0x86dd;
  for (const a of actions) {
    switch (a.t) {
      case 'goto_table':
        if (a.table <= table || a.table >= N_TABLES) throw new OfError('OFPBIC_BAD_TABLE_ID', `goto_table:${a.table} from table ${table}`);
        break;
      case 'group':
        if (!env.groupExists(a.group)) throw new OfError('OFPBAC_BAD_OUT_GROUP', `group ${a.group}`);
        break;
      case 'meter':
        // Weft has no meters (the dummy datapath's), so every meter id is unknown.
        throw new OfError('OFPMMFC_INVALID_METER', `meter ${a.meter}`);
      case 'set_field': {
        const fld = FIELDS.get(a.field)!;
        if (!prereqMet(fld.prereq, facts) || (fld.name === 'vlan_vid' && !facts.vlanPresent)) {
          throw new OfError('OFPBAC_MATCH_INCONSISTENT', `set_field ${fld.name} lacks correct prerequisites`);
        }
        if (fld.name === 'vlan_tci') facts.vlanPresent = (fieldFromKey(fld, Number(a.value)) & 0x1000n) !== 0n;
        break;
      }
      case 'mod_nw_src': case 'mod_nw_dst': if (facts.dlType !== 0x0800) inconsistent = true; break;
      case 'mod_nw_tos': case 'mod_nw_ecn': case 'mod_nw_ttl': case 'dec_ttl': if (!ip()) inconsistent = true; break;
      case 'mod_tp_src': case 'mod_tp_dst':
        if (!ip() || ![6, 17, 132].includes(facts.nwProto ?? -1) || (matchValue(match, 'nw_frag') & 2)) inconsistent = true;
        break;
      case 'mod_vlan_vid': case 'mod_vlan_pcp':
        if (!facts.vlanPresent && a.pushIfNeeded === false) inconsistent = true;
        facts.vlanPresent = true;
        break;
      case 'push_vlan': facts.vlanPresent = true; break;
      case 'strip_vlan': facts.vlanPresent = false; break;
      default: break;
    }
  }
  // Standard OpenFlow 1.0 actions tolerate a mismatch with the match; 1.1+ do not.
  if (inconsistent && env.version !== OFP10) throw new OfError('OFPBAC_MATCH_INCONSISTENT');
}

export class FlowTables<R extends FlowRule = FlowRule> {
  private readonly tables = new Map<number, RuleIndex<R>>();

  constructor(private readonly newIndex: () => RuleIndex<R>, private readonly make: (fields: FlowRule) => R = (x) => x as R) {}

  table(id: number): RuleIndex<R> {
    let t = this.tables.get(id);
    if (!t) { t = this.newIndex(); this.tables.set(id, t); }
    return t;
  }

  /** Table ids that hold rules, ascending. */
  tableIds(): number[] {
    return [...this.tables.entries()].filter(([, t]) => t.size > 0).map(([id]) => id).sort((a, b) => a - b);
  }

  count(table?: number): number {
    if (table !== undefined) return this.tables.get(table)?.size ?? 0;
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  *all(): Generator<R> {
    for (const id of this.tableIds()) yield* this.tables.get(id)!.rules();
  }

  lookup(table: number, flow: Readonly<Record<string, unknown>>, examined?: Set<string>): R | undefined {
    return this.tables.get(table)?.lookup(flow, examined);
  }

  clear(): void {
    this.tables.clear();
  }

  /** Inserts a rule directly (the default NORMAL flow, tests). */
  insert(rule: R): void {
    const t = this.table(rule.table);
    const old = t.findExact(rule.match, rule.priority);
    if (old) t.remove(old);
    t.insert(rule);
  }

  private select(tableId: number, crit: Match, strict: boolean, priority: number, cookie: bigint, cookieMask: bigint, outPort: number, outGroup: number): R[] {
    const ids = tableId === 0xff ? this.tableIds() : [tableId];
    const out: R[] = [];
    for (const id of ids) {
      const t = this.tables.get(id);
      if (!t) continue;
      const cands = strict ? [t.findExact(crit, priority)].filter((r): r is R => !!r) : [...t.rules()].filter((r) => looseMatch(r.match, crit));
      for (const r of cands) {
        if ((r.cookie & cookieMask) !== (cookie & cookieMask)) continue;
        if (outPort !== OFPP.ANY && !actionsOutputTo(r.actions, outPort)) continue;
        if (outGroup !== OFPG_ANY && !actionsOutputToGroup(r.actions, outGroup)) continue;
        out.push(r);
      }
    }
    return out;
  }

  /** Applies a flow_mod. Throws OfError, changing nothing, when it must be refused. */
  apply(fm: FlowMod, now: number, env: CheckEnv): FlowModOutcome {
    const writes = fm.command !== 'delete' && fm.command !== 'delete_strict';
    const tableId = writes && fm.tableId === 0xff ? 0 : fm.tableId;
    if (tableId === HIDDEN_TABLE) throw new OfError('OFPBRC_EPERM', 'table 254 is read-only');
    if (tableId > HIDDEN_TABLE && tableId !== 0xff) throw new OfError('OFPBRC_BAD_TABLE_ID');
    if (writes) checkActions(fm.actions, fm.match, tableId, env);
    switch (fm.command) {
      case 'add': return this.add(fm, tableId, now);
      case 'modify': case 'modify_strict': {
        const rules = this.select(tableId, fm.match, fm.command === 'modify_strict', fm.priority, fm.cookie, fm.cookieMask, OFPP.ANY, OFPG_ANY);
        if (rules.length === 0) {
          return fm.newCookie !== null && fm.cookieMask === 0n ? this.add({ ...fm, command: 'add' }, tableId, now) : { added: [], modified: [], removed: [] };
        }
        for (const r of rules) {
          r.actions = fm.actions;
          if (fm.newCookie !== null && fm.newCookie !== 0xffffffffffffffffn) r.cookie = fm.newCookie;
          if (fm.flags & FF.RESET_COUNTS) { r.counters.n_packets = 0; r.counters.n_bytes = 0; }
          r.modified = now;
        }
        return { added: [], modified: rules, removed: [] };
      }
      case 'delete': case 'delete_strict': {
        const rules = this.select(tableId, fm.match, fm.command === 'delete_strict', fm.priority, fm.cookie, fm.cookieMask, fm.outPort, fm.outGroup);
        for (const r of rules) this.tables.get(r.table)!.remove(r);
        return { added: [], modified: [], removed: rules.map((rule) => ({ rule, reason: OFPRR.DELETE })) };
      }
    }
  }

  private add(fm: FlowMod, tableId: number, now: number): FlowModOutcome {
    const t = this.table(tableId);
    const old = t.findExact(fm.match, fm.priority);
    if (fm.flags & FF.CHECK_OVERLAP && !old) {
      for (const r of t.rules()) {
        if (r.priority === fm.priority && matchesOverlap(r.match, fm.match)) throw new OfError('OFPFMFC_OVERLAP');
      }
    }
    const keep = old && !(fm.flags & FF.RESET_COUNTS);
    const rule = this.make({
      table: tableId, priority: fm.priority, match: fm.match, actions: fm.actions, cookie: fm.newCookie ?? 0n,
      counters: keep ? old.counters : { n_packets: 0, n_bytes: 0, used: now },
      created: now, modified: now, idleTimeout: fm.idleTimeout, hardTimeout: fm.hardTimeout,
      flags: fm.flags & (FF.SEND_FLOW_REM | FF.CHECK_OVERLAP | FF.RESET_COUNTS | FF.NO_PKT_COUNTS | FF.NO_BYT_COUNTS),
      importance: fm.importance,
    });
    if (old) t.remove(old);
    t.insert(rule);
    return { added: [rule], modified: [], removed: old ? [{ rule: old, reason: OFPRR.DELETE }] : [] };
  }

  /** Removes rules whose idle or hard timeout passed. */
  expire(now: number): RemovedRule[] {
    const out: RemovedRule[] = [];
    for (const t of this.tables.values()) {
      for (const r of [...t.rules()]) {
        if (!r.idleTimeout && !r.hardTimeout) continue;
        let reason = -1;
        if (r.hardTimeout && now - r.modified >= r.hardTimeout * 1000) reason = OFPRR.HARD_TIMEOUT;
        else if (r.idleTimeout && now - Math.max(r.counters.used, r.modified) >= r.idleTimeout * 1000) reason = OFPRR.IDLE_TIMEOUT;
        if (reason >= 0) { t.remove(r); out.push({ rule: r, reason }); }
      }
    }
    return out;
  }

  /** Rules a flow or aggregate stats request selects. */
  statsSelect(req: FlowStatsRequest): R[] {
    return this.select(req.tableId, req.match, false, 0, req.cookie, req.cookieMask, req.outPort, req.outGroup);
  }
}

/** Whether the rule keeps packet counts (no_packet_counts reports them as unknown, printed as zero). */
export function countsOf(r: FlowRule): { packets: number; bytes: number } {
  return {
    packets: r.flags & FF.NO_PKT_COUNTS ? 0 : r.counters.n_packets,
    bytes: r.flags & FF.NO_BYT_COUNTS ? 0 : r.counters.n_bytes,
  };
}

export { matchMask };

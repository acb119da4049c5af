/**
 * Monitors: a client's standing subscription to changes in some columns of
 * some tables (RFC 7047 §4.1.5 `monitor`, and the OVS extensions
 * `monitor_cond` / `monitor_cond_since`, documented in ovsdb-server(7)).
 *
 * The three flavours differ only in how a row change is written:
 *   - `monitor` ("update"): {old, new}; `old` carries only the changed
 *     monitored columns on modify.
 *   - `monitor_cond` ("update2") and `monitor_cond_since` ("update3"):
 *     {initial|insert: row} (columns at their default value omitted),
 *     {modify: changed columns, multi-element sets and maps as diffs},
 *     {delete: null}.
 *     With a condition, a row that starts matching is an insert and one that
 *     stops matching is a delete.
 *
 * One notification per committed transaction, and none when a commit
 * changes nothing the monitor can see. A Monitor is pure: it turns commits
 * into JSON; the server owns sending.
 */
import { syntaxError, OvsdbError } from './errors.js';
import { type Datum, datumToJson, datumEquals, defaultDatum, makeDiff } from './datum.js';
import { columnOf, type TableSchema } from './schema.js';
import { type Row, getColumn } from './row.js';
import { parseCondition, evalCondition, type Condition } from './condition.js';
import type { Commit, Database } from './database.js';
import { isSet, isMap } from './types.js';

export type MonitorFlavour = 'monitor' | 'monitor_cond' | 'monitor_cond_since';

interface Select { initial: boolean; insert: boolean; delete: boolean; modify: boolean }

interface TableMonitor {
  schema: TableSchema;
  columns: string[];
  select: Select;
  cond: Condition | null;      // null = every row
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseSelect(json: unknown): Select {
  const s: Select = { initial: true, insert: true, delete: true, modify: true };
  if (json === undefined) return s;
  if (!isObj(json)) throw syntaxError('"select" must be an object', json);
  for (const k of ['initial', 'insert', 'delete', 'modify'] as const) {
    if (json[k] !== undefined) {
      if (typeof json[k] !== 'boolean') throw syntaxError(`"select.${k}" must be a boolean`, json);
      s[k] = json[k] as boolean;
    }
  }
  return s;
}

export class Monitor {
  readonly tables = new Map<string, TableMonitor>();
  /**
   * Identifies what this monitor shows: monitors with equal signatures see
   * equal updates, so the server computes and serializes each update once
   * per signature, not once per client (fan-out to many identical monitors).
   */
  signature = '';
  private readonly whereJson = new Map<string, unknown>();

  constructor(readonly db: Database, readonly flavour: MonitorFlavour, readonly id: unknown, requests: unknown) {
    if (!isObj(requests)) throw syntaxError('monitor requests must be an object', requests);
    for (const [tname, req] of Object.entries(requests)) {
      const schema = db.schema.tables.get(tname);
      if (!schema) throw syntaxError(`no table named ${tname}`, tname);
      const reqs = Array.isArray(req) ? req : [req];
      const tm: TableMonitor = { schema, columns: [], select: { initial: false, insert: false, delete: false, modify: false }, cond: null };
      let anyUnconditional = false;
      const clauses: Condition[] = [];
      for (const r of reqs) {
        if (!isObj(r)) throw syntaxError('monitor request must be an object', r);
        const cols = r.columns === undefined ? [...schema.columns.keys()] : r.columns;
        if (!Array.isArray(cols)) throw syntaxError('"columns" must be an array', r.columns);
        for (const c of cols) {
          if (typeof c !== 'string') throw syntaxError('column name must be a string', c);
          if (!columnOf(schema, c)) throw syntaxError(`${tname} table has no column named ${c}`, c);
          if (!tm.columns.includes(c)) tm.columns.push(c);
        }
        const sel = parseSelect(r.select);
        for (const k of ['initial', 'insert', 'delete', 'modify'] as const) tm.select[k] ||= sel[k];
        if (flavour !== 'monitor' && r.where !== undefined) clauses.push(parseCondition(schema, r.where, undefined, true));
        else anyUnconditional = true;
      }
      tm.cond = anyUnconditional || clauses.length === 0 ? null : clauses[0]!;
      if (tm.cond) this.whereJson.set(tname, reqs.find((r) => isObj(r) && r.where !== undefined)!.where);
      this.tables.set(tname, tm);
    }
    this.computeSignature();
  }

  private computeSignature(): void {
    this.signature = JSON.stringify([this.flavour, [...this.tables].map(([t, tm]) =>
      [t, tm.columns, tm.select, tm.cond ? this.whereJson.get(t) ?? null : null])]);
  }

  /** Replaces the conditions of some tables (monitor_cond_change); returns the resulting update2. */
  changeConditions(requests: unknown): Record<string, unknown> | null {
    if (!isObj(requests)) throw syntaxError('monitor-cond-change requests must be an object', requests);
    const updates: Record<string, Record<string, unknown>> = {};
    for (const [tname, req] of Object.entries(requests)) {
      const tm = this.tables.get(tname);
      if (!tm) throw syntaxError(`${tname} is not monitored`, tname);
      const reqs = Array.isArray(req) ? req : [req];
      let next: Condition | null = null;
      for (const r of reqs) {
        if (!isObj(r)) throw syntaxError('monitor request must be an object', r);
        if (r.where !== undefined) next = parseCondition(tm.schema, r.where, undefined, true);
      }
      const before = tm.cond;
      tm.cond = next;
      if (next) this.whereJson.set(tname, reqs.find((r) => isObj(r) && r.where !== undefined)!.where);
      else this.whereJson.delete(tname);
      const rows: Record<string, unknown> = {};
      for (const row of this.db.tables.get(tname)!.rows.values()) {
        const was = !before || evalCondition(before, row);
        const is = !next || evalCondition(next, row);
        if (!was && is && tm.select.insert) rows[row.uuid] = { insert: this.rowJson(tm, row, true) };
        else if (was && !is && tm.select.delete) rows[row.uuid] = { delete: null };
      }
      if (Object.keys(rows).length) updates[tname] = rows;
    }
    this.computeSignature();
    return Object.keys(updates).length ? updates : null;
  }

  /** The initial contents, as the reply to the monitor request carries them. */
  initial(): Record<string, unknown> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [tname, tm] of this.tables) {
      if (!tm.select.initial) continue;
      const rows: Record<string, unknown> = {};
      for (const row of this.db.tables.get(tname)!.rows.values()) {
        if (tm.cond && !evalCondition(tm.cond, row)) continue;
        rows[row.uuid] = this.flavour === 'monitor'
          ? { new: this.rowJson(tm, row, false) }
          : { initial: this.rowJson(tm, row, true) };
      }
      if (Object.keys(rows).length) out[tname] = rows;
    }
    return out;
  }

  /** The update for one commit, or null if it shows this monitor nothing. */
  update(commit: Commit): Record<string, unknown> | null {
    let out: Record<string, Record<string, unknown>> | null = null;
    for (const [tname, changes] of commit.changes) {
      const tm = this.tables.get(tname);
      if (!tm) continue;
      let rows: Record<string, unknown> | null = null;
      for (const [uuid, c] of changes) {
        const u = this.flavour === 'monitor' ? this.rowUpdate1(tm, c.old, c.new) : this.rowUpdate2(tm, c.old, c.new);
        if (u) (rows ??= {})[uuid] = u;
      }
      if (rows) (out ??= {})[tname] = rows;
    }
    return out;
  }

  private rowJson(tm: TableMonitor, row: Row, omitDefaults: boolean): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const c of tm.columns) {
      const cs = columnOf(tm.schema, c)!;
      const d = getColumn(row, c);
      if (omitDefaults && !c.startsWith('_') && datumEquals(d, defaultDatum(cs.type))) continue;
      o[c] = datumToJson(cs.type, d);
    }
    return o;
  }

  private changed(tm: TableMonitor, a: Row, b: Row): string[] {
    return tm.columns.filter((c) => c !== '_uuid' && !datumEquals(getColumn(a, c), getColumn(b, c)));
  }

  private rowUpdate1(tm: TableMonitor, old: Row | null, nw: Row | null): unknown {
    if (!old && nw) return tm.select.insert ? { new: this.rowJson(tm, nw, false) } : null;
    if (old && !nw) return tm.select.delete ? { old: this.rowJson(tm, old, false) } : null;
    if (!old || !nw || !tm.select.modify) return null;
    const changed = this.changed(tm, old, nw);
    if (changed.length === 0) return null;
    const o: Record<string, unknown> = {};
    for (const c of changed) o[c] = datumToJson(columnOf(tm.schema, c)!.type, getColumn(old, c));
    return { old: o, new: this.rowJson(tm, nw, false) };
  }

  private rowUpdate2(tm: TableMonitor, old: Row | null, nw: Row | null): unknown {
    const wasIn = !!old && (!tm.cond || evalCondition(tm.cond, old));
    const isIn = !!nw && (!tm.cond || evalCondition(tm.cond, nw));
    if (!wasIn && isIn) return tm.select.insert ? { insert: this.rowJson(tm, nw!, true) } : null;
    if (wasIn && !isIn) return tm.select.delete ? { delete: null } : null;
    if (!wasIn || !isIn || !tm.select.modify) return null;
    const changed = this.changed(tm, old!, nw!);
    if (changed.length === 0) return null;
    const o: Record<string, unknown> = {};
    for (const c of changed) {
      const t = columnOf(tm.schema, c)!.type;
      const a: Datum = getColumn(old!, c), b: Datum = getColumn(nw!, c);
      // Sets that can hold more than one element and maps travel as diffs; scalars and optional
      // (max 1) columns carry their new value, as ovsdb-server sends them.
      o[c] = (isSet(t) && t.max > 1) || isMap(t) ? datumToJson({ ...t, min: 0, max: Number.MAX_SAFE_INTEGER }, makeDiff(a, b)) : datumToJson(t, b);
    }
    return { modify: o };
  }
}

export function unknownMonitor(): OvsdbError {
  return new OvsdbError('syntax error', 'unknown monitor');
}

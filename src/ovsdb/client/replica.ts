/**
 * The replica proper: the monitored tables' rows, kept equal to the server's
 * by applying monitor replies and `update`/`update2`/`update3`
 * notifications, plus the log of changes not yet handed to the user.
 *
 * Wire forms (RFC 7047 §4.1.6 and ovsdb-server(7)):
 *   - v1 <table-updates>: `{old?, new?}` per row; `new` carries every
 *     monitored column, so an insert or modify simply rebuilds the row.
 *   - v2/v3 <table-updates2>: `initial`/`insert` carry the row with columns
 *     at their default omitted; `modify` carries only changed columns, where
 *     a column that can hold more than one element (max > 1) carries a diff
 *     (the symmetric difference for sets; for maps, a pair with a new key is
 *     added, a pair equal to the current one removed, a pair with the same
 *     key and another value replaces it), and any other column carries its
 *     new value. This split is ovsdb-server's (ovsdb_datum_apply_diff treats
 *     only "composite" types, n_max > 1, as diffs); an optional column
 *     (min 0, max 1) is therefore replaced, not diffed.
 *
 * A full load (`replace`) does not clear and refill: it builds the new
 * contents and records only the differences, so after a reconnect to a
 * restarted server a user sees exactly what changed, and rows that did not
 * change keep their identity.
 *
 * A malformed update throws ReplicaError; the replica may then be partly
 * updated, and the owner must resynchronize from scratch.
 */
import { type Datum, datumFromJson, datumEquals, defaultDatum, applyDiff } from '../datum.js';
import type { DatabaseSchema, TableSchema } from '../schema.js';
import { type ColumnType, UNLIMITED, UUID_RE } from '../types.js';
import { IdlRow, type RowSource } from './row.js';

export class ReplicaError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'ReplicaError';
  }
}

export interface RowModification<R extends IdlRow = IdlRow> {
  /** The row as it is now. */
  readonly row: R;
  /** The row as it was at the previous change callback. */
  readonly old: R;
  /** Monitored columns whose datum differs between `old` and `row`. */
  readonly columns: readonly string[];
}

export interface TableChanges<R extends IdlRow = IdlRow> {
  readonly inserted: readonly R[];
  readonly modified: readonly RowModification<R>[];
  /** The rows as they were before deletion. */
  readonly deleted: readonly R[];
}

const NO_CHANGES: TableChanges = Object.freeze({ inserted: [], modified: [], deleted: [] });

/** Everything that changed in the replica between two change callbacks. */
export class ChangeSet {
  constructor(
    /** The replica's sequence number after these changes. */
    readonly seqno: number,
    /** True if a full reload (new connection without history) contributed to this set. */
    readonly resync: boolean,
    readonly tables: ReadonlyMap<string, TableChanges>,
  ) {}

  table(name: string): TableChanges {
    return this.tables.get(name) ?? NO_CHANGES;
  }

  get isEmpty(): boolean {
    return this.tables.size === 0;
  }
}

interface Pending { old: IdlRow | null; row: IdlRow | null }

export type UpdateVersion = 1 | 2;

export class Replica implements RowSource {
  private readonly data = new Map<string, Map<string, IdlRow>>();
  private pending = new Map<string, Map<string, Pending>>();
  private pendingResync = false;

  constructor(
    public schema: DatabaseSchema,
    /** table -> monitored columns (user columns only). */
    public monitored: ReadonlyMap<string, readonly string[]>,
  ) {
    for (const t of monitored.keys()) this.data.set(t, new Map());
  }

  row(table: string, uuid: string): IdlRow | undefined {
    return this.data.get(table)?.get(uuid);
  }

  rows(table: string): IdlRow[] {
    const t = this.data.get(table);
    return t ? [...t.values()] : [];
  }

  /** The live map of a table's rows (replaced wholesale by `replace`). */
  table(table: string): ReadonlyMap<string, IdlRow> | undefined {
    return this.data.get(table);
  }

  size(table: string): number {
    return this.data.get(table)?.size ?? 0;
  }

  /** Switches to another schema or column set; the next `replace` brings the rows in line. */
  setSchema(schema: DatabaseSchema, monitored: ReadonlyMap<string, readonly string[]>): void {
    this.schema = schema;
    this.monitored = monitored;
    for (const t of monitored.keys()) if (!this.data.has(t)) this.data.set(t, new Map());
  }

  /** Applies one update notification (or a history reply) incrementally; returns true if anything changed. */
  apply(json: unknown, version: UpdateVersion): boolean {
    let changed = false;
    for (const [tname, rows] of tableEntries(json)) {
      const t = this.tableSchema(tname);
      const table = this.data.get(tname)!;
      for (const [uuid, ru] of rowEntries(tname, rows)) {
        const old = table.get(uuid) ?? null;
        const nw = version === 1 ? this.fromUpdate1(t, uuid, old, ru) : this.fromUpdate2(t, uuid, old, ru);
        if (nw === old) continue;
        if (nw) table.set(uuid, nw); else table.delete(uuid);
        this.record(tname, old, nw);
        changed = true;
      }
    }
    return changed;
  }

  /** Replaces every monitored table with the contents of a monitor reply; records the differences. */
  replace(json: unknown, version: UpdateVersion): boolean {
    const fresh = new Map<string, Map<string, IdlRow>>();
    for (const tname of this.monitored.keys()) fresh.set(tname, new Map());
    for (const [tname, rows] of tableEntries(json)) {
      const t = this.tableSchema(tname);
      const into = fresh.get(tname)!;
      for (const [uuid, ru] of rowEntries(tname, rows)) {
        const r = version === 1 ? this.fromUpdate1(t, uuid, null, ru) : this.fromUpdate2(t, uuid, null, ru);
        if (r) into.set(uuid, r);
      }
    }
    let changed = false;
    for (const [tname, old] of [...this.data]) {
      const nw = fresh.get(tname);
      if (!nw) {   // no longer monitored: its rows vanish from the user's view
        for (const r of old.values()) { this.record(tname, r, null); changed = true; }
        this.data.delete(tname);
        continue;
      }
      for (const [uuid, r] of old) if (!nw.has(uuid)) { this.record(tname, r, null); changed = true; }
      for (const [uuid, r] of nw) {
        const prev = old.get(uuid);
        if (prev && sameColumns(this.monitored.get(tname)!, prev, r)) { nw.set(uuid, prev); continue; }
        this.record(tname, prev ?? null, r);
        changed = true;
      }
    }
    for (const [tname, rows] of fresh) this.data.set(tname, rows);
    this.pendingResync = true;
    return changed;
  }

  /** Hands over the changes recorded since the last call (null if none). */
  takeChanges(seqno: number): ChangeSet | null {
    const pending = this.pending;
    const resync = this.pendingResync;
    this.pending = new Map();
    this.pendingResync = false;
    const tables = new Map<string, TableChanges>();
    for (const [tname, rows] of pending) {
      const cols = this.monitored.get(tname) ?? [];
      const inserted: IdlRow[] = [], deleted: IdlRow[] = [], modified: RowModification[] = [];
      for (const p of rows.values()) {
        if (!p.old && p.row) inserted.push(p.row);
        else if (p.old && !p.row) deleted.push(p.old);
        else if (p.old && p.row) {
          const columns = cols.filter((c) => !datumEquals(p.old!.get(c), p.row!.get(c)));
          if (columns.length) modified.push({ row: p.row, old: p.old, columns });
        }
      }
      if (inserted.length || deleted.length || modified.length) tables.set(tname, { inserted, modified, deleted });
    }
    if (tables.size === 0 && !resync) return null;
    return new ChangeSet(seqno, resync, tables);
  }

  // ------------------------------------------------------------ internals

  private record(table: string, old: IdlRow | null, nw: IdlRow | null): void {
    let t = this.pending.get(table);
    if (!t) this.pending.set(table, t = new Map());
    const uuid = (old ?? nw)!.uuid;
    const p = t.get(uuid);
    if (!p) { t.set(uuid, { old, row: nw }); return; }
    p.row = nw;
    if (!p.old && !p.row) t.delete(uuid);     // inserted and deleted in between: nothing to report
  }

  private tableSchema(name: string): TableSchema {
    const t = this.schema.tables.get(name);
    if (!t || !this.monitored.has(name)) throw new ReplicaError(`update for table ${name}, which is not monitored`);
    return t;
  }

  private columnType(t: TableSchema, name: string): ColumnType | undefined {
    if (!this.monitored.get(t.name)!.includes(name)) return undefined;
    return t.columns.get(name)?.type;
  }

  private build(t: TableSchema, uuid: string, base: Readonly<Record<string, Datum>> | null, json: unknown,
    each: (type: ColumnType, cur: Datum, v: unknown, column: string) => Datum): IdlRow {
    if (!isObj(json)) throw new ReplicaError(`${t.name} row ${uuid}: row must be an object`);
    const cols: Record<string, Datum> = {};
    if (base) Object.assign(cols, base);
    else for (const c of this.monitored.get(t.name)!) { const cs = t.columns.get(c); if (cs) cols[c] = defaultDatum(cs.type); }
    for (const [name, v] of Object.entries(json)) {
      if (name === '_uuid' || name === '_version') continue;
      const type = this.columnType(t, name);
      if (!type) continue;      // a column we did not ask for: ignore, as ovsdb-idl does
      try {
        cols[name] = each(type, cols[name]!, v, name);
      } catch (e) {
        throw new ReplicaError(`${t.name} row ${uuid} column ${name}: ${(e as Error).message}`);
      }
    }
    return new IdlRow(t.name, uuid, cols, this);
  }

  private fromUpdate1(t: TableSchema, uuid: string, old: IdlRow | null, ru: Record<string, unknown>): IdlRow | null {
    if (ru.new === undefined || ru.new === null) return null;
    const r = this.build(t, uuid, null, ru.new, (type, _cur, v) => datumFromJson(type, v));
    return old && sameColumns(this.monitored.get(t.name)!, old, r) ? old : r;
  }

  private fromUpdate2(t: TableSchema, uuid: string, old: IdlRow | null, ru: Record<string, unknown>): IdlRow | null {
    const keys = Object.keys(ru);
    if (keys.length !== 1) throw new ReplicaError(`${t.name} row ${uuid}: <row-update2> must have exactly one member`);
    const kind = keys[0]!, body = ru[kind];
    switch (kind) {
      case 'initial': case 'insert':
        return this.build(t, uuid, null, body, (type, _cur, v) => datumFromJson(type, v));
      case 'delete':
        return null;
      case 'modify': {
        if (!old) throw new ReplicaError(`${t.name} row ${uuid}: modify of a row not in the replica`);
        const r = this.build(t, uuid, old.columns, body, (type, cur, v, column) => {
          if (type.max <= 1) return datumFromJson(type, v);
          const d = applyDiff(cur, datumFromJson({ ...type, min: 0, max: UNLIMITED }, v));
          if (d.keys.length < type.min || d.keys.length > type.max) {
            throw new ReplicaError(`diff for ${column} yields ${d.keys.length} elements, outside [${type.min}, ${type.max}]`);
          }
          return d;
        });
        return sameColumns(this.monitored.get(t.name)!, old, r) ? old : r;
      }
      default:
        throw new ReplicaError(`${t.name} row ${uuid}: unknown <row-update2> member "${kind}"`);
    }
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tableEntries(json: unknown): [string, unknown][] {
  if (!isObj(json)) throw new ReplicaError('<table-updates> must be an object');
  return Object.entries(json);
}

function rowEntries(table: string, json: unknown): [string, Record<string, unknown>][] {
  if (!isObj(json)) throw new ReplicaError(`updates for table ${table} must be an object`);
  const out: [string, Record<string, unknown>][] = [];
  for (const [uuid, ru] of Object.entries(json)) {
    if (!UUID_RE.test(uuid)) throw new ReplicaError(`table ${table}: "${uuid}" is not a uuid`);
    if (!isObj(ru)) throw new ReplicaError(`table ${table} row ${uuid}: row update must be an object`);
    out.push([uuid.toLowerCase(), ru]);
  }
  return out;
}

function sameColumns(columns: readonly string[], a: IdlRow, b: IdlRow): boolean {
  for (const c of columns) if (!datumEquals(a.get(c), b.get(c))) return false;
  return true;
}

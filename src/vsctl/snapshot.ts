/**
 * vsctl's one-shot view of the database and the transaction built on it.
 *
 * ovs-vsctl does not keep a replica: it reads what its commands need once,
 * runs every command of the chain against that copy (later commands see the
 * effects of earlier ones: `del-br br0 -- add-br br0 -- set interface br0
 * …` works), and sends one transaction. This module is that copy. Each
 * `TxnRow` holds the value read from the server (`old`, null for rows the
 * chain inserted) and the current value (`cur`, null once deleted); writes
 * replace whole columns, as the IDL does.
 *
 * The transaction sent is the IDL's, operation for operation:
 *  - a `wait` (timeout 0, until `==`) for every column a command verified,
 *    with the value it read: if anyone changed it since, the server answers
 *    "timed out" and the whole chain is run again on a fresh read;
 *  - `delete` only for rows of root tables (others disappear by the
 *    server's garbage collection once unreferenced, exactly as in OVS, so
 *    `destroy port p1` alone changes nothing);
 *  - `insert` with a `uuid-name` for new rows (only non-default columns),
 *    and references to them rewritten as `named-uuid`;
 *  - `update` with the written columns of existing rows;
 *  - `mutate` for partial updates (a key set by the last command, elements
 *    added by the last command), which do not change this copy;
 *  - optionally the `next_cfg += 1` mutate and its `select`, a comment and
 *    an `abort` for --dry-run.
 * A transaction whose writes change nothing is not sent at all ("unchanged").
 *
 * Row order: ovs-vsctl iterates rows in hash order, which is effectively
 * random; here rows come in uuid order (stable for a given database).
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSchema, TableSchema, ColumnSchema } from '../ovsdb/schema.js';
import { type Datum, datumFromJson, datumToJson, datumEquals, defaultDatum } from '../ovsdb/datum.js';
import type { JsonValue } from '../jsonrpc/message.js';

export interface TxnRow {
  readonly table: TableSchema;
  readonly uuid: string;
  old: Record<string, Datum> | null;
  cur: Record<string, Datum> | null;
  readonly written: Set<string>;
  readonly prereqs: Set<string>;
  readonly mutations: [string, string, unknown][];
  /** Inserted with a uuid the client chose (create --id=UUID) instead of a uuid-name. */
  persistUuid?: boolean;
}

export interface IncrementRequest { table: string; row: string; column: string }

export interface BuiltTransaction {
  operations: unknown[];
  /** False when nothing would change: the IDL then sends nothing. */
  anyUpdates: boolean;
  /** Index in the reply of the operation that inserts each new row, by its provisional uuid. */
  insertOps: Map<string, number>;
  /** Index in the reply of the `select` that reads back the incremented column, if any. */
  incrementSelect: number | null;
}

export function rowName(uuid: string): string {
  return 'row' + uuid.replace(/-/g, '_');
}

function uuidWhere(uuid: string): unknown[] {
  return [['_uuid', '==', ['uuid', uuid]]];
}

export class Snapshot {
  private readonly tables = new Map<string, Map<string, TxnRow>>();
  private readonly touched: TxnRow[] = [];
  private readonly touchedSet = new Set<TxnRow>();
  /** Tables whose rows are known to be empty before the transaction (singleton insert check). */
  private readonly initialCounts = new Map<string, number>();

  constructor(readonly schema: DatabaseSchema) {
    for (const name of schema.tables.keys()) this.tables.set(name, new Map());
  }

  /** Loads one table from a `select` result (rows in wire form, with _uuid). */
  load(table: string, rows: Record<string, unknown>[]): void {
    const t = this.schema.tables.get(table)!;
    const map = this.tables.get(table)!;
    for (const r of rows) {
      const uuid = (r._uuid as [string, string])[1];
      const cols: Record<string, Datum> = {};
      for (const c of t.columns.values()) {
        cols[c.name] = r[c.name] === undefined ? defaultDatum(c.type) : datumFromJson(c.type, r[c.name], (n) => n);
      }
      map.set(uuid, { table: t, uuid, old: cols, cur: cols, written: new Set(), prereqs: new Set(), mutations: [] });
    }
    this.initialCounts.set(table, map.size);
  }

  table(name: string): TableSchema {
    return this.schema.tables.get(name)!;
  }

  /** Rows of `table` that exist in the current view, in uuid order. */
  rows(table: string): TxnRow[] {
    const out: TxnRow[] = [];
    for (const r of this.tables.get(table)?.values() ?? []) if (r.cur) out.push(r);
    return out.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  }

  get(table: string, uuid: string): TxnRow | undefined {
    const r = this.tables.get(table)?.get(uuid);
    return r?.cur ? r : undefined;
  }

  read(row: TxnRow, column: string): Datum {
    return row.cur![column]!;
  }

  private touch(row: TxnRow): void {
    if (!this.touchedSet.has(row)) { this.touchedSet.add(row); this.touched.push(row); }
  }

  insert(table: string, uuid: string = randomUUID(), persistUuid = false): TxnRow {
    const t = this.table(table);
    const cols: Record<string, Datum> = {};
    for (const c of t.columns.values()) cols[c.name] = defaultDatum(c.type);
    const row: TxnRow = { table: t, uuid, old: null, cur: cols, written: new Set(), prereqs: new Set(), mutations: [], persistUuid };
    this.tables.get(table)!.set(uuid, row);
    this.touch(row);
    return row;
  }

  delete(row: TxnRow): void {
    if (!row.cur) return;
    if (!row.old) {
      this.tables.get(row.table.name)!.delete(row.uuid);
      this.touchedSet.delete(row);
      this.touched.splice(this.touched.indexOf(row), 1);
      row.cur = null;
      return;
    }
    row.cur = null;
    this.touch(row);
  }

  write(row: TxnRow, column: string, d: Datum): void {
    if (!row.cur) return;
    if (row.cur === row.old) row.cur = { ...row.old };
    row.cur[column] = d;
    row.written.add(column);
    this.touch(row);
  }

  /** Records that the chain's outcome depends on `column` of `row` keeping the value read. */
  verify(row: TxnRow, column: string): void {
    if (!row.old || row.written.has(column)) return;
    row.prereqs.add(column);
    this.touch(row);
  }

  /** A partial update, sent as a `mutate` and not reflected in this view. */
  mutate(row: TxnRow, column: string, mutator: 'insert' | 'delete', value: unknown): void {
    row.mutations.push([column, mutator, value]);
    this.touch(row);
  }

  isMutable(row: TxnRow, c: ColumnSchema): boolean {
    return c.mutable || row.old === null;
  }

  /** Builds the `transact` operations the IDL would send for this chain. */
  build(opts: { increment?: IncrementRequest; comment?: string; dryRun?: boolean }): BuiltTransaction {
    const ops: unknown[] = [this.schema.name];
    const inserted = new Map<string, string>();          // provisional uuid -> row name
    for (const r of this.touched) if (!r.old && r.cur && !r.persistUuid) inserted.set(r.uuid, rowName(r.uuid));
    const subst = (json: unknown): unknown => {
      if (Array.isArray(json)) {
        if (json.length === 2 && json[0] === 'uuid' && typeof json[1] === 'string' && inserted.has(json[1])) {
          return ['named-uuid', inserted.get(json[1])];
        }
        return json.map(subst);
      }
      if (json && typeof json === 'object') {
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(json)) o[k] = subst(v);
        return o;
      }
      return json;
    };

    // Prerequisites: what each command read and relied on.
    for (const r of this.touched) {
      if (!r.old || r.prereqs.size === 0) continue;
      const columns = [...r.prereqs];
      const row: Record<string, unknown> = {};
      for (const c of columns) row[c] = datumToJson(r.table.columns.get(c)!.type, r.old[c]!);
      ops.push({ op: 'wait', table: r.table.name, timeout: 0, where: uuidWhere(r.uuid), until: '==', columns, rows: [row] });
    }
    // A singleton table that goes from empty to one row: make sure it is still empty.
    for (const t of this.schema.tables.values()) {
      if (t.maxRows !== 1 || (this.initialCounts.get(t.name) ?? 0) !== 0) continue;
      if (this.rows(t.name).length === 1) ops.push({ op: 'wait', table: t.name, where: [], timeout: 0, until: '==', rows: [] });
    }

    let anyUpdates = false;
    const insertOps = new Map<string, number>();
    for (const r of this.touched) {
      if (!r.cur) {
        if (r.table.isRoot) {
          ops.push({ op: 'delete', table: r.table.name, where: uuidWhere(r.uuid) });
          anyUpdates = true;
        }
      } else if (r.cur !== r.old) {
        const row: Record<string, unknown> = {};
        for (const c of r.written) {
          const col = r.table.columns.get(c)!;
          const d = r.cur[c]!;
          if (r.old === null && datumEquals(d, defaultDatum(col.type))) continue;
          row[c] = subst(datumToJson(col.type, d));
          if (r.old && !datumEquals(r.old[c]!, d)) anyUpdates = true;
        }
        if (r.old) {
          if (Object.keys(row).length) ops.push({ op: 'update', table: r.table.name, where: uuidWhere(r.uuid), row });
        } else {
          anyUpdates = true;
          ops.push(r.persistUuid
            ? { op: 'insert', table: r.table.name, uuid: r.uuid, row }
            : { op: 'insert', table: r.table.name, 'uuid-name': inserted.get(r.uuid), row });
          insertOps.set(r.uuid, ops.length - 2);       // index in the reply (which has no db name)
        }
      }
      if (r.cur && r.mutations.length) {
        ops.push(subst({ op: 'mutate', table: r.table.name, where: uuidWhere(r.uuid), mutations: r.mutations }));
        anyUpdates = true;
      }
    }

    let incrementSelect: number | null = null;
    if (opts.increment && anyUpdates) {
      const { table, row, column } = opts.increment;
      ops.push({ op: 'mutate', table, where: subst(uuidWhere(row)), mutations: [[column, '+=', 1]] });
      ops.push({ op: 'select', table, where: subst(uuidWhere(row)), columns: [column] });
      incrementSelect = ops.length - 2;
    }
    if (opts.comment) ops.push({ op: 'comment', comment: opts.comment });
    if (opts.dryRun) ops.push({ op: 'abort' });
    return { operations: ops, anyUpdates, insertOps, incrementSelect };
  }
}

/** The operations that read every table of `schema` (the columns the server has) in one consistent snapshot. */
export function selectAll(schema: DatabaseSchema, server: DatabaseSchema): { params: JsonValue[]; tables: string[] } {
  const ops: JsonValue[] = [schema.name];
  const tables: string[] = [];
  for (const t of schema.tables.values()) {
    const st = server.tables.get(t.name);
    if (!st) continue;
    const columns = ['_uuid', ...[...t.columns.keys()].filter((c) => st.columns.has(c))];
    ops.push({ op: 'select', table: t.name, where: [], columns });
    tables.push(t.name);
  }
  return { params: ops, tables };
}

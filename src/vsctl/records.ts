/**
 * How command-line words name tables, columns and rows (ovs-vsctl(8)
 * "Database Commands").
 *
 * Tables and columns may be abbreviated to any unique prefix, compared
 * case-insensitively with `-` and `_` equivalent; an exact name always wins.
 *
 * A row is named, in this order of preference, by its full uuid; by `.` in a
 * table that has exactly one row; by the table's "row id" — a name column
 * of the table itself (Bridge, Port, Interface, Mirror, Flow_Table by
 * `name`, Manager by `target`, Flow_Sample_Collector_Set by `id`) or of a
 * row that refers to it (Controller, NetFlow, sFlow, IPFIX and AutoAttach
 * through the Bridge that uses them, QoS through its Port); and finally by
 * an abbreviated uuid of at least 4 hex digits. A name column whose value
 * is itself a uuid also matches on an abbreviation of it. Two rows with the
 * same name are an error, as are two uuids with the same prefix.
 */
import type { TableSchema, ColumnSchema } from '../ovsdb/schema.js';
import { findKey } from '../ovsdb/datum.js';
import type { Snapshot, TxnRow } from './snapshot.js';
import { VsctlError } from './context.js';
import { parseToken, UUID_STRING_RE } from './values.js';

interface RowId {
  /** Table holding the name. */
  readonly table: string;
  readonly nameColumn: string;
  /** Column of the naming row that points to the row we want, if not the row itself. */
  readonly uuidColumn?: string;
}

/** ovs-vsctl's row ids for the Open_vSwitch schema. */
export const ROW_IDS: Readonly<Record<string, RowId>> = {
  Bridge: { table: 'Bridge', nameColumn: 'name' },
  Controller: { table: 'Bridge', nameColumn: 'name', uuidColumn: 'controller' },
  Interface: { table: 'Interface', nameColumn: 'name' },
  Mirror: { table: 'Mirror', nameColumn: 'name' },
  Manager: { table: 'Manager', nameColumn: 'target' },
  NetFlow: { table: 'Bridge', nameColumn: 'name', uuidColumn: 'netflow' },
  Port: { table: 'Port', nameColumn: 'name' },
  QoS: { table: 'Port', nameColumn: 'name', uuidColumn: 'qos' },
  sFlow: { table: 'Bridge', nameColumn: 'name', uuidColumn: 'sflow' },
  Flow_Table: { table: 'Flow_Table', nameColumn: 'name' },
  IPFIX: { table: 'Bridge', nameColumn: 'name', uuidColumn: 'ipfix' },
  AutoAttach: { table: 'Bridge', nameColumn: 'name', uuidColumn: 'auto_attach' },
  Flow_Sample_Collector_Set: { table: 'Flow_Sample_Collector_Set', nameColumn: 'id' },
};

function fold(c: string | undefined): string | undefined {
  return c === '-' ? '_' : c?.toLowerCase();
}

/** How well user input `s` matches `name`: exact > case-insensitive > prefix length; 0 for no match. */
export function scorePartialMatch(name: string, s: string): number {
  if (name === s) return Number.MAX_SAFE_INTEGER;
  let i = 0;
  for (; ; i++) {
    if (fold(name[i]) !== fold(s[i])) break;
    if (i >= name.length) return Number.MAX_SAFE_INTEGER - 1;
  }
  return i >= s.length ? i : 0;
}

function bestMatch<T>(items: Iterable<T>, nameOf: (t: T) => string, s: string): T[] {
  let best: T[] = [], bestScore = 0;
  for (const it of items) {
    const score = scorePartialMatch(nameOf(it), s);
    if (score && score >= bestScore) {
      if (score > bestScore) best = [];
      best.push(it);
      bestScore = score;
    }
  }
  return best;
}

export function getTable(snap: { schema: { tables: ReadonlyMap<string, TableSchema> } }, name: string): TableSchema {
  const m = bestMatch(snap.schema.tables.values(), (t) => t.name, name);
  if (m.length === 0) throw new VsctlError(`unknown table "${name}"`);
  if (m.length > 1) throw new VsctlError(`"${name}" matches multiple table names: ${m.map((t) => t.name).sort().join(', ')}`);
  return m[0]!;
}

/** Columns in the order ovs-vsctl knows them (alphabetical, as its generated IDL). */
export function sortedColumns(t: TableSchema): ColumnSchema[] {
  return [...t.columns.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function getColumn(t: TableSchema, name: string): ColumnSchema {
  const m = bestMatch(sortedColumns(t), (c) => c.name, name);
  if (m.length === 0) throw new VsctlError(`${t.name} does not contain a column whose name matches "${name}"`);
  if (m.length > 1) {
    throw new VsctlError(`${t.name} contains more than one column whose name matches "${name}": ${m.map((c) => c.name).sort().join(', ')}`);
  }
  return m[0]!;
}

export interface ColumnKeyValue {
  column: ColumnSchema;
  key: string | null;
  /** Index into the allowed operators, -1 when no value was asked for. */
  op: number;
  value: string | null;
}

function missingOperator(arg: string, ops: readonly string[]): string {
  let s = `${arg}: argument does not end in "${ops[0]}"`;
  if (ops.length === 2) s += ` or "${ops[1]}"`;
  else if (ops.length > 2) {
    for (let i = 1; i < ops.length - 1; i++) s += `, "${ops[i]}"`;
    s += `, or "${ops[ops.length - 1]}"`;
  }
  return s + ' followed by a value.';
}

/**
 * Splits `COLUMN[:KEY][OP VALUE]`. With `operators` null no value is
 * expected (trailing text is an error); otherwise the longest operator that
 * is followed by at least one character wins.
 */
export function parseColumnKeyValue(arg: string, t: TableSchema, operators: readonly string[] | null): ColumnKeyValue {
  const col = parseToken(arg, 0);
  if (col.token === '') throw new VsctlError(`${arg}: missing column name`);
  const column = getColumn(t, col.token);
  let p = col.end;
  let key: string | null = null;
  if (arg[p] === ':') {
    const k = parseToken(arg, p + 1);
    key = k.token;
    p = k.end;
  }
  if (!operators) {
    if (p < arg.length) throw new VsctlError(`${arg}: trailing garbage "${arg.slice(p)}" in argument`);
    return { column, key, op: -1, value: null };
  }
  let best = -1, bestLen = 0;
  operators.forEach((op, i) => {
    if (op.length > bestLen && arg.startsWith(op, p) && p + op.length < arg.length) { best = i; bestLen = op.length; }
  });
  if (best < 0) throw new VsctlError(missingOperator(arg, operators));
  return { column, key, op: best, value: arg.slice(p + bestLen) };
}

/** Just the column part of an argument, as the prerequisite pass checks it. */
export function preParseColumn(arg: string, t: TableSchema): void {
  const col = parseToken(arg, 0);
  if (col.token === '') throw new VsctlError(`${arg}: missing column name`);
  getColumn(t, col.token);
}

function uuidPrefixLength(s: string): number {
  // A prefix of a uuid in its canonical 8-4-4-4-12 layout; returns its length or 0.
  const layout = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
  if (s.length > layout.length) return 0;
  for (let i = 0; i < s.length; i++) {
    if (layout[i] === '-' ? s[i] !== '-' : !/[0-9a-fA-F]/.test(s[i]!)) return 0;
  }
  return s.length;
}

function nameEquals(name: string | number, type: 'string' | 'integer', recordId: string): boolean {
  if (type === 'string') {
    const s = name as string;
    if (s === recordId) return true;
    return recordId.length >= 4 && UUID_STRING_RE.test(s) && s.startsWith(recordId);
  }
  return name === Number.parseInt(recordId, 10);
}

function rowById(snap: Snapshot, t: TableSchema, id: RowId, recordId: string): TxnRow | null {
  const nameTable = snap.schema.tables.get(id.table);
  const nameCol = nameTable?.columns.get(id.nameColumn);
  if (!nameTable || !nameCol) return null;
  const type = nameCol.type.key.type;
  if (type === 'integer' && !/^[0-9]+$/.test(recordId)) return null;
  let referrer: TxnRow | null = null;
  for (const r of snap.rows(id.table)) {
    const d = snap.read(r, id.nameColumn);
    if (d.keys.length !== 1) continue;
    if (nameEquals(d.keys[0] as string | number, type as 'string' | 'integer', recordId)) {
      if (referrer) throw new VsctlError(`multiple rows in ${id.table} match "${recordId}"`);
      referrer = r;
    }
  }
  if (!referrer || !id.uuidColumn) return referrer;
  snap.verify(referrer, id.uuidColumn);
  const u = snap.read(referrer, id.uuidColumn);
  return u.keys.length === 1 ? snap.get(t.name, u.keys[0] as string) ?? null : null;
}

/** ctl_get_row(): finds the row `recordId` names in table `t`. */
export function getRow(snap: Snapshot, t: TableSchema, recordId: string, mustExist: boolean): TxnRow | null {
  let row: TxnRow | null = null;
  if (UUID_STRING_RE.test(recordId)) row = snap.get(t.name, recordId.toLowerCase()) ?? null;
  if (!row && recordId === '.') {
    const rows = snap.rows(t.name);
    if (rows.length === 1) row = rows[0]!;
  }
  if (!row) {
    const id = ROW_IDS[t.name];
    if (id) row = rowById(snap, t, id, recordId);
  }
  if (!row && uuidPrefixLength(recordId) >= 4) {
    for (const r of snap.rows(t.name)) {
      if (!r.uuid.startsWith(recordId)) continue;
      if (row) throw new VsctlError(`${t.name} contains 2 or more rows whose UUIDs begin with ${recordId}: at least ${row.uuid} and ${r.uuid}`);
      row = r;
    }
  }
  if (mustExist && !row) throw new VsctlError(`no row "${recordId}" in table ${t.name}`);
  return row;
}

export { findKey };

/**
 * Rows. A row is an immutable snapshot: its uuid, its version (a fresh uuid
 * each time a committed transaction changes it, RFC 7047 `_version`) and
 * one datum per user column. Transactions build new rows instead of editing
 * old ones, so readers holding a snapshot never see a half-applied change.
 */
import { type Datum, datumToJson, datumEquals, defaultDatum, datumFromJson, EMPTY_SET } from './datum.js';
import type { TableSchema } from './schema.js';
import { type ColumnType } from './types.js';

export type Columns = Readonly<Record<string, Datum>>;

export interface Row {
  readonly uuid: string;
  readonly version: string;
  readonly columns: Columns;
}

const UUID_TYPE: ColumnType = { key: { type: 'uuid' }, min: 1, max: 1 };

export function defaultColumns(t: TableSchema): Record<string, Datum> {
  const o: Record<string, Datum> = {};
  for (const c of t.columns.values()) o[c.name] = defaultDatum(c.type);
  return o;
}

/** A column's datum, including the implicit _uuid and _version. */
export function getColumn(row: Row, column: string): Datum {
  if (column === '_uuid') return { keys: [row.uuid], values: null };
  if (column === '_version') return { keys: [row.version], values: null };
  return row.columns[column] ?? EMPTY_SET;
}

/** Row in wire form, with `columns` (default: all, plus _uuid and _version). */
export function rowToJson(t: TableSchema, row: Row, columns?: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (!columns) {
    o._uuid = ['uuid', row.uuid];
    o._version = ['uuid', row.version];
    for (const c of t.columns.values()) o[c.name] = datumToJson(c.type, row.columns[c.name]!);
    return o;
  }
  for (const name of columns) {
    if (name === '_uuid') o._uuid = ['uuid', row.uuid];
    else if (name === '_version') o._version = ['uuid', row.version];
    else o[name] = datumToJson(t.columns.get(name)!.type, row.columns[name]!);
  }
  return o;
}

/** Columns whose datums differ between two versions of a row. */
export function changedColumns(t: TableSchema, a: Row, b: Row): string[] {
  const out: string[] = [];
  for (const c of t.columns.keys()) if (!datumEquals(a.columns[c]!, b.columns[c]!)) out.push(c);
  return out;
}

/** Rebuilds a row from its stored wire form (the on-disk log); unknown columns are ignored. */
export function rowFromStored(t: TableSchema, uuid: string, version: string, json: Record<string, unknown>, base?: Columns): Row {
  const cols: Record<string, Datum> = base ? { ...base } : defaultColumns(t);
  for (const [name, v] of Object.entries(json)) {
    const c = t.columns.get(name);
    if (c) cols[name] = datumFromJson(c.type, v, (n) => n);
  }
  return { uuid, version, columns: cols };
}

export function uuidDatum(u: string): Datum {
  return { keys: [u], values: null };
}

export { UUID_TYPE };

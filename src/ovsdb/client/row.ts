/**
 * Rows of the client replica, and typed readers for their columns.
 *
 * An IdlRow is an immutable snapshot: an update from the server replaces
 * the row object in the replica instead of editing it, so code holding a
 * row (a reconcile pass, a change callback's `old`) keeps a consistent view,
 * and unchanged rows keep their identity across updates (cheap `===`
 * change detection). Every monitored column has a Datum; a column that is
 * not monitored reads as the empty set.
 *
 * The readers (`str`, `int`, `real`, `bool`, `uuid`, `set`, `map`, `ref`,
 * `refs`) turn datums into plain values. Scalar readers return undefined for
 * an empty (optional) column, or the given default; they never guess across
 * types, so reading a string column with `int` yields undefined. `ref`
 * follows a uuid column to the current row of the table the schema says it
 * refers to, in the same replica; a dangling reference (or one into a table
 * that is not monitored) yields undefined rather than an error, because a
 * replica may briefly hold a reference whose target arrives in a later
 * update.
 */
import { type Datum, EMPTY_SET } from '../datum.js';
import type { DatabaseSchema } from '../schema.js';
import type { Atom } from '../types.js';

/** What a row needs from the replica that holds it, to follow references. */
export interface RowSource {
  readonly schema: DatabaseSchema;
  row(table: string, uuid: string): IdlRow | undefined;
}

export class IdlRow<C extends string = string> {
  constructor(
    readonly table: string,
    readonly uuid: string,
    /** Datum per monitored column. */
    readonly columns: Readonly<Record<string, Datum>>,
    /** The replica this row belongs to (used to follow references). */
    readonly source: RowSource,
  ) {}

  /** The column's datum; `_uuid` is the row's own uuid; unmonitored columns read as empty. */
  get(column: C | '_uuid'): Datum {
    if (column === '_uuid') return { keys: [this.uuid], values: null };
    return this.columns[column] ?? EMPTY_SET;
  }

  toString(): string {
    return `${this.table} ${this.uuid}`;
  }
}

type Col<R> = R extends IdlRow<infer C> ? C : string;

function first(row: IdlRow, column: string, type: 'string' | 'number' | 'boolean'): Atom | undefined {
  const d = row.get(column);
  const a = d.keys[0];
  return typeof a === type ? a : undefined;
}

export function str<R extends IdlRow>(row: R, column: Col<R>): string | undefined;
export function str<R extends IdlRow>(row: R, column: Col<R>, dflt: string): string;
export function str<R extends IdlRow>(row: R, column: Col<R>, dflt?: string): string | undefined {
  return (first(row, column, 'string') as string | undefined) ?? dflt;
}

/** An integer column (also reads real columns: both are JS numbers). */
export function int<R extends IdlRow>(row: R, column: Col<R>): number | undefined;
export function int<R extends IdlRow>(row: R, column: Col<R>, dflt: number): number;
export function int<R extends IdlRow>(row: R, column: Col<R>, dflt?: number): number | undefined {
  return (first(row, column, 'number') as number | undefined) ?? dflt;
}

export const real = int;

export function bool<R extends IdlRow>(row: R, column: Col<R>): boolean | undefined;
export function bool<R extends IdlRow>(row: R, column: Col<R>, dflt: boolean): boolean;
export function bool<R extends IdlRow>(row: R, column: Col<R>, dflt?: boolean): boolean | undefined {
  return (first(row, column, 'boolean') as boolean | undefined) ?? dflt;
}

/** A uuid column's value (the uuid string). Same as `str`, named for readability. */
export function uuid<R extends IdlRow>(row: R, column: Col<R>): string | undefined {
  return first(row, column, 'string') as string | undefined;
}

/** The elements of a set column (or the keys of a map), in the datum's sorted order. */
export function set<T extends Atom = string, R extends IdlRow = IdlRow>(row: R, column: Col<R>): readonly T[] {
  return row.get(column).keys as readonly T[];
}

/** A map column as a Map (insertion order = sorted key order). */
export function map<K extends Atom = string, V extends Atom = string, R extends IdlRow = IdlRow>(row: R, column: Col<R>): ReadonlyMap<K, V> {
  const d = row.get(column);
  const m = new Map<K, V>();
  if (d.values) d.keys.forEach((k, i) => m.set(k as K, d.values![i] as V));
  return m;
}

function refTarget(row: IdlRow, column: string): { table: string; inValues: boolean } | undefined {
  const c = row.source.schema.tables.get(row.table)?.columns.get(column);
  if (!c) return undefined;
  if (c.type.key.refTable) return { table: c.type.key.refTable, inValues: false };
  if (c.type.value?.refTable) return { table: c.type.value.refTable, inValues: true };
  return undefined;
}

/** Follows a reference column to the row it names (the first one, for a set). */
export function ref<R extends IdlRow>(row: R, column: Col<R>): IdlRow | undefined {
  return refs(row, column)[0];
}

/** Follows every reference in a column (keys, or values for a map whose values are references); skips dangling ones. */
export function refs<R extends IdlRow>(row: R, column: Col<R>): IdlRow[] {
  const t = refTarget(row, column);
  if (!t) return [];
  const d = row.get(column);
  const ids = t.inValues ? d.values ?? [] : d.keys;
  const out: IdlRow[] = [];
  for (const u of ids) {
    const r = row.source.row(t.table, u as string);
    if (r) out.push(r);
  }
  return out;
}

/** A map column whose values are references, as key -> row (dangling entries skipped). */
export function refMap<K extends Atom = string, R extends IdlRow = IdlRow>(row: R, column: Col<R>): ReadonlyMap<K, IdlRow> {
  const t = refTarget(row, column);
  const out = new Map<K, IdlRow>();
  const d = row.get(column);
  if (!t?.inValues || !d.values) return out;
  d.keys.forEach((k, i) => {
    const r = row.source.row(t.table, d.values![i] as string);
    if (r) out.set(k as K, r);
  });
  return out;
}

/**
 * Replaying a database file's transaction records into rows, at the JSON level.
 *
 * Every record after the schema is one committed transaction:
 *
 *     {"TABLE": {"<uuid>": null | {"<column>": <value>, ...}, ...}, ...,
 *      "_date": <ms>, "_comment": "...", "_is_diff": true}
 *
 * `null` deletes the row. An object inserts the row when it does not exist
 * (absent columns keep their defaults) and otherwise modifies it. Values are in
 * RFC 7047 wire notation (§5.1): an atom, ["uuid", "…"], ["set", [...]], or
 * ["map", [[k, v], ...]]; a one-element set may be written as its atom.
 *
 * `"_is_diff": true` (written by ovsdb-server 2.15 and later) changes what a
 * modified row's values mean: for a column whose type allows more than one
 * element (max > 1), the value is a diff to apply to the current value, not
 * the new value. For a set, the diff is the symmetric difference: elements in
 * the diff are toggled. For a map, each diff pair (k, v) removes k when the
 * row maps k to v, and otherwise adds or replaces k's value with v. Scalar and
 * optional ([0..1]) columns still carry their full new value, and an inserted
 * row is never a diff. A diff may itself exceed the column's size limits; only
 * the result must fit (OVS reports "Datum crated by diff has size error",
 * spelling included). Applied diffs leave values sorted as OVS sorts them.
 *
 * A transaction applies whole or not at all: `Replay.apply` (and the simpler
 * `applyTransaction`) throws an `OvsdbError` worded as ovsdb-server's (unknown
 * table or column, deleting a missing row, malformed value, oversized diff
 * result) and leaves the rows as they were. Replaying stops at such a record,
 * as ovsdb-server does. Reference integrity and garbage collection are the
 * engine's business: the file holds their results already.
 *
 * Cost: `Replay` keeps each set or map that diffs touch as a hash of its
 * elements until `finish`, so a diff costs time in proportion to its own size
 * (ovsdb-server 3.1 merges the whole column each time, which makes a long log
 * of small diffs to one big map quadratic). Changes to such shared elements
 * are undone from a log when a record fails half way.
 *
 * `rows` holds, per table and row UUID, only the columns some record wrote;
 * a column that is absent has its type's default (`defaultValue`).
 */
import { OvsdbError } from './log.js';
import { ovsJson, ovsOrder } from './ovs-json.js';
import {
  compareAtoms, isComposite, isMap, uuidOf,
  type AtomicType, type ColumnTypeInfo, type SchemaInfo,
} from './file-schema.js';

/** Final rows: table name → row UUID → column name → value in wire notation. */
export type DbRows = Map<string, Map<string, Record<string, unknown>>>;

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function syntax(json: unknown, tag: string, details: string): OvsdbError {
  return new OvsdbError(tag, details, json === undefined ? {} : { syntax: ovsJson(json, { sort: true }) });
}

/** An empty row set with one map per table of the schema. */
export function emptyRows(schema: SchemaInfo): DbRows {
  return new Map([...schema.tables.keys()].map((t) => [t, new Map()]));
}

/**
 * A set or map column being replayed: its elements by identity, unsorted, so a
 * diff costs time in proportion to the diff, not to the column (replaying N
 * diffs to one growing map would otherwise be quadratic). `finish` turns it
 * back into a sorted wire value.
 */
class LiveDatum {
  constructor(readonly type: ColumnTypeInfo, readonly elements: Map<string, [unknown, unknown]>) {}

  static of(type: ColumnTypeInfo, value: unknown): LiveDatum {
    const elements = new Map<string, [unknown, unknown]>();
    for (const p of datumPairs(type, value)) elements.set(atomKey(type.key.type, p[0]), p);
    return new LiveDatum(type, elements);
  }

  toValue(): unknown {
    const pairs = [...this.elements.values()].sort((a, b) => compareAtoms(this.type.key.type, a[0], b[0]));
    return pairsToValue(this.type, pairs);
  }
}

type Undo = () => void;

/**
 * Replays transaction records into rows (see the essay): `apply` each record
 * in file order, then `finish` for the rows in wire notation.
 */
export class Replay {
  private readonly live: DbRows;

  constructor(private readonly schema: SchemaInfo) {
    this.live = emptyRows(schema);
  }

  /** Applies one transaction record, all or nothing; throws an `OvsdbError` when it cannot. */
  apply(record: JsonObject): void {
    applyRecord(this.schema, this.live, record, true);
  }

  /** The rows, every value in wire notation. */
  finish(): DbRows {
    for (const table of this.live.values()) {
      for (const row of table.values()) {
        for (const [c, v] of Object.entries(row)) if (v instanceof LiveDatum) row[c] = v.toValue();
      }
    }
    return this.live;
  }
}

/** Applies one transaction record to `rows` (wire values in and out), all or nothing. */
export function applyTransaction(schema: SchemaInfo, rows: DbRows, record: JsonObject): void {
  applyRecord(schema, rows, record, false);
}

function applyRecord(schema: SchemaInfo, rows: DbRows, record: JsonObject, live: boolean): void {
  const isDiff = record._is_diff === true;
  const staged: { table: string; uuid: string; row: JsonObject | null }[] = [];
  // Live datums shared with the current rows change in place; this undoes that on failure.
  const undo: Undo[] = [];
  try {
    for (const name of Object.keys(record)) {
      const value = record[name];
      const table = schema.tables.get(name);
      if (!table) {
        if (name === '_date' && Number.isInteger(value)) continue;
        if (name === '_is_diff' && typeof value === 'boolean') continue;
        if (name === '_comment') continue;
        throw syntax(record, 'unknown table', `No table named ${name}.`);
      }
      if (!isObject(value)) throw syntax(value, 'syntax error', 'object expected');
      const tableRows = rows.get(name) ?? new Map<string, JsonObject>();
      for (const uuidText of Object.keys(value)) {
        if (!UUID_RE.test(uuidText)) throw syntax(value, 'syntax error', `"${uuidText}" is not a valid UUID`);
        const uuid = uuidText.toLowerCase();
        const change = value[uuidText];
        const old = tableRows.get(uuid);
        if (change === null) {
          if (!old) throw new OvsdbError('syntax error', `transaction deletes row ${uuid} that does not exist`);
          staged.push({ table: name, uuid, row: null });
          continue;
        }
        if (!isObject(change)) throw syntax(change, 'syntax error', 'row must be JSON object');
        const row: JsonObject = old ? { ...old } : {};
        for (const cname of Object.keys(change)) {
          const column = table.columns.get(cname);
          if (!column) throw syntax(change, 'unknown column', `No column ${cname} in table ${name}.`);
          const v = change[cname];
          if (old && isDiff && isComposite(column.type)) {
            const current = row[cname] ?? defaultValue(column.type);
            if (!live) row[cname] = applyDiff(column.type, current instanceof LiveDatum ? current.toValue() : current, v);
            else row[cname] = applyLiveDiff(column.type, current, v, undo);
          } else {
            checkValue(column.type, v, true);
            row[cname] = v;
          }
        }
        staged.push({ table: name, uuid, row });
      }
    }
  } catch (e) {
    for (const u of undo.reverse()) u();
    throw e;
  }
  for (const { table, uuid, row } of staged) {
    let tableRows = rows.get(table);
    if (!tableRows) rows.set(table, (tableRows = new Map()));
    if (row) tableRows.set(uuid, row);
    else tableRows.delete(uuid);
  }
}

function applyLiveDiff(type: ColumnTypeInfo, current: unknown, diff: unknown, undo: Undo[]): LiveDatum {
  const datum = current instanceof LiveDatum ? current : LiveDatum.of(type, current);
  const { elements } = datum;
  for (const [k, v] of datumPairs(type, diff)) {
    const key = atomKey(type.key.type, k);
    const have = elements.get(key);
    if (current instanceof LiveDatum) undo.push(have ? () => elements.set(key, have) : () => elements.delete(key));
    if (!have) elements.set(key, [k, v]);
    else if (isMap(type) && atomKey(type.value!.type, have[1]) !== atomKey(type.value!.type, v)) elements.set(key, [k, v]);
    else elements.delete(key);
  }
  if (elements.size < type.min || elements.size > type.max) {
    throw new OvsdbError('ovsdb error', 'Datum crated by diff has size error');
  }
  return datum;
}

/** A datum as a list of [key, value] atom pairs (value undefined for sets). */
type Pairs = [unknown, unknown][];

/** Reads a wire value of `type` into pairs, checking its shape and atoms. */
export function datumPairs(type: ColumnTypeInfo, value: unknown): Pairs {
  if (isMap(type)) {
    if (!Array.isArray(value) || value[0] !== 'map' || !Array.isArray(value[1]) || value.length !== 2) {
      throw syntax(value, 'syntax error', 'expected ["map", <array>]');
    }
    return (value[1] as unknown[]).map((p) => {
      if (!Array.isArray(p) || p.length !== 2) throw syntax(p, 'syntax error', 'expected <pair>');
      checkAtom(type.key.type, p[0]);
      checkAtom(type.value!.type, p[1]);
      return [p[0], p[1]];
    });
  }
  const atoms = Array.isArray(value) && value[0] === 'set'
    ? (Array.isArray(value[1]) && value.length === 2 ? value[1] as unknown[] : (() => { throw syntax(value, 'syntax error', 'expected ["set", <array>]'); })())
    : [value];
  return atoms.map((a) => {
    checkAtom(type.key.type, a);
    return [a, undefined];
  });
}

function checkValue(type: ColumnTypeInfo, value: unknown, checkSize: boolean): void {
  const n = datumPairs(type, value).length;
  if (checkSize && (n < type.min || n > type.max)) {
    const cls = isMap(type) ? 'map' : 'set';
    const details = type.min === 1 && type.max === 1
      ? `${cls} must have exactly one member but ${n} are present`
      : `${cls} must have ${type.min} to ${type.max === Infinity ? 4294967295 : type.max} members but ${n} are present`;
    throw syntax(value, 'syntax error', details);
  }
}

function checkAtom(type: AtomicType, atom: unknown): void {
  const ok = type === 'integer' ? Number.isInteger(atom)
    : type === 'real' ? typeof atom === 'number'
    : type === 'boolean' ? typeof atom === 'boolean'
    : type === 'string' ? typeof atom === 'string'
    : Array.isArray(atom) && atom.length === 2 && atom[0] === 'uuid' && typeof atom[1] === 'string' && UUID_RE.test(atom[1]);
  if (!ok) throw syntax(atom, 'syntax error', `expected ${type}`);
}

/** The wire value of `pairs` as OVS writes it: maps as ["map", ...], one-element sets bare. */
export function pairsToValue(type: ColumnTypeInfo, pairs: Pairs): unknown {
  if (isMap(type)) return ['map', pairs.map(([k, v]) => [k, v])];
  if (pairs.length === 1) return pairs[0]![0];
  return ['set', pairs.map(([k]) => k)];
}

/** Identity of an atom for set and map membership. */
function atomKey(type: AtomicType, atom: unknown): string {
  return type === 'uuid' ? uuidOf(atom) : JSON.stringify(atom);
}

/** Applies a column diff (see the essay) to `current`, returning the new wire value. */
export function applyDiff(type: ColumnTypeInfo, current: unknown, diff: unknown): unknown {
  const result = new Map<string, [unknown, unknown]>();
  for (const p of datumPairs(type, current)) result.set(atomKey(type.key.type, p[0]), p);
  for (const [k, v] of datumPairs(type, diff)) {
    const key = atomKey(type.key.type, k);
    const have = result.get(key);
    if (!have) result.set(key, [k, v]);
    else if (isMap(type) && atomKey(type.value!.type, have[1]) !== atomKey(type.value!.type, v)) result.set(key, [k, v]);
    else result.delete(key);
  }
  if (result.size < type.min || result.size > type.max) {
    throw new OvsdbError('ovsdb error', 'Datum crated by diff has size error');
  }
  const pairs = [...result.values()].sort((a, b) => compareAtoms(type.key.type, a[0], b[0]));
  return pairsToValue(type, pairs);
}

function defaultAtom(type: AtomicType): unknown {
  switch (type) {
    case 'integer': case 'real': return 0;
    case 'boolean': return false;
    case 'string': return '';
    case 'uuid': return ['uuid', ZERO_UUID];
  }
}

/** The value a column has when no record set it: empty, or one default atom when min is 1. */
export function defaultValue(type: ColumnTypeInfo): unknown {
  if (type.min === 0) return isMap(type) ? ['map', []] : ['set', []];
  const pair: [unknown, unknown] = [defaultAtom(type.key.type), type.value ? defaultAtom(type.value.type) : undefined];
  return pairsToValue(type, [pair]);
}

/** Whether `value` equals the column's default (such columns are left out of snapshots). */
export function isDefaultValue(type: ColumnTypeInfo, value: unknown): boolean {
  let pairs: Pairs;
  try {
    pairs = datumPairs(type, value);
  } catch {
    return false;
  }
  const def = datumPairs(type, defaultValue(type));
  if (pairs.length !== def.length) return false;
  return pairs.every(([k, v], i) => atomKey(type.key.type, k) === atomKey(type.key.type, def[i]![0])
    && (!type.value || atomKey(type.value.type, v) === atomKey(type.value.type, def[i]![1])));
}

/**
 * One record holding every row (a snapshot), as OVS writes after compaction:
 * only persistent, non-default columns; rows of tables the schema lacks are dropped.
 */
export function snapshotRecord(schema: SchemaInfo, rows: DbRows, options: { comment?: string; date: number }): JsonObject {
  const record: JsonObject = {};
  // Tables and columns go in the order ovsdb-server iterates its schema, so the
  // snapshot's text is laid out as OVS lays out its own.
  for (const tname of ovsOrder([...schema.tables.keys()])) {
    const table = schema.tables.get(tname)!;
    const tableRows = rows.get(tname);
    if (!tableRows || tableRows.size === 0) continue;
    const columnOrder = ovsOrder(['_uuid', '_version', ...table.columns.keys()]).filter((c) => table.columns.has(c));
    const out: JsonObject = {};
    for (const [uuid, row] of tableRows) {
      const cols: JsonObject = {};
      for (const cname of columnOrder) {
        const value = row[cname];
        const column = table.columns.get(cname)!;
        if (value === undefined || !column.persistent || isDefaultValue(column.type, value)) continue;
        cols[cname] = value;
      }
      out[uuid] = cols;
    }
    record[tname] = out;
  }
  if (options.comment !== undefined) record._comment = options.comment;
  record._date = options.date;
  return record;
}

/**
 * Database schemas (RFC 7047 §3.2), parsed once at the edge and trusted
 * everywhere after.
 *
 * Parsing validates what ovsdb-server validates: names, types, references
 * to existing tables, index columns, and the version format. Two details
 * follow ovsdb-server rather than the RFC text: a schema in which no table
 * says `isRoot` treats every table as a root (schemas from before garbage
 * collection existed), and `toJSON` prints the normalized form the real
 * server returns from `get_schema` (sorted keys, defaults omitted, `isRoot`
 * only where it differs from that default).
 */
import { syntaxError } from './errors.js';
import { type ColumnType, parseColumnType, columnTypeToJson } from './types.js';
import { ovsOrder, ovsJson } from './ovs-json.js';
import { parseSchemaJson, canonicalSchemaJson } from './file-schema.js';

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly ephemeral: boolean;
  readonly mutable: boolean;
}

export interface TableSchema {
  readonly name: string;
  readonly columns: ReadonlyMap<string, ColumnSchema>;   // user columns, without _uuid/_version
  readonly isRoot: boolean;
  readonly maxRows: number;                               // Infinity when unbounded
  readonly indexes: readonly (readonly string[])[];
  /**
   * Every column name, _uuid and _version included, in the order
   * ovsdb-server's own map of the table's columns iterates (its hash order
   * after reading the schema text): the order in which it checks defaults
   * and compares rows, which shows in which error it reports first.
   */
  readonly columnOrder: readonly string[];
}

export interface DatabaseSchema {
  readonly name: string;
  readonly version: string;
  readonly cksum?: string;
  readonly tables: ReadonlyMap<string, TableSchema>;
}

const ID_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VERSION_RE = /^\d+\.\d+\.\d+$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const UUID_COLUMN: ColumnSchema = { name: '_uuid', type: { key: { type: 'uuid' }, min: 1, max: 1 }, ephemeral: false, mutable: false };
export const VERSION_COLUMN: ColumnSchema = { name: '_version', type: { key: { type: 'uuid' }, min: 1, max: 1 }, ephemeral: false, mutable: false };

/** Looks up a column including the implicit _uuid and _version. */
export function columnOf(t: TableSchema, name: string): ColumnSchema | undefined {
  return t.columns.get(name) ?? (name === '_uuid' ? UUID_COLUMN : name === '_version' ? VERSION_COLUMN : undefined);
}

function parseColumn(name: string, json: unknown, table: string): ColumnSchema {
  if (!ID_RE.test(name) || name.startsWith('_')) throw syntaxError(`${table}.${name}: invalid column name`, name);
  if (!isObj(json)) throw syntaxError(`${table}.${name}: column must be an object`, json);
  for (const k of Object.keys(json)) {
    if (!['type', 'ephemeral', 'mutable'].includes(k)) throw syntaxError(`${table}.${name}: unknown member "${k}"`, json);
  }
  const ephemeral = json.ephemeral ?? false, mutable = json.mutable ?? true;
  if (typeof ephemeral !== 'boolean' || typeof mutable !== 'boolean') {
    throw syntaxError(`${table}.${name}: "ephemeral" and "mutable" must be booleans`, json);
  }
  return { name, type: parseColumnType(json.type, `${table}.${name}`), ephemeral, mutable };
}

function parseTable(name: string, json: unknown): TableSchema & { explicitRoot: boolean } {
  if (!ID_RE.test(name) || name.startsWith('_')) throw syntaxError(`${name}: invalid table name`, name);
  if (!isObj(json) || !isObj(json.columns)) throw syntaxError(`table ${name}: "columns" must be an object`, json);
  for (const k of Object.keys(json)) {
    if (!['columns', 'maxRows', 'isRoot', 'indexes'].includes(k)) throw syntaxError(`table ${name}: unknown member "${k}"`, json);
  }
  const columns = new Map<string, ColumnSchema>();
  for (const [cn, cj] of Object.entries(json.columns)) columns.set(cn, parseColumn(cn, cj, name));
  if (columns.size === 0) throw syntaxError(`table ${name} has no columns`, json);
  let maxRows = Infinity;
  if (json.maxRows !== undefined) {
    if (typeof json.maxRows !== 'number' || !Number.isInteger(json.maxRows) || json.maxRows < 1) {
      throw syntaxError(`table ${name}: maxRows must be at least 1`, json.maxRows);
    }
    maxRows = json.maxRows;
  }
  if (json.isRoot !== undefined && typeof json.isRoot !== 'boolean') throw syntaxError(`table ${name}: isRoot must be boolean`, json.isRoot);
  const indexes: string[][] = [];
  if (json.indexes !== undefined) {
    if (!Array.isArray(json.indexes)) throw syntaxError(`table ${name}: indexes must be an array`, json.indexes);
    for (const ix of json.indexes) {
      if (!Array.isArray(ix) || ix.length === 0) throw syntaxError(`table ${name}: index must be a non-empty array of column names`, ix);
      for (const c of ix) {
        const col = typeof c === 'string' ? columns.get(c) : undefined;
        if (!col) throw syntaxError(`table ${name} index: unknown column ${JSON.stringify(c)}`, ix);
        if (col.ephemeral) throw syntaxError(`table ${name} index: ephemeral column ${c} may not be indexed`, ix);
      }
      indexes.push(ix as string[]);
    }
  }
  const columnOrder = ovsOrder(['_uuid', '_version', ...ovsOrder([...columns.keys()])]);
  return { name, columns, isRoot: json.isRoot === true, explicitRoot: json.isRoot !== undefined, maxRows, indexes, columnOrder };
}

export function parseDatabaseSchema(json: unknown): DatabaseSchema {
  if (!isObj(json)) throw syntaxError('schema must be a JSON object', json);
  for (const k of Object.keys(json)) {
    if (!['name', 'version', 'cksum', 'tables', 'doc'].includes(k)) throw syntaxError(`schema: unknown member "${k}"`, json);
  }
  if (typeof json.name !== 'string' || !ID_RE.test(json.name)) throw syntaxError('schema: "name" must be an identifier', json.name);
  if (json.version !== undefined && (typeof json.version !== 'string' || !VERSION_RE.test(json.version))) {
    throw syntaxError(`schema version "${String(json.version)}" does not match format x.y.z`, json.version);
  }
  if (json.cksum !== undefined && typeof json.cksum !== 'string') throw syntaxError('schema: "cksum" must be a string', json.cksum);
  if (!isObj(json.tables)) throw syntaxError('schema: "tables" must be an object', json.tables);
  const parsed = Object.entries(json.tables).map(([n, t]) => parseTable(n, t));
  const noRoots = !parsed.some((t) => t.isRoot);
  const tables = new Map<string, TableSchema>();
  for (const { explicitRoot: _e, ...t } of parsed) tables.set(t.name, noRoots ? { ...t, isRoot: true } : t);
  // Every reference must name a table of this schema.
  for (const t of tables.values()) {
    for (const c of t.columns.values()) {
      for (const b of [c.type.key, c.type.value]) {
        if (b?.refTable && !tables.has(b.refTable)) {
          throw syntaxError(`column ${t.name}.${c.name} refers to undefined table ${b.refTable}`, b.refTable);
        }
      }
    }
  }
  const schema: DatabaseSchema = { name: json.name, version: (json.version as string | undefined) ?? '0.0.0', tables };
  return json.cksum !== undefined ? { ...schema, cksum: json.cksum as string } : schema;
}

function sortedObject<T>(entries: [string, T][], sort = true): Record<string, T> {
  const o: Record<string, T> = {};
  if (sort) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, v] of entries) o[k] = v;
  return o;
}

export function columnSchemaToJson(c: ColumnSchema): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (c.ephemeral) o.ephemeral = true;
  if (!c.mutable) o.mutable = false;
  o.type = columnTypeToJson(c.type);
  return o;
}

/** The schema in its normalized form, members sorted (or, with `sort` false, tables and columns in schema text order). */
export function schemaToJson(s: DatabaseSchema, sort = true): Record<string, unknown> {
  const allRoot = [...s.tables.values()].every((t) => t.isRoot);
  const tables = sortedObject([...s.tables.values()].map((t) => {
    const o: Record<string, unknown> = {
      columns: sortedObject([...t.columns.values()].map((c) => [c.name, columnSchemaToJson(c)]), sort),
    };
    if (t.indexes.length) o.indexes = t.indexes.map((ix) => [...ix]);
    if (t.isRoot !== allRoot) o.isRoot = t.isRoot;
    if (t.maxRows !== Infinity) o.maxRows = t.maxRows;
    return [t.name, o];
  }), sort);
  const o: Record<string, unknown> = {};
  if (s.cksum !== undefined) o.cksum = s.cksum;
  o.name = s.name;
  o.tables = tables;
  o.version = s.version;
  return o;
}

/**
 * The schema as ovsdb-server sends it in reply to `get_schema`: members in
 * the order its JSON printer walks its hash maps. Clients keep that order
 * (`ovsdb-client list-tables` and `list-columns` print in it), so it is part
 * of what they show. Tables and columns of `s` must be in schema text order,
 * as parsing gives them.
 */
export function schemaToWireJson(s: DatabaseSchema): Record<string, unknown> {
  return JSON.parse(ovsJson(canonicalSchemaJson(parseSchemaJson(schemaToJson(s, false))))) as Record<string, unknown>;
}

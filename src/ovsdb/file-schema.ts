/**
 * The schema record of a database file, read at the JSON level.
 *
 * The on-disk code needs three things from a schema, and no more, so it does
 * not depend on the engine's schema module:
 *
 * 1. Column types, to replay `"_is_diff": true` records (a diff applies only to
 *    columns whose type allows more than one element, RFC 7047 §3.2 `max`
 *    other than 1) and to print values in `ovsdb-tool show-log -mm`.
 * 2. Which columns persist: ephemeral columns never reach the disk, except a
 *    strong reference to a non-root table, which ovsdb-server always persists
 *    (replaying the log without it would garbage-collect the referenced row).
 * 3. The canonical form OVS writes: `ovsdb-tool create` does not copy the
 *    schema file but re-serializes its parsed schema (defaults dropped, `"key":
 *    {"type": "string"}` written `"key": "string"`, enums sorted, members in
 *    hash order). `canonicalSchemaJson` rebuilds that object member by member
 *    in OVS's insertion order, so `ovsJson` prints the very bytes OVS writes;
 *    `needs-conversion` compares two schemas in this form.
 *
 * Orders: OVS parses the "tables" object (text order), adds each table to the
 * schema's map while iterating the parsed object (hash order of text order),
 * and prints by iterating that map into a new object, which is printed in hash
 * order again. Columns go the same way, except that every table map starts
 * with the hidden `_uuid` and `_version` columns, which shape the hash table
 * even though they are never printed. `SchemaInfo.tables` and
 * `TableInfo.columns` are JavaScript maps in OVS's insertion order.
 *
 * Errors are `OvsdbError`s worded as ovsdb-tool words them, including the
 * `syntax "<json>":` prefix, for the common mistakes (missing members, unknown
 * members, bad types, bad versions, undefined reference tables).
 */
import { OvsdbError } from './log.js';
import { ovsOrder, ovsJson } from './ovs-json.js';

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';

export interface BaseTypeInfo {
  type: AtomicType;
  /** Allowed atoms, sorted, in wire notation. */
  enum?: unknown[];
  minInteger?: number;
  maxInteger?: number;
  minReal?: number;
  maxReal?: number;
  minLength?: number;
  maxLength?: number;
  refTable?: string;
  refType?: 'strong' | 'weak';
}

export interface ColumnTypeInfo {
  key: BaseTypeInfo;
  value?: BaseTypeInfo;
  min: number;
  /** `Infinity` for "unlimited". */
  max: number;
}

export interface ColumnInfo {
  name: string;
  type: ColumnTypeInfo;
  mutable: boolean;
  /** False for ephemeral columns, which files never hold. */
  persistent: boolean;
}

export interface TableInfo {
  name: string;
  mutable: boolean;
  isRoot: boolean;
  maxRows?: number;
  indexes: string[][];
  /** User columns, in OVS's insertion order (after `_uuid`, `_version`). */
  columns: Map<string, ColumnInfo>;
}

export interface SchemaInfo {
  name: string;
  /** "" when the schema has none (very old files). */
  version: string;
  cksum: string;
  /** In OVS's insertion order. */
  tables: Map<string, TableInfo>;
}

const ATOMIC_TYPES: readonly string[] = ['integer', 'real', 'boolean', 'string', 'uuid'];
const ID_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VERSION_RE = /^\d+\.\d+\.\d+$/;

/** Whether a column holds a set or map of possibly many elements (OVS's "composite"). */
export function isComposite(type: ColumnTypeInfo): boolean {
  return type.max > 1;
}

export function isMap(type: ColumnTypeInfo): boolean {
  return type.value !== undefined;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function syntaxError(json: unknown, details: string): OvsdbError {
  return new OvsdbError('syntax error', details, json === undefined ? {} : { syntax: ovsJson(json, { sort: true }) });
}

type MemberKind = 'string' | 'id' | 'object' | 'array' | 'integer' | 'number' | 'boolean' | 'any' | 'integer-or-string' | 'string-or-object';

/** A small model of OVS's ovsdb_parser: required/optional members, no strays. */
class MemberParser {
  private readonly used = new Set<string>();
  private error: OvsdbError | null = null;
  constructor(private readonly json: unknown, private readonly what: string) {
    if (!isObject(json)) this.raise('Object expected.', true);
  }
  member(name: string, kind: MemberKind, optional = false): unknown {
    if (!isObject(this.json)) return undefined;
    const v = this.json[name];
    if (v === undefined) {
      if (!optional) this.raise(`Required '${name}' member is missing.`);
      return undefined;
    }
    if (!matchesKind(v, kind)) {
      this.raise(`Type mismatch for member '${name}'.`);
      return undefined;
    }
    this.used.add(name);
    return v;
  }
  finish(): void {
    if (!this.error && isObject(this.json)) {
      const unused = Object.keys(this.json).filter((k) => !this.used.has(k));
      if (unused.length === 1) this.raise(`Member '${unused[0]}' is present but not allowed here.`);
      else if (unused.length > 1) {
        const first = ovsOrder(Object.keys(this.json)).find((k) => !this.used.has(k));
        this.raise(`Member '${first}' and ${unused.length - 1} other member${unused.length > 2 ? 's' : ''} are present but not allowed here.`);
      }
    }
    if (this.error) throw this.error;
  }
  private raise(message: string, noSyntax = false): void {
    if (!this.error) this.error = syntaxError(noSyntax ? undefined : this.json, `Parsing ${this.what} failed: ${message}`);
  }
}

function matchesKind(v: unknown, kind: MemberKind): boolean {
  switch (kind) {
    case 'string': return typeof v === 'string';
    case 'id': return typeof v === 'string' && ID_RE.test(v);
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'any': return true;
    case 'boolean': return typeof v === 'boolean';
    case 'integer-or-string': return Number.isInteger(v) || typeof v === 'string';
    case 'string-or-object': return typeof v === 'string' || isObject(v);
  }
}

/** Parses a schema's JSON (RFC 7047 §3.2) into the facts the file code needs. */
export function parseSchemaJson(json: unknown): SchemaInfo {
  const p = new MemberParser(json, 'database schema');
  const name = p.member('name', 'id') as string;
  const version = p.member('version', 'string', true) as string | undefined;
  const cksum = p.member('cksum', 'string', true) as string | undefined;
  const tablesJson = p.member('tables', 'object') as JsonObject;
  p.finish();
  if (version !== undefined && !VERSION_RE.test(version)) {
    throw syntaxError(json, `schema version "${version}" not in format x.y.z`);
  }
  const tables = new Map<string, TableInfo>();
  for (const tname of ovsOrder(Object.keys(tablesJson))) {
    if (tname.startsWith('_')) throw syntaxError(json, 'names beginning with "_" are reserved');
    if (!ID_RE.test(tname)) throw syntaxError(json, 'name must be a valid id');
    tables.set(tname, parseTable(tablesJson[tname], tname));
  }
  // Before "isRoot" existed every table was a root; an empty root set means that.
  if (![...tables.values()].some((t) => t.isRoot)) for (const t of tables.values()) t.isRoot = true;
  for (const t of tables.values()) {
    for (const c of t.columns.values()) {
      for (const [base, which] of [[c.type.key, 'key'], [c.type.value, 'value']] as const) {
        if (!base?.refTable) continue;
        const ref = tables.get(base.refTable);
        if (!ref) throw syntaxError(undefined, `column ${c.name} ${which} refers to undefined table ${base.refTable}`);
        if (base.refType !== 'weak' && !ref.isRoot) c.persistent = true;
      }
    }
  }
  return { name, version: version ?? '', cksum: cksum ?? '', tables };
}

function parseTable(json: unknown, name: string): TableInfo {
  const p = new MemberParser(json, `table schema for table ${name}`);
  const columnsJson = p.member('columns', 'object') as JsonObject;
  const mutable = p.member('mutable', 'boolean', true) as boolean | undefined;
  const maxRows = p.member('maxRows', 'integer', true) as number | undefined;
  const isRoot = p.member('isRoot', 'boolean', true) as boolean | undefined;
  const indexesJson = p.member('indexes', 'array', true) as unknown[] | undefined;
  p.finish();
  if (maxRows !== undefined && maxRows <= 0) throw syntaxError(json, 'maxRows must be at least 1');
  if (Object.keys(columnsJson).length === 0) throw syntaxError(json, 'table must have at least one column');
  const columns = new Map<string, ColumnInfo>();
  for (const cname of ovsOrder(Object.keys(columnsJson))) {
    if (cname.startsWith('_')) throw syntaxError(json, 'names beginning with "_" are reserved');
    if (!ID_RE.test(cname)) throw syntaxError(json, 'name must be a valid id');
    columns.set(cname, parseColumn(columnsJson[cname], cname));
  }
  const indexes: string[][] = [];
  for (const idx of indexesJson ?? []) {
    if (!Array.isArray(idx) || !idx.every((c) => typeof c === 'string')) throw syntaxError(idx, 'array of distinct column names expected');
    if (idx.length === 0) throw syntaxError(json, 'index must have at least one column');
    for (const c of idx as string[]) {
      const col = columns.get(c);
      if (!col && c !== '_uuid' && c !== '_version') throw syntaxError(idx, `${c} is not a valid column name`);
      if (col && !col.persistent) throw syntaxError(json, `ephemeral columns (such as ${c}) may not be indexed`);
    }
    indexes.push(idx as string[]);
  }
  const t: TableInfo = { name, mutable: mutable ?? true, isRoot: isRoot ?? false, indexes, columns };
  if (maxRows !== undefined) t.maxRows = maxRows;
  return t;
}

function parseColumn(json: unknown, name: string): ColumnInfo {
  const p = new MemberParser(json, `schema for column ${name}`);
  const mutable = p.member('mutable', 'boolean', true) as boolean | undefined;
  const ephemeral = p.member('ephemeral', 'boolean', true) as boolean | undefined;
  const typeJson = p.member('type', 'string-or-object');
  p.finish();
  return { name, type: parseType(typeJson), mutable: mutable ?? true, persistent: !(ephemeral ?? false) };
}

function parseType(json: unknown): ColumnTypeInfo {
  if (typeof json === 'string') return { key: parseBaseType(json), min: 1, max: 1 };
  if (!isObject(json)) throw syntaxError(json, 'ovsdb type expected');
  const p = new MemberParser(json, 'ovsdb type');
  const key = p.member('key', 'string-or-object');
  const value = p.member('value', 'string-or-object', true);
  const min = p.member('min', 'integer', true);
  const max = p.member('max', 'integer-or-string', true);
  p.finish();
  const t: ColumnTypeInfo = { key: parseBaseType(key), min: 1, max: 1 };
  if (value !== undefined) t.value = parseBaseType(value);
  const count = (v: unknown): number => {
    if (typeof v === 'number' && v >= 0 && v < 4294967295) return v;
    throw syntaxError(v, 'bad min or max value');
  };
  if (min !== undefined) t.min = count(min);
  if (max === 'unlimited') t.max = Infinity;
  else if (max !== undefined) t.max = count(max);
  if (t.min > 1 || t.max < 1) throw syntaxError(json, 'ovsdb type fails constraint checks');
  return t;
}

function parseBaseType(json: unknown): BaseTypeInfo {
  if (typeof json === 'string') return { type: atomicType(json) };
  const p = new MemberParser(json, 'ovsdb type');
  const typeJson = p.member('type', 'string');
  const enumJson = p.member('enum', 'any', true);
  const base: BaseTypeInfo = { type: typeof typeJson === 'string' ? atomicType(typeJson) : 'integer' };
  const members: Record<AtomicType, [string, MemberKind][]> = {
    integer: [['minInteger', 'integer'], ['maxInteger', 'integer']],
    real: [['minReal', 'number'], ['maxReal', 'number']],
    boolean: [],
    string: [['minLength', 'integer'], ['maxLength', 'integer']],
    uuid: [['refTable', 'id'], ['refType', 'string']],
  };
  for (const [m, kind] of members[base.type]) {
    const v = p.member(m, kind, true);
    if (v !== undefined) (base as unknown as Record<string, unknown>)[m] = v;
  }
  p.finish();
  if (base.refType !== undefined && base.refType !== 'strong' && base.refType !== 'weak') {
    throw syntaxError(json, `refType must be "strong" or "weak" (not "${String(base.refType)}")`);
  }
  if (enumJson !== undefined) base.enum = sortAtoms(base.type, enumAtoms(enumJson));
  return base;
}

function enumAtoms(json: unknown): unknown[] {
  if (Array.isArray(json) && json[0] === 'set' && Array.isArray(json[1])) return json[1] as unknown[];
  return [json];
}

function atomicType(s: unknown): AtomicType {
  if (typeof s === 'string' && ATOMIC_TYPES.includes(s)) return s as AtomicType;
  if (typeof s === 'string') throw syntaxError(s, `"${s}" is not an atomic-type`);
  throw syntaxError(s, 'atomic-type expected');
}

/** Sorts atoms of one type as OVS orders them, dropping duplicates. */
export function sortAtoms(type: AtomicType, atoms: unknown[]): unknown[] {
  const sorted = [...atoms].sort((a, b) => compareAtoms(type, a, b));
  return sorted.filter((a, i) => i === 0 || compareAtoms(type, sorted[i - 1], a) !== 0);
}

/** OVS's three-way atom comparison over wire-notation atoms. */
export function compareAtoms(type: AtomicType, a: unknown, b: unknown): number {
  switch (type) {
    case 'integer':
    case 'real':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'boolean':
      return Number(a) - Number(b);
    case 'string':
      return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
    case 'uuid': {
      const x = uuidOf(a), y = uuidOf(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

/** The UUID string of a wire-notation uuid atom (["uuid", "..."]), lowercased. */
export function uuidOf(atom: unknown): string {
  return Array.isArray(atom) && typeof atom[1] === 'string' ? atom[1].toLowerCase() : String(atom);
}

/**
 * The schema as OVS's ovsdb_schema_to_json builds it: every object's members
 * in the order OVS inserts them. Print with `ovsJson` for OVS's exact bytes.
 */
export function canonicalSchemaJson(schema: SchemaInfo): JsonObject {
  const out: JsonObject = { name: schema.name };
  if (schema.version) out.version = schema.version;
  if (schema.cksum) out.cksum = schema.cksum;
  const allRoot = [...schema.tables.values()].every((t) => t.isRoot);
  const tables: JsonObject = {};
  for (const tname of ovsOrder([...schema.tables.keys()])) {
    tables[tname] = canonicalTable(schema.tables.get(tname)!, allRoot);
  }
  out.tables = tables;
  return out;
}

function canonicalTable(t: TableInfo, defaultIsRoot: boolean): JsonObject {
  const out: JsonObject = {};
  if (!t.mutable) out.mutable = false;
  if (t.isRoot !== defaultIsRoot) out.isRoot = t.isRoot;
  const columns: JsonObject = {};
  for (const cname of ovsOrder(['_uuid', '_version', ...t.columns.keys()])) {
    const c = t.columns.get(cname);
    if (!c) continue;
    const col: JsonObject = {};
    if (!c.mutable) col.mutable = false;
    if (!c.persistent) col.ephemeral = true;
    col.type = canonicalType(c.type);
    columns[cname] = col;
  }
  out.columns = columns;
  if (t.maxRows !== undefined) out.maxRows = t.maxRows;
  if (t.indexes.length) out.indexes = t.indexes.map((i) => [...i]);
  return out;
}

function canonicalType(t: ColumnTypeInfo): unknown {
  if (t.min === 1 && t.max === 1 && !t.value && !hasConstraints(t.key)) return t.key.type;
  const out: JsonObject = { key: canonicalBase(t.key) };
  if (t.value) out.value = canonicalBase(t.value);
  if (t.min !== 1) out.min = t.min;
  if (t.max === Infinity) out.max = 'unlimited';
  else if (t.max !== 1) out.max = t.max;
  return out;
}

function hasConstraints(b: BaseTypeInfo): boolean {
  return b.enum !== undefined || b.minInteger !== undefined || b.maxInteger !== undefined
    || b.minReal !== undefined || b.maxReal !== undefined || (b.minLength ?? 0) !== 0
    || b.maxLength !== undefined || b.refTable !== undefined;
}

function canonicalBase(b: BaseTypeInfo): unknown {
  if (!hasConstraints(b)) return b.type;
  const out: JsonObject = { type: b.type };
  if (b.enum) out.enum = b.enum.length === 1 ? b.enum[0] : ['set', b.enum];
  const put = (k: keyof BaseTypeInfo, skip?: unknown): void => {
    if (b[k] !== undefined && b[k] !== skip) out[k] = b[k];
  };
  if (b.type === 'integer') { put('minInteger'); put('maxInteger'); }
  if (b.type === 'real') { put('minReal'); put('maxReal'); }
  if (b.type === 'string') { put('minLength', 0); put('maxLength'); }
  if (b.type === 'uuid' && b.refTable) { put('refTable'); if (b.refType === 'weak') out.refType = 'weak'; }
  return out;
}

/** OVS's ovsdb_schema_equal: the canonical forms are equal as JSON values. */
export function schemasEqual(a: SchemaInfo, b: SchemaInfo): boolean {
  return ovsJson(canonicalSchemaJson(a), { sort: true }) === ovsJson(canonicalSchemaJson(b), { sort: true });
}

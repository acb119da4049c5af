/**
 * `ovsdb-tool show-log` output for a standalone database file, byte for byte
 * as Open vSwitch 3.1 prints it.
 *
 *     record 0: "Open_vSwitch" schema, version="8.3.1", cksum="3012963480 26720"
 *     <blank line>
 *     record 1: 2024-05-01 10:00:00.123 "comment"          (date in UTC)
 *       table Bridge insert row "br0" (6c897b60):         (-m)
 *         name=br0                                        (-mm)
 *       table Open_vSwitch row 66aa0a1d (66aa0a1d) diff:
 *     <blank line after a record that listed changes>
 *
 * With one -m each table change is listed, with two each column value too.
 * Tables, rows and columns come in the order OVS iterates a parsed JSON object
 * (see ovs-json.ts), not in file order. A row is named by its "name" column
 * (as JSON, so "br0" keeps its quotes) once a record gave one, otherwise by
 * the first 8 digits of its UUID, and the name sticks for later records.
 * Values print in ovs-vsctl's notation when they parse as the column's type
 * (sorted, constraints met); otherwise, as with a diff that breaks the size
 * limits, as sorted JSON. `_date` values below 2^31 are seconds from old
 * versions and are scaled to milliseconds, as OVS does.
 */
import { ovsJson, ovsOrder, formatG15 } from './ovs-json.js';
import {
  compareAtoms, isMap, type AtomicType, type BaseTypeInfo, type ColumnTypeInfo, type SchemaInfo,
} from './file-schema.js';
import { datumPairs } from './file-replay.js';

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Incremental printer: feed records in file order, collect the text. */
export class ShowLogPrinter {
  private readonly names = new Map<string, string>();
  private schema: SchemaInfo | null = null;
  private index = 0;

  constructor(private readonly verbosity: number) {}

  /** Output for record 0, given its parsed schema. */
  schemaRecord(schema: SchemaInfo): string {
    this.schema = schema;
    return `record ${this.index++}: "${schema.name}" schema, version="${schema.version}", cksum="${schema.cksum}"\n\n`;
  }

  /** Output for a transaction record. */
  changeRecord(record: JsonObject): string {
    let out = `record ${this.index++}:`;
    const date = record._date;
    if (typeof date === 'number' && Number.isInteger(date)) out += ' ' + formatDate(date < 2147483647 ? date * 1000 : date);
    if (typeof record._comment === 'string') out += ` "${record._comment}"`;
    if (this.verbosity > 0) out += this.changes(record);
    return out + '\n';
  }

  private changes(record: JsonObject): string {
    let out = '';
    let first = true;
    const diff = record._is_diff === true;
    for (const table of ovsOrder(Object.keys(record))) {
      const rows = record[table];
      if (table.startsWith('_') || !isObject(rows)) continue;
      if (first) out += '\n';
      first = false;
      const tableInfo = this.schema?.tables.get(table);
      for (const uuid of ovsOrder(Object.keys(rows))) {
        const columns = rows[uuid];
        const oldName = this.names.get(uuid);
        const newName = isObject(columns) && columns.name !== undefined ? ovsJson(columns.name, { sort: true }) : undefined;
        out += `  table ${table}`;
        if (oldName === undefined) {
          out += newName !== undefined ? ` insert row ${newName} (${uuid.slice(0, 8)}):\n` : ` insert row ${uuid.slice(0, 8)}:\n`;
        } else {
          out += ` row ${oldName} (${uuid.slice(0, 8)})${diff ? ' diff' : ''}:\n`;
        }
        if (isObject(columns)) {
          if (this.verbosity > 1) {
            for (const column of ovsOrder(Object.keys(columns))) {
              const type = tableInfo?.columns.get(column)?.type ?? hiddenColumnType(column);
              const text = (type && valueToString(type, columns[column])) ?? ovsJson(columns[column], { sort: true });
              out += `    ${column}=${text}\n`;
            }
          }
          if (newName !== undefined && (oldName === undefined || oldName !== newName)) this.names.set(uuid, newName);
          else if (oldName === undefined) this.names.set(uuid, uuid.slice(0, 8));
        } else if (columns === null) {
          out += '    delete row\n';
          this.names.delete(uuid);
        }
      }
    }
    return out;
  }
}

function hiddenColumnType(column: string): ColumnTypeInfo | undefined {
  return column === '_uuid' || column === '_version' ? { key: { type: 'uuid' }, min: 1, max: 1 } : undefined;
}

/** strftime(" %Y-%m-%d %H:%M:%S.###") in UTC, less the leading space. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} `
    + `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(((ms % 1000) + 1000) % 1000, 3)}`;
}

/**
 * `value` in ovs-vsctl notation (OVS's ovsdb_datum_to_string), or null when it
 * does not parse as a datum of `type`.
 */
export function valueToString(type: ColumnTypeInfo, value: unknown): string | null {
  let pairs: [unknown, unknown][];
  try {
    pairs = datumPairs(type, value);
  } catch {
    return null;
  }
  if (pairs.length < type.min || pairs.length > type.max) return null;
  for (const [k, v] of pairs) {
    if (!atomAllowed(type.key, k) || (type.value && !atomAllowed(type.value, v))) return null;
  }
  pairs.sort((a, b) => compareAtoms(type.key.type, a[0], b[0]));
  for (let i = 1; i < pairs.length; i++) if (compareAtoms(type.key.type, pairs[i - 1]![0], pairs[i]![0]) === 0) return null;
  const map = isMap(type);
  const body = pairs.map(([k, v]) => atomToString(type.key.type, k) + (map ? '=' + atomToString(type.value!.type, v) : '')).join(', ');
  return type.max > 1 || pairs.length === 0 ? (map ? `{${body}}` : `[${body}]`) : body;
}

function atomAllowed(base: BaseTypeInfo, atom: unknown): boolean {
  if (base.enum && !base.enum.some((e) => compareAtoms(base.type, e, atom) === 0)) return false;
  switch (base.type) {
    case 'integer':
    case 'real': {
      const n = atom as number;
      const min = base.type === 'integer' ? base.minInteger : base.minReal;
      const max = base.type === 'integer' ? base.maxInteger : base.maxReal;
      return (min === undefined || n >= min) && (max === undefined || n <= max);
    }
    case 'string': {
      const len = [...(atom as string)].length;
      return len >= (base.minLength ?? 0) && (base.maxLength === undefined || len <= base.maxLength);
    }
    default:
      return true;
  }
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** OVS's ovsdb_atom_to_string. */
export function atomToString(type: AtomicType, atom: unknown): string {
  switch (type) {
    case 'integer': return String(atom);
    case 'real': return formatG15(atom as number);
    case 'boolean': return atom ? 'true' : 'false';
    case 'uuid': return (atom as [string, string])[1].toLowerCase();
    case 'string': {
      const s = atom as string;
      return stringNeedsQuotes(s) ? JSON.stringify(s) : s;
    }
  }
}

function stringNeedsQuotes(s: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s)) return true;
  return s === 'true' || s === 'false' || UUID_RE.test(s);
}

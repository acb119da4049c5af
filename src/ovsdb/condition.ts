/**
 * Conditions (RFC 7047 §5.1 <condition>): `[column, function, value]`
 * clauses, all of which must hold. Parsed once against the table schema so
 * evaluation per row is a datum comparison. `monitor_cond` also allows the
 * boolean literals `true` and `false` as clauses.
 *
 * Typing follows ovsdb-server: the ordering functions apply only to scalar
 * integer and real columns; `==`, `!=`, `includes` and `excludes` compare a
 * column against a value of the column's type, where sets may be smaller
 * than the column's minimum (so `["tags", "==", ["set", []]]` is allowed).
 */
import { OvsdbError, syntaxError } from './errors.js';
import { type Datum, datumFromJson, datumEquals, compareDatums, includes, excludes, type NamedUuidResolver } from './datum.js';
import { columnOf, type TableSchema } from './schema.js';
import { type Row, getColumn } from './row.js';
import { isScalar } from './types.js';

export type CondFunction = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes';
const FUNCTIONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'includes', 'excludes']);

export type Clause =
  | { kind: 'const'; value: boolean }
  | { kind: 'cmp'; column: string; fn: CondFunction; arg: Datum };

export type Condition = readonly Clause[];

export function parseCondition(t: TableSchema, json: unknown, resolve?: NamedUuidResolver, allowBoolean = false): Condition {
  if (!Array.isArray(json)) throw syntaxError('"where" must be an array of clauses', json);
  return json.map((c) => parseClause(t, c, resolve, allowBoolean));
}

function parseClause(t: TableSchema, json: unknown, resolve: NamedUuidResolver | undefined, allowBoolean: boolean): Clause {
  if (allowBoolean && typeof json === 'boolean') return { kind: 'const', value: json };
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError('clause must be [column, function, value]', json);
  }
  const [name, fn, value] = json as [string, string, unknown];
  const col = columnOf(t, name);
  if (!col) throw new OvsdbError('unknown column', `No column ${name} in table ${t.name}.`);
  if (!FUNCTIONS.has(fn)) throw new OvsdbError('unknown function', `No function named ${fn}.`, JSON.stringify(json));
  const ordering = fn === '<' || fn === '<=' || fn === '>' || fn === '>=';
  if (ordering && !(isScalar(col.type) && (col.type.key.type === 'integer' || col.type.key.type === 'real'))) {
    throw syntaxError(`Type mismatch: "${fn}" operator may not be applied to column ${name} of type ${col.type.key.type}.`, json);
  }
  const argType = { ...col.type, min: 0 };
  const arg = datumFromJson(argType, value, resolve);
  return { kind: 'cmp', column: name, fn: fn as CondFunction, arg };
}

export function evalClause(c: Clause, row: Row): boolean {
  if (c.kind === 'const') return c.value;
  const d = getColumn(row, c.column);
  switch (c.fn) {
    case '==': return datumEquals(d, c.arg);
    case '!=': return !datumEquals(d, c.arg);
    case 'includes': return includes(d, c.arg);
    case 'excludes': return excludes(d, c.arg);
    case '<': return compareDatums(d, c.arg) < 0;
    case '<=': return compareDatums(d, c.arg) <= 0;
    case '>': return compareDatums(d, c.arg) > 0;
    case '>=': return compareDatums(d, c.arg) >= 0;
  }
}

export function evalCondition(cond: Condition, row: Row): boolean {
  for (const c of cond) if (!evalClause(c, row)) return false;
  return true;
}

/** If the condition pins `_uuid` to one value, that uuid (lets callers skip a table scan). */
export function uuidOf(cond: Condition): string | undefined {
  for (const c of cond) {
    if (c.kind === 'cmp' && c.column === '_uuid' && c.fn === '==' && c.arg.keys.length === 1) return c.arg.keys[0] as string;
  }
  return undefined;
}

/**
 * Conditions (RFC 7047 §5.1 <condition>): `[column, function, value]`
 * clauses, all of which must hold. Parsed once against the table schema so
 * evaluation per row is a datum comparison. The boolean literals `true` and
 * `false` are clauses too.
 *
 * Typing follows ovsdb-server: the ordering functions apply only to integer
 * and real columns holding at most one value (never true of an empty one),
 * against one value; `==` and `!=` take a value of the column's own type;
 * `includes` may name fewer elements than the column's minimum and
 * `excludes` any number. Values must meet the column's constraints.
 */
import { OvsdbError, syntaxError, syntaxText } from './errors.js';
import { type Datum, parseDatum, datumEquals, compareDatums, includes, excludes, type NamedUuidResolver } from './datum.js';
import { columnOf, type TableSchema } from './schema.js';
import { type Row, getColumn } from './row.js';
import { isScalar, typeToEnglish, UNLIMITED, type ColumnType } from './types.js';

export type CondFunction = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes';
const FUNCTIONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'includes', 'excludes']);

export type Clause =
  | { kind: 'const'; value: boolean }
  | { kind: 'cmp'; column: string; fn: CondFunction; arg: Datum };

export type Condition = readonly Clause[];

/**
 * Parses a condition as ovsdb-server does, with its error texts. `true` and
 * `false` clauses are accepted everywhere, as ovsdb-server accepts them.
 */
export function parseCondition(t: TableSchema, json: unknown, resolve?: NamedUuidResolver, _allowBoolean = false): Condition {
  if (!Array.isArray(json)) throw syntaxError('Parse error in condition.', json);
  return json.map((c) => parseClause(t, c, resolve));
}

function parseClause(t: TableSchema, json: unknown, resolve: NamedUuidResolver | undefined): Clause {
  if (typeof json === 'boolean') return { kind: 'const', value: json };
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError('Parse error in condition.', json);
  }
  const [name, fn, value] = json as [string, string, unknown];
  const col = columnOf(t, name);
  if (!col) throw new OvsdbError('unknown column', `No column ${name} in table ${t.name}.`, syntaxText(json));
  if (!FUNCTIONS.has(fn)) throw new OvsdbError('unknown function', `No function named ${fn}.`);
  let argType: ColumnType = col.type;
  const scalar = isScalar(col.type);
  switch (fn) {
    case '<': case '<=': case '>': case '>=': {
      const optionalScalar = col.type.min === 0 && col.type.max === 1 && !col.type.value;
      const kt = col.type.key.type;
      if (!(scalar || optionalScalar) || (kt !== 'integer' && kt !== 'real')) {
        throw syntaxError(`Type mismatch: "${fn}" operator may not be applied to column ${name} of type ${typeToEnglish(col.type)}.`, json);
      }
      argType = { ...col.type, min: 1 };
      break;
    }
    case 'excludes':
      if (!scalar) argType = { ...col.type, min: 0, max: UNLIMITED };
      break;
    case 'includes':
      if (!scalar) argType = { ...col.type, min: 0 };
      break;
  }
  return { kind: 'cmp', column: name, fn: fn as CondFunction, arg: parseDatum(argType, value, resolve) };
}

export function evalClause(c: Clause, row: Row): boolean {
  if (c.kind === 'const') return c.value;
  const d = getColumn(row, c.column);
  switch (c.fn) {
    case '==': return datumEquals(d, c.arg);
    case '!=': return !datumEquals(d, c.arg);
    case 'includes': return includes(d, c.arg);
    case 'excludes': return excludes(d, c.arg);
    case '<': return d.keys.length > 0 && compareDatums(d, c.arg) < 0;
    case '<=': return d.keys.length > 0 && compareDatums(d, c.arg) <= 0;
    case '>': return d.keys.length > 0 && compareDatums(d, c.arg) > 0;
    case '>=': return d.keys.length > 0 && compareDatums(d, c.arg) >= 0;
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

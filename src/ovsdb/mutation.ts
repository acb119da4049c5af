/**
 * Mutations (RFC 7047 §5.1 <mutation>): `[column, mutator, value]`.
 *
 * Arithmetic mutators (`+= -= *= /= %=`) apply to integer and real columns,
 * element-wise on sets; `%=` only to integers. `insert` and `delete` apply
 * to sets and maps. Failures use ovsdb-server's error names: division by
 * zero is a "domain error", 64-bit overflow a "range error", and a result
 * that breaks the column's constraints (range, enum, size) a "constraint
 * violation"; mutating `_uuid`, `_version` or an immutable column is a
 * "constraint violation" too.
 */
import { OvsdbError, syntaxError, constraintViolation } from './errors.js';
import {
  type Datum, datumFromJson, union, difference, checkConstraints, type NamedUuidResolver,
} from './datum.js';
import { columnOf, type ColumnSchema, type TableSchema } from './schema.js';
import { type Atom, compareAtoms, atomFromJson, UNLIMITED } from './types.js';

type Arith = '+=' | '-=' | '*=' | '/=' | '%=';
export type Mutation =
  | { kind: 'arith'; column: ColumnSchema; op: Arith; arg: number }
  | { kind: 'insert' | 'delete'; column: ColumnSchema; arg: Datum; argIsMap: boolean };

const INT64_MAX = 2 ** 63 - 1, INT64_MIN = -(2 ** 63);

export function parseMutations(t: TableSchema, json: unknown, resolve?: NamedUuidResolver): Mutation[] {
  if (!Array.isArray(json)) throw syntaxError('"mutations" must be an array', json);
  return json.map((m) => parseMutation(t, m, resolve));
}

function parseMutation(t: TableSchema, json: unknown, resolve: NamedUuidResolver | undefined): Mutation {
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError('mutation must be [column, mutator, value]', json);
  }
  const [name, op, value] = json as [string, string, unknown];
  const column = columnOf(t, name);
  if (!column) throw new OvsdbError('unknown column', `No column ${name} in table ${t.name}.`);
  if (name.startsWith('_') || !column.mutable) {
    throw constraintViolation(`Cannot mutate immutable column ${name} in table ${t.name}.`);
  }
  const type = column.type;
  switch (op) {
    case '+=': case '-=': case '*=': case '/=': case '%=': {
      const kt = type.key.type;
      if ((kt !== 'integer' && kt !== 'real') || type.value || (op === '%=' && kt !== 'integer')) {
        throw syntaxError(`Type mismatch: "${op}" may not be applied to column ${name}`, json);
      }
      return { kind: 'arith', column, op, arg: atomFromJson(kt, value) as number };
    }
    case 'insert': case 'delete': {
      if (type.min === 1 && type.max === 1 && !type.value) {
        throw syntaxError(`Type mismatch: "${op}" may not be applied to scalar column ${name}`, json);
      }
      // Insert takes a value of the column's type with any element count;
      // delete on a map takes either a map (pairs) or a set of keys.
      const relaxed = { ...type, min: 0, max: UNLIMITED };
      if (op === 'delete' && type.value && !(Array.isArray(value) && value[0] === 'map')) {
        const keysOnly = { key: type.key, min: 0, max: UNLIMITED };
        return { kind: 'delete', column, arg: datumFromJson(keysOnly, value, resolve), argIsMap: false };
      }
      return { kind: op, column, arg: datumFromJson(relaxed, value, resolve), argIsMap: !!type.value };
    }
    default:
      throw new OvsdbError('unknown mutator', `No mutator named ${op}.`, JSON.stringify(json));
  }
}

function arith(op: Arith, a: number, b: number, integer: boolean): number {
  let r: number;
  switch (op) {
    case '+=': r = a + b; break;
    case '-=': r = a - b; break;
    case '*=': r = a * b; break;
    case '/=':
      if (b === 0) throw new OvsdbError('domain error', 'Division by zero.');
      r = integer ? Math.trunc(a / b) : a / b;
      break;
    case '%=':
      if (b === 0) throw new OvsdbError('domain error', 'Division by zero.');
      r = a % b;
      break;
  }
  if (integer ? (r > INT64_MAX || r < INT64_MIN || !Number.isSafeInteger(r) && Math.abs(r) > 2 ** 53) : !Number.isFinite(r)) {
    throw new OvsdbError('range error', 'Result of mutation is out of range.');
  }
  return r;
}

/** Applies one mutation to a datum; throws the matching OVSDB error. */
export function applyMutation(m: Mutation, d: Datum): Datum {
  const t = m.column.type;
  let out: Datum;
  if (m.kind === 'arith') {
    const integer = t.key.type === 'integer';
    const keys = d.keys.map((k) => arith(m.op, k as number, m.arg, integer) as Atom).sort(compareAtoms);
    for (let i = 1; i < keys.length; i++) {
      if (compareAtoms(keys[i - 1]!, keys[i]!) === 0) throw constraintViolation(`Result of "${m.op}" operation contains duplicates.`);
    }
    out = { keys, values: null };
  } else if (m.kind === 'insert') {
    out = union(d, m.arg);
  } else {
    out = difference(d, m.arg, m.argIsMap);
  }
  checkConstraints(t, out, m.column.name);
  return out;
}

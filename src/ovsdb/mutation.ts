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
import { OvsdbError, syntaxError, syntaxText, constraintViolation } from './errors.js';
import { type Datum, parseDatum, union, difference, type NamedUuidResolver } from './datum.js';
import { columnOf, type ColumnSchema, type TableSchema } from './schema.js';
import { type Atom, compareAtoms, atomViolation, isScalar, typeToEnglish, UNLIMITED } from './types.js';

type Arith = '+=' | '-=' | '*=' | '/=' | '%=';
export type Mutation =
  | { kind: 'arith'; column: ColumnSchema; op: Arith; arg: number }
  | { kind: 'insert' | 'delete'; column: ColumnSchema; arg: Datum; argIsMap: boolean };

const TWO_63 = 2 ** 63;

export function parseMutations(t: TableSchema, json: unknown, resolve?: NamedUuidResolver): Mutation[] {
  if (!Array.isArray(json)) throw syntaxError('"mutations" must be an array', json);
  return json.map((m) => parseMutation(t, m, resolve));
}

function parseMutation(t: TableSchema, json: unknown, resolve: NamedUuidResolver | undefined): Mutation {
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError('Parse error in mutation.', json);
  }
  const [name, op, value] = json as [string, string, unknown];
  const column = columnOf(t, name);
  if (!column) throw new OvsdbError('unknown column', `No column ${name} in table ${t.name}.`, syntaxText(json));
  if (name.startsWith('_') || !column.mutable) {
    throw new OvsdbError('constraint violation', `Cannot mutate immutable column ${name} in table ${t.name}.`, syntaxText(json));
  }
  const type = column.type;
  const isSet = !type.value && !(type.min === 1 && type.max === 1);
  const mismatch = (): OvsdbError => syntaxError(`Type mismatch: "${op}" operator may not be applied to column ${name} of type ${typeToEnglish(type)}.`, json);
  switch (op) {
    case '+=': case '-=': case '*=': case '/=': case '%=': {
      const kt = type.key.type;
      if ((type.value || !(isScalar(type) || isSet)) || (kt !== 'integer' && kt !== 'real') || (op === '%=' && kt === 'real')) throw mismatch();
      // The argument is one number of the column's atomic type, without the column's constraints.
      const arg = parseDatum({ key: { type: kt }, min: 1, max: 1 }, value, resolve);
      return { kind: 'arith', column, op, arg: arg.keys[0] as number };
    }
    case 'insert': case 'delete': {
      if (!isSet && !type.value) throw mismatch();
      const argType = { ...type, min: 0, max: op === 'delete' ? UNLIMITED : type.max };
      try {
        return { kind: op, column, arg: parseDatum(argType, value, resolve), argIsMap: !!type.value };
      } catch (e) {
        // "delete" on a map also takes a set of keys.
        if (!(op === 'delete' && type.value)) throw e;
        return { kind: 'delete', column, arg: parseDatum({ key: type.key, min: 0, max: UNLIMITED }, value, resolve), argIsMap: false };
      }
    }
    default:
      throw new OvsdbError('unknown mutator', `No mutator named ${op}.`);
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
  if (integer ? (r >= TWO_63 || r < -TWO_63) : !Number.isFinite(r)) {
    throw new OvsdbError('range error', `Result of "${op}" operation is out of range.`);
  }
  return r;
}

/** Applies one mutation to a datum; throws the OVSDB error ovsdb-server would. */
export function applyMutation(m: Mutation, d: Datum): Datum {
  const t = m.column.type;
  if (m.kind === 'arith') {
    const integer = t.key.type === 'integer';
    const keys = d.keys.map((k) => arith(m.op, k as number, m.arg, integer) as Atom);
    for (const k of keys) {
      const why = atomViolation(t.key, k);
      if (why) throw constraintViolation(why);
    }
    keys.sort(compareAtoms);
    for (let i = 1; i < keys.length; i++) {
      if (compareAtoms(keys[i - 1]!, keys[i]!) === 0) throw constraintViolation(`Result of "${m.op}" operation contains duplicates.`);
    }
    return { keys, values: null };
  }
  const out = m.kind === 'insert' ? union(d, m.arg) : difference(d, m.arg, m.argIsMap);
  if (out.keys.length < t.min || out.keys.length > t.max) {
    throw constraintViolation(`Attempted to store ${out.keys.length} elements in ${typeToEnglish(t)}.`);
  }
  return out;
}

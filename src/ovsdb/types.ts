/**
 * OVSDB column types (RFC 7047 §3.2 <type>, <base-type>, <atomic-type>).
 *
 * A column type is a key base type, an optional value base type (then the
 * column is a map) and element-count bounds [min, max]; max may be
 * unlimited. A base type is an atomic type plus optional constraints: an
 * enumeration, integer/real ranges, string length bounds, and for uuids a
 * reference to another table, strong or weak.
 *
 * `toJSON` reproduces ovsdb-server's normalized form byte for byte, since
 * clients print it (`ovsdb-client list-columns`): the shortest spelling,
 * defaults omitted, enum members sorted.
 */
import { syntaxError } from './errors.js';
import { formatG15 } from './ovs-json.js';

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';
export type Atom = number | boolean | string;   // uuids are strings; the column type says which

const ATOMIC_TYPES = new Set<string>(['integer', 'real', 'boolean', 'string', 'uuid']);
export const UNLIMITED = Number.MAX_SAFE_INTEGER;
const INT64_MIN = -(2 ** 63), INT64_MAX = 2 ** 63 - 1;

export interface BaseType {
  readonly type: AtomicType;
  readonly enum?: readonly Atom[];        // sorted, unique
  readonly minInteger?: number;
  readonly maxInteger?: number;
  readonly minReal?: number;
  readonly maxReal?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly refTable?: string;
  readonly refType?: 'strong' | 'weak';
}

export interface ColumnType {
  readonly key: BaseType;
  readonly value?: BaseType;
  readonly min: number;
  readonly max: number;                   // UNLIMITED for "unlimited"
}

export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function compareAtoms(a: Atom, b: Atom): number {
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (typeof a === 'number') return a - (b as number);
  return (a ? 1 : 0) - (b ? 1 : 0);
}

/** Parses an atom of `type` from JSON, without constraint checks. Uuids come back unresolved (named-uuid). */
export function atomFromJson(type: AtomicType, json: unknown): Atom | { namedUuid: string } {
  switch (type) {
    case 'integer':
      if (typeof json === 'number' && Number.isInteger(json) && json >= INT64_MIN && json <= INT64_MAX) return json;
      throw syntaxError(`expected integer`, json);
    case 'real':
      if (typeof json === 'number' && Number.isFinite(json)) return json;
      throw syntaxError(`expected real`, json);
    case 'boolean':
      if (typeof json === 'boolean') return json;
      throw syntaxError(`expected boolean`, json);
    case 'string':
      if (typeof json === 'string') return json;
      throw syntaxError(`expected string`, json);
    case 'uuid':
      if (Array.isArray(json) && json.length === 2 && typeof json[1] === 'string') {
        if (json[0] === 'uuid' && UUID_RE.test(json[1])) return json[1].toLowerCase();
        if (json[0] === 'named-uuid') return { namedUuid: json[1] };
      }
      throw syntaxError(`expected uuid`, json);
  }
}

export function atomToJson(type: AtomicType, a: Atom): unknown {
  return type === 'uuid' ? ['uuid', a] : a;
}

export function defaultAtom(type: AtomicType): Atom {
  switch (type) {
    case 'integer': case 'real': return 0;
    case 'boolean': return false;
    case 'string': return '';
    case 'uuid': return '00000000-0000-0000-0000-000000000000';
  }
}

/**
 * Checks an atom against the base type's constraints; returns the reason,
 * worded as ovsdb-server words it, or null if it fits. Uuid references are
 * checked at commit time, not here.
 */
export function atomViolation(base: BaseType, a: Atom): string | null {
  if (base.enum && !base.enum.some((e) => compareAtoms(e, a) === 0)) {
    return `${atomToString(base.type, a)} is not one of the allowed values ([${base.enum.map((e) => atomToString(base.type, e)).join(', ')}])`;
  }
  if (base.type === 'integer' || base.type === 'real') {
    const n = a as number;
    const min = base.type === 'integer' ? base.minInteger : base.minReal;
    const max = base.type === 'integer' ? base.maxInteger : base.maxReal;
    if ((min === undefined || n >= min) && (max === undefined || n <= max)) return null;
    const f = (x: number): string => atomToString(base.type, x);
    if (min !== undefined && max !== undefined) return `${f(n)} is not in the valid range ${f(min)} to ${f(max)} (inclusive)`;
    if (min !== undefined) return `${f(n)} is less than minimum allowed value ${f(min)}`;
    return `${f(n)} is greater than maximum allowed value ${f(max!)}`;
  }
  if (base.type === 'string') {
    const len = [...(a as string)].length;
    if (base.minLength !== undefined && len < base.minLength) return `"${a}" length ${len} is less than minimum allowed length ${base.minLength}`;
    if (base.maxLength !== undefined && len > base.maxLength) return `"${a}" length ${len} is greater than maximum allowed length ${base.maxLength}`;
  }
  return null;
}

/**
 * An atom as ovsdb-server writes it into error details (and ovs-vsctl into
 * its output): strings bare when they read as an identifier that is not
 * `true`, `false` or a uuid, otherwise as JSON; reals as C's `%.15g`.
 */
export function atomToString(type: AtomicType, a: Atom): string {
  switch (type) {
    case 'integer': return String(a);
    case 'real': return formatG15(a as number);
    case 'boolean': return a ? 'true' : 'false';
    case 'uuid': return a as string;
    case 'string': return stringNeedsQuotes(a as string) ? JSON.stringify(a) : a as string;
  }
}

function stringNeedsQuotes(s: string): boolean {
  return !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) || s === 'true' || s === 'false' || UUID_RE.test(s);
}

/** A column type in words, as ovsdb-server's type-mismatch errors put it ("set of up to 4096 integers"). */
export function typeToEnglish(t: ColumnType): string {
  const key = t.key.type;
  if (t.min === 1 && t.max === 1 && !t.value) return key;
  let s = t.value ? 'map' : 'set';
  if (t.max === UNLIMITED) s += t.min ? ` of ${t.min} or more` : ' of';
  else s += t.min ? ` of ${t.min} to ${t.max}` : ` of up to ${t.max}`;
  return t.value ? `${s} (${key}, ${t.value.type}) pairs` : `${s} ${key}s`;
}

function parseBaseType(json: unknown, where: string): BaseType {
  if (typeof json === 'string') {
    if (!ATOMIC_TYPES.has(json)) throw syntaxError(`${where}: unknown atomic type "${json}"`, json);
    return { type: json as AtomicType };
  }
  if (!isObj(json) || typeof json.type !== 'string' || !ATOMIC_TYPES.has(json.type)) {
    throw syntaxError(`${where}: base type must be an atomic type name or an object with "type"`, json);
  }
  const type = json.type as AtomicType;
  const b: { -readonly [K in keyof BaseType]: BaseType[K] } = { type };
  const num = (k: string): number | undefined => {
    const v = json[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw syntaxError(`${where}: "${k}" must be a number`, v);
    return v;
  };
  if (json.enum !== undefined) {
    const members = Array.isArray(json.enum) && json.enum[0] === 'set' ? json.enum[1] : [json.enum];
    if (!Array.isArray(members)) throw syntaxError(`${where}: bad enum`, json.enum);
    const atoms = members.map((m) => {
      const a = atomFromJson(type, m);
      if (typeof a === 'object') throw syntaxError(`${where}: enum may not use named-uuid`, m);
      return a;
    });
    b.enum = [...new Map(atoms.map((a) => [a, a])).values()].sort(compareAtoms);
  }
  if (type === 'integer') { b.minInteger = num('minInteger'); b.maxInteger = num('maxInteger'); }
  if (type === 'real') { b.minReal = num('minReal'); b.maxReal = num('maxReal'); }
  if (type === 'string') { b.minLength = num('minLength'); b.maxLength = num('maxLength'); }
  if (type === 'uuid') {
    if (json.refTable !== undefined) {
      if (typeof json.refTable !== 'string') throw syntaxError(`${where}: refTable must be a string`, json.refTable);
      b.refTable = json.refTable;
      const rt = json.refType ?? 'strong';
      if (rt !== 'strong' && rt !== 'weak') throw syntaxError(`${where}: refType must be "strong" or "weak"`, rt);
      b.refType = rt;
    }
  }
  for (const k of Object.keys(b) as (keyof typeof b)[]) if (b[k] === undefined) delete b[k];
  return b;
}

function parseCount(v: unknown, dflt: number, where: string, allowUnlimited: boolean): number {
  if (v === undefined) return dflt;
  if (allowUnlimited && v === 'unlimited') return UNLIMITED;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw syntaxError(`${where}: bad element count`, v);
}

export function parseColumnType(json: unknown, where: string): ColumnType {
  if (typeof json === 'string') return { key: parseBaseType(json, where), min: 1, max: 1 };
  if (!isObj(json)) throw syntaxError(`${where}: bad type`, json);
  if (json.key === undefined) return { key: parseBaseType(json, where), min: 1, max: 1 };   // a bare <base-type> object
  const key = parseBaseType(json.key, where);
  const value = json.value === undefined ? undefined : parseBaseType(json.value, where);
  const min = parseCount(json.min, 1, where, false);
  const max = parseCount(json.max, 1, where, true);
  if (min > 1 || max < 1 || min > max) throw syntaxError(`${where}: ill-formed min/max`, json);
  return value ? { key, value, min, max } : { key, min, max };
}

function isSimpleBase(b: BaseType): boolean {
  return Object.keys(b).length === 1;
}

export function baseTypeToJson(b: BaseType): unknown {
  if (isSimpleBase(b)) return b.type;
  const o: Record<string, unknown> = {};
  // Sorted keys, as ovsdb-server prints them.
  if (b.enum) o.enum = ['set', b.enum.map((e) => atomToJson(b.type, e))];
  if (b.maxInteger !== undefined) o.maxInteger = b.maxInteger;
  if (b.maxLength !== undefined) o.maxLength = b.maxLength;
  if (b.maxReal !== undefined) o.maxReal = b.maxReal;
  if (b.minInteger !== undefined) o.minInteger = b.minInteger;
  if (b.minLength !== undefined) o.minLength = b.minLength;
  if (b.minReal !== undefined) o.minReal = b.minReal;
  if (b.refTable !== undefined) o.refTable = b.refTable;
  if (b.refType === 'weak') o.refType = 'weak';
  o.type = b.type;
  return o;
}

export function columnTypeToJson(t: ColumnType): unknown {
  if (!t.value && t.min === 1 && t.max === 1 && isSimpleBase(t.key)) return t.key.type;
  const o: Record<string, unknown> = { key: baseTypeToJson(t.key) };
  if (t.max !== 1) o.max = t.max === UNLIMITED ? 'unlimited' : t.max;
  if (t.min !== 1) o.min = t.min;
  if (t.value) o.value = baseTypeToJson(t.value);
  return o;
}

export function isMap(t: ColumnType): boolean {
  return t.value !== undefined;
}

export function isScalar(t: ColumnType): boolean {
  return t.min === 1 && t.max === 1 && !t.value;
}

/** True for "optional" columns (min 0, max 1) and real sets; false for scalars and maps. */
export function isSet(t: ColumnType): boolean {
  return !t.value && !(t.min === 1 && t.max === 1);
}

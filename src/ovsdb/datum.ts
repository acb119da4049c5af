/**
 * Datums: the value of one column in one row (RFC 7047 §5.1).
 *
 * Every datum is a sorted, duplicate-free array of keys, plus a parallel
 * array of values for maps. A scalar column is a datum with exactly one key;
 * an optional column has zero or one. Keeping every column in one shape
 * makes comparison, set arithmetic and (de)serialization a single code path,
 * and sorted keys make equality a linear walk.
 *
 * Datums are immutable once built: transactions replace them, never edit
 * them in place, so a row snapshot can be shared by the committed database,
 * monitors and in-flight transactions without copying.
 *
 * Wire form (`toJson`): maps are always ["map", [[k, v], …]]; a set with
 * exactly one element is written as the bare atom, otherwise ["set", […]];
 * uuids as ["uuid", "…"]. Parsing accepts both spellings of sets and, inside
 * a transaction, ["named-uuid", NAME] resolved through a symbol table.
 */
import {
  type Atom, type BaseType, type ColumnType, type AtomicType, compareAtoms, atomFromJson, atomToJson, atomViolation,
  atomToString, defaultAtom, UNLIMITED, UUID_RE,
} from './types.js';
import { OvsdbError, syntaxError, constraintViolation } from './errors.js';

export interface Datum {
  readonly keys: readonly Atom[];
  readonly values: readonly Atom[] | null;
}

export const EMPTY_SET: Datum = Object.freeze({ keys: Object.freeze([]) as readonly Atom[], values: null });
export const EMPTY_MAP: Datum = Object.freeze({ keys: Object.freeze([]) as readonly Atom[], values: Object.freeze([]) as readonly Atom[] });

/** Resolves a named-uuid within the current transaction; returns undefined when unknown. */
export type NamedUuidResolver = (name: string) => string | undefined;

export function scalar(a: Atom): Datum {
  return { keys: [a], values: null };
}

/**
 * The default of a column, as ovsdb-server defines it: empty for optional
 * columns and sets, otherwise the atomic type's default ("", 0, false, the
 * all-zeros uuid) — even for an enumerated column whose enum lacks it, as
 * the real server does, so files and replies agree with it byte for byte.
 */
export function defaultDatum(t: ColumnType): Datum {
  if (t.min === 0) return t.value ? EMPTY_MAP : EMPTY_SET;
  const k = defaultAtom(t.key.type);
  if (!t.value) return scalar(k);
  return { keys: [k], values: [defaultAtom(t.value.type)] };
}

function resolveAtom(type: AtomicType, json: unknown, resolve: NamedUuidResolver | undefined): Atom {
  const a = atomFromJson(type, json);
  if (typeof a !== 'object') return a;
  const u = resolve?.(a.namedUuid);
  if (u === undefined) throw syntaxError(`unknown named-uuid "${a.namedUuid}"`, json);
  return u;
}

/**
 * Parses a datum of type `t` from its wire form. Checks JSON types and, for
 * set literals, the element count (too many is a syntax error, as in
 * ovsdb-server); range/enum constraints are checked separately by
 * `checkConstraints` because they yield "constraint violation".
 */
export function datumFromJson(t: ColumnType, json: unknown, resolve?: NamedUuidResolver): Datum {
  let keys: Atom[];
  let values: Atom[] | null = null;
  if (t.value) {
    if (!Array.isArray(json) || json.length !== 2 || json[0] !== 'map' || !Array.isArray(json[1])) {
      throw syntaxError('expected map', json);
    }
    const pairs: [Atom, Atom][] = [];
    for (const p of json[1] as unknown[]) {
      if (!Array.isArray(p) || p.length !== 2) throw syntaxError('expected [key, value] pair', p);
      pairs.push([resolveAtom(t.key.type, p[0], resolve), resolveAtom(t.value.type, p[1], resolve)]);
    }
    pairs.sort((a, b) => compareAtoms(a[0], b[0]));
    keys = []; values = [];
    for (const [k, v] of pairs) {
      if (keys.length && compareAtoms(keys[keys.length - 1]!, k) === 0) {
        throw syntaxError('map contains duplicate key', json);
      }
      keys.push(k); values.push(v);
    }
  } else if (Array.isArray(json) && json.length === 2 && json[0] === 'set') {
    if (!Array.isArray(json[1])) throw syntaxError('expected set', json);
    keys = (json[1] as unknown[]).map((j) => resolveAtom(t.key.type, j, resolve));
    keys = sortUnique(keys);
  } else {
    keys = [resolveAtom(t.key.type, json, resolve)];
  }
  if (keys.length > t.max) throw syntaxError(`set with ${keys.length} elements exceeds maximum of ${t.max}`, json);
  if (keys.length < t.min) throw syntaxError(`set with ${keys.length} elements is below minimum of ${t.min}`, json);
  return { keys, values };
}

const UINT_MAX = 4294967295;

/**
 * Parses a datum as ovsdb-server parses the values of a transaction: the
 * element count must fit the type ("set must have exactly one member but 2
 * are present"), every atom must meet its constraints (the first one that
 * does not is a "constraint violation"), and duplicates are refused ("set
 * contains duplicate"). Syntax errors carry the offending JSON.
 */
export function parseDatum(t: ColumnType, json: unknown, resolve?: NamedUuidResolver): Datum {
  const isMap = t.value !== undefined;
  if (!isMap && !(Array.isArray(json) && json.length > 0 && json[0] === 'set')) {
    return { keys: [parseAtom(t.key, json, resolve)], values: null };
  }
  const cls = isMap ? 'map' : 'set';
  if (!Array.isArray(json) || json.length !== 2 || json[0] !== cls || !Array.isArray(json[1])) {
    throw syntaxError(`expected ["${cls}", <array>]`, json);
  }
  const inner = json[1] as unknown[];
  const n = inner.length;
  if (n < t.min || n > t.max) {
    throw syntaxError(t.min === 1 && t.max === 1
      ? `${cls} must have exactly one member but ${n} are present`
      : `${cls} must have ${t.min} to ${t.max === UNLIMITED ? UINT_MAX : t.max} members but ${n} are present`, json);
  }
  const pairs: [Atom, Atom | null][] = inner.map((e) => {
    if (!isMap) return [parseAtom(t.key, e, resolve), null];
    if (!Array.isArray(e) || e.length !== 2) throw syntaxError('expected 2-element array', e);
    return [parseAtom(t.key, e[0], resolve), parseAtom(t.value!, e[1], resolve)];
  });
  pairs.sort((a, b) => compareAtoms(a[0], b[0]));
  for (let i = 1; i < pairs.length; i++) {
    if (compareAtoms(pairs[i - 1]![0], pairs[i]![0]) === 0) {
      throw new OvsdbError('ovsdb error', isMap ? 'map contains duplicate key' : 'set contains duplicate');
    }
  }
  return { keys: pairs.map((p) => p[0]), values: isMap ? pairs.map((p) => p[1]!) : null };
}

function parseAtom(base: BaseType, json: unknown, resolve: NamedUuidResolver | undefined): Atom {
  const a = parseAtomUnchecked(base.type, json, resolve);
  const why = atomViolation(base, a);
  if (why) throw constraintViolation(why);
  return a;
}

function parseAtomUnchecked(type: AtomicType, json: unknown, resolve: NamedUuidResolver | undefined): Atom {
  if (type !== 'uuid') {
    const a = atomFromJson(type, json);
    return a as Atom;
  }
  const pair = Array.isArray(json) && json.length === 2 && typeof json[1] === 'string' ? json as [unknown, string] : null;
  if (pair?.[0] === 'uuid') {
    if (!UUID_RE.test(pair[1])) throw syntaxError(`"${pair[1]}" is not a valid UUID`, json);
    return pair[1].toLowerCase();
  }
  if (resolve && pair?.[0] === 'named-uuid') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair[1])) throw syntaxError('named-uuid string is not a valid <id>', json);
    const u = resolve(pair[1]);
    if (u !== undefined) return u;
  }
  throw syntaxError('expected ["uuid", <string>]', json);
}

function sortUnique(a: Atom[]): Atom[] {
  a.sort(compareAtoms);
  let w = 0;
  for (let r = 0; r < a.length; r++) if (w === 0 || compareAtoms(a[w - 1]!, a[r]!) !== 0) a[w++] = a[r]!;
  a.length = w;
  return a;
}

export function datumToJson(t: ColumnType, d: Datum): unknown {
  const kt = t.key.type;
  if (t.value) {
    const vt = t.value.type;
    return ['map', d.keys.map((k, i) => [atomToJson(kt, k), atomToJson(vt, d.values![i]!)])];
  }
  if (d.keys.length === 1) return atomToJson(kt, d.keys[0]!);
  return ['set', d.keys.map((k) => atomToJson(kt, k))];
}

/**
 * The first constraint a datum breaks (keys first, then values), as
 * ovsdb-server reports it, or null. Element counts are not checked here.
 */
export function datumViolation(t: ColumnType, d: Datum): OvsdbError | null {
  for (const k of d.keys) {
    const why = atomViolation(t.key, k);
    if (why) return constraintViolation(why);
  }
  if (t.value) {
    for (const v of d.values!) {
      const why = atomViolation(t.value, v);
      if (why) return constraintViolation(why);
    }
  }
  return null;
}

/** A datum as ovsdb-server writes it into error details: "br0", "[1, 2]", "{a=b}". */
export function datumToString(t: ColumnType, d: Datum): string {
  const parts = d.keys.map((k, i) => atomToString(t.key.type, k) + (t.value ? `=${atomToString(t.value.type, d.values![i]!)}` : ''));
  const s = parts.join(', ');
  return t.max > 1 || d.keys.length === 0 ? (t.value ? `{${s}}` : `[${s}]`) : s;
}

/** ovsdb-server's order on datums of one type: by element count, then keys, then values. */
export function compareDatums3way(a: Datum, b: Datum): number {
  if (a.keys.length !== b.keys.length) return a.keys.length < b.keys.length ? -1 : 1;
  for (let i = 0; i < a.keys.length; i++) {
    const c = compareAtoms(a.keys[i]!, b.keys[i]!);
    if (c) return c < 0 ? -1 : 1;
  }
  if (a.values && b.values) {
    for (let i = 0; i < a.values.length; i++) {
      const c = compareAtoms(a.values[i]!, b.values[i]!);
      if (c) return c < 0 ? -1 : 1;
    }
  }
  return 0;
}

export function datumEquals(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  const n = a.keys.length;
  if (n !== b.keys.length) return false;
  for (let i = 0; i < n; i++) if (compareAtoms(a.keys[i]!, b.keys[i]!) !== 0) return false;
  if (a.values && b.values) {
    for (let i = 0; i < n; i++) if (compareAtoms(a.values[i]!, b.values[i]!) !== 0) return false;
  }
  return true;
}

/** Total order on datums of one type (used for index keys and `<` conditions on scalars). */
export function compareDatums(a: Datum, b: Datum): number {
  const n = Math.min(a.keys.length, b.keys.length);
  for (let i = 0; i < n; i++) {
    const c = compareAtoms(a.keys[i]!, b.keys[i]!);
    if (c) return c;
    if (a.values && b.values) {
      const cv = compareAtoms(a.values[i]!, b.values[i]!);
      if (cv) return cv;
    }
  }
  return a.keys.length - b.keys.length;
}

export function findKey(d: Datum, k: Atom): number {
  let lo = 0, hi = d.keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareAtoms(d.keys[mid]!, k);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/** True if every element (set) or pair (map) of `b` is in `a`. */
export function includes(a: Datum, b: Datum): boolean {
  for (let i = 0; i < b.keys.length; i++) {
    const j = findKey(a, b.keys[i]!);
    if (j < 0) return false;
    if (a.values && b.values && compareAtoms(a.values[j]!, b.values[i]!) !== 0) return false;
  }
  return true;
}

/** True if no element (set) or pair (map) of `b` is in `a`. */
export function excludes(a: Datum, b: Datum): boolean {
  for (let i = 0; i < b.keys.length; i++) {
    const j = findKey(a, b.keys[i]!);
    if (j >= 0 && (!a.values || !b.values || compareAtoms(a.values[j]!, b.values[i]!) === 0)) return false;
  }
  return true;
}

/** Set/map union; for maps, keys already in `a` keep a's value (RFC 7047 mutate "insert"). */
export function union(a: Datum, b: Datum): Datum {
  const keys: Atom[] = [], values: Atom[] | null = a.values ? [] : null;
  let i = 0, j = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const c = i >= a.keys.length ? 1 : j >= b.keys.length ? -1 : compareAtoms(a.keys[i]!, b.keys[j]!);
    if (c <= 0) {
      keys.push(a.keys[i]!); values?.push(a.values![i]!);
      i++; if (c === 0) j++;
    } else {
      keys.push(b.keys[j]!); values?.push(b.values![j]!);
      j++;
    }
  }
  return { keys, values };
}

/**
 * Removes from `a` the elements of `b`. With `b` a set of keys applied to a
 * map, removes those keys; with `b` a map, removes only pairs whose key and
 * value both match (RFC 7047 mutate "delete").
 */
export function difference(a: Datum, b: Datum, matchValues: boolean): Datum {
  const keys: Atom[] = [], values: Atom[] | null = a.values ? [] : null;
  for (let i = 0; i < a.keys.length; i++) {
    const j = findKey(b, a.keys[i]!);
    const drop = j >= 0 && (!matchValues || !a.values || compareAtoms(a.values[i]!, b.values![j]!) === 0);
    if (!drop) { keys.push(a.keys[i]!); values?.push(a.values![i]!); }
  }
  return { keys, values };
}

/** Applies an update2-style diff (RFC 7047 extension used by OVS): set = symmetric difference; map pairs add/replace/remove. */
export function applyDiff(a: Datum, diff: Datum): Datum {
  if (!a.values) {
    const keys: Atom[] = [];
    let i = 0, j = 0;
    while (i < a.keys.length || j < diff.keys.length) {
      const c = i >= a.keys.length ? 1 : j >= diff.keys.length ? -1 : compareAtoms(a.keys[i]!, diff.keys[j]!);
      if (c < 0) keys.push(a.keys[i++]!);
      else if (c > 0) keys.push(diff.keys[j++]!);
      else { i++; j++; }
    }
    return { keys, values: null };
  }
  const m = new Map<Atom, Atom>();
  a.keys.forEach((k, i) => m.set(k, a.values![i]!));
  diff.keys.forEach((k, i) => {
    const v = diff.values![i]!;
    if (m.has(k) && compareAtoms(m.get(k)!, v) === 0) m.delete(k);
    else m.set(k, v);
  });
  const keys = sortUnique([...m.keys()]);
  return { keys, values: keys.map((k) => m.get(k)!) };
}

/** Computes the diff that `applyDiff(a, diff) == b` (used for update2 "modify"). */
export function makeDiff(a: Datum, b: Datum): Datum {
  if (!a.values) {
    const keys: Atom[] = [];
    let i = 0, j = 0;
    while (i < a.keys.length || j < b.keys.length) {
      const c = i >= a.keys.length ? 1 : j >= b.keys.length ? -1 : compareAtoms(a.keys[i]!, b.keys[j]!);
      if (c < 0) keys.push(a.keys[i++]!);
      else if (c > 0) keys.push(b.keys[j++]!);
      else { i++; j++; }
    }
    return { keys, values: null };
  }
  const keys: Atom[] = [], values: Atom[] = [];
  const bm = new Map<Atom, Atom>();
  b.keys.forEach((k, i) => bm.set(k, b.values![i]!));
  const am = new Map<Atom, Atom>();
  a.keys.forEach((k, i) => am.set(k, a.values![i]!));
  const all = sortUnique([...a.keys, ...b.keys]);
  for (const k of all) {
    const av = am.get(k), bv = bm.get(k);
    if (bv === undefined) { keys.push(k); values.push(av!); }                 // removed: pair with the old value
    else if (av === undefined || compareAtoms(av, bv) !== 0) { keys.push(k); values.push(bv); }  // added or changed
  }
  return { keys, values };
}

/** The uuids a datum refers to through columns of type `refTable`. */
export function refsOf(t: ColumnType, d: Datum, out: (uuid: string, table: string, weak: boolean) => void): void {
  if (t.key.refTable) for (const k of d.keys) out(k as string, t.key.refTable, t.key.refType === 'weak');
  if (t.value?.refTable) for (const v of d.values!) out(v as string, t.value.refTable, t.value.refType === 'weak');
}

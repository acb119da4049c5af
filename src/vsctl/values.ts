/**
 * The "Database Values" syntax of ovs-vsctl(8): how command-line words
 * become datums and how datums are printed back.
 *
 * Input: a value is a series of atoms separated by commas or spaces,
 * optionally enclosed in `[...]` (sets) or `{...}` (maps, `key=value`
 * pairs); the empty set and map need the brackets. An atom is a token that
 * runs to the next delimiter (`:=, []{}!<>`), where a backslash escapes a
 * delimiter and double quotes make a JSON string in which delimiters lose
 * their meaning. Integers may be written as inclusive ranges `A-B` where a
 * set (or map key) is expected; booleans accept true/yes/on/1 and
 * false/no/off/0; uuids may be `@name` symbols that the command chain
 * creates with `--id=@name`. Every atom is checked against its base type's
 * constraints as it is parsed, so `tag=5000` fails before any transaction
 * with the same "constraint violation" text ovs-vsctl prints.
 *
 * Output: `toString` forms can be parsed back (strings quoted when they are
 * not plain identifiers, sets in `[]` unless the column holds at most one
 * value, maps in `{}`); `toBare` forms drop the punctuation for shell
 * scripts. Reals print as C's `%.15g`.
 *
 * Error texts are ovs-vsctl's, word for word: scripts and the parity suite
 * compare them.
 */
import { type Atom, type AtomicType, type BaseType, type ColumnType, UNLIMITED, atomToString, compareAtoms } from '../ovsdb/types.js';
import { type Datum, datumToString } from '../ovsdb/datum.js';

/** Maximum number of integers one `A-B` range may expand to. */
const MAX_RANGE_SIZE = 4096;
/** What C prints for an unlimited element count (`UINT_MAX`). */
export const UINT_MAX = 4294967295;

export class ValueError extends Error {}

/** `--id=@name` symbols: each stands for the uuid of a row the chain creates. */
export interface SymbolTable {
  /** Returns the symbol's uuid, creating the symbol on first use; notes how it is referenced. */
  reference(name: string, base: BaseType): string;
}

const DELIMITERS = ':=, []{}!<>';

export function isDelimiter(c: string): boolean {
  return c === '' || DELIMITERS.includes(c);
}

export interface Token { token: string; end: number }

/**
 * Reads one token of `s` from `pos`: up to the next unquoted, unescaped
 * delimiter. Backslashes outside quotes are removed; quotes are kept.
 */
export function parseToken(s: string, pos: number): Token {
  let out = '';
  let inQuotes = false;
  let p = pos;
  while (p < s.length) {
    const c = s[p++]!;
    if (c === '\\') {
      if (inQuotes) out += '\\';
      if (p >= s.length) throw new ValueError(`${s.slice(pos)}: backslash at end of argument`);
      out += s[p++]!;
    } else if (!inQuotes && DELIMITERS.includes(c)) {
      p--;
      break;
    } else {
      out += c;
      if (c === '"') inQuotes = !inQuotes;
    }
  }
  if (inQuotes) throw new ValueError(`${s.slice(pos)}: quoted string extends past end of argument`);
  return { token: out, end: p };
}

/** C's strtoll() over the whole string, base 10: optional spaces and sign, digits, nothing after. */
function parseInteger(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  if (!Number.isFinite(n) || Math.abs(n) > 2 ** 63) return null;
  return n === 0 ? 0 : n;
}

/** C's strtod() over the whole string. */
function parseReal(s: string): number | null {
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(t)) return Number(t) || 0;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return Number(t.replace(/^([+-]?)0[xX]/, '$10x')) || 0;
  return null;
}

/** Unescapes the inside of a JSON string the way OVS does; returns an error text on failure. */
function unescapeJson(s: string): { value: string } | { error: string } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') { out += c; continue; }
    const e = s[++i];
    switch (e) {
      case '"': case '\\': case '/': out += e; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return { error: 'malformed \\u escape' };
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        return { error: `bad escape \\${e ?? ''}` };
    }
  }
  return { value: out };
}

/** C's printf("%.15g"). */
export function formatReal(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(15)))));
  if (exp < -4 || exp >= 15) {
    const [mant, e] = x.toExponential(14).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const f = x.toFixed(Math.max(0, 14 - exp));
  return f.includes('.') ? f.replace(/0+$/, '').replace(/\.$/, '') : f;
}

function datumEnglish(t: ColumnType): string {
  const k = t.key.type;
  if (!t.value && t.min === 1 && t.max === 1) return k;
  let s = t.value ? 'map' : 'set';
  const max = t.max >= UNLIMITED ? UINT_MAX : t.max;
  if (max === UINT_MAX) s += t.min ? ` of ${t.min} or more` : ' of';
  else if (t.min) s += ` of ${t.min} to ${max}`;
  else s += ` of up to ${max}`;
  return t.value ? `${s} (${k}, ${t.value.type}) pairs` : `${s} ${k}s`;
}

/** Checks an atom against enum/range/length constraints, in ovs-vsctl's words. */
export function atomConstraintError(base: BaseType, a: Atom): string | null {
  if (base.enum && !base.enum.some((e) => compareAtoms(e, a) === 0)) {
    const allowed = datumToString({ key: { type: base.type }, min: 1, max: UNLIMITED }, { keys: base.enum, values: null });
    return `constraint violation: ${atomToString(base.type, a)} is not one of the allowed values (${allowed})`;
  }
  if (base.type === 'integer') {
    const n = a as number, lo = base.minInteger, hi = base.maxInteger;
    if ((lo === undefined || n >= lo) && (hi === undefined || n <= hi)) return null;
    if (lo !== undefined && hi !== undefined) return `constraint violation: ${n} is not in the valid range ${lo} to ${hi} (inclusive)`;
    if (lo !== undefined) return `constraint violation: ${n} is less than minimum allowed value ${lo}`;
    return `constraint violation: ${n} is greater than maximum allowed value ${hi}`;
  }
  if (base.type === 'real') {
    const n = a as number, lo = base.minReal, hi = base.maxReal;
    if ((lo === undefined || n >= lo) && (hi === undefined || n <= hi)) return null;
    const f = formatReal;
    if (lo !== undefined && hi !== undefined) return `constraint violation: ${f(n)} is not in the valid range ${f(lo)} to ${f(hi)} (inclusive)`;
    if (lo !== undefined) return `constraint violation: ${f(n)} is less than minimum allowed value ${f(lo)}`;
    return `constraint violation: ${f(n)} is greater than maximum allowed value ${f(hi!)}`;
  }
  if (base.type === 'string') {
    const s = a as string, len = [...s].length;
    if (base.minLength !== undefined && len < base.minLength) {
      return `constraint violation: "${s}" length ${len} is less than minimum allowed length ${base.minLength}`;
    }
    if (base.maxLength !== undefined && len > base.maxLength) {
      return `constraint violation: "${s}" length ${len} is greater than maximum allowed length ${base.maxLength}`;
    }
  }
  return null;
}

export const UUID_STRING_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

interface ParsedAtom { atom: Atom; rangeEnd?: number }

/** Parses one atom (already a token) of base type `base`; `allowRange` for set elements and map keys. */
export function atomFromString(base: BaseType, s: string, symtab: SymbolTable | null, allowRange = false): ParsedAtom {
  const parsed = atomFromStringUnchecked(base, s, symtab, allowRange);
  let err = atomConstraintError(base, parsed.atom);
  if (!err && parsed.rangeEnd !== undefined) {
    const start = parsed.atom as number, end = parsed.rangeEnd;
    if (base.enum) {
      for (let i = start + 1; i <= end && !err; i++) err = atomConstraintError(base, i);
    } else {
      err = atomConstraintError(base, end);
    }
    if (!err && end - start >= MAX_RANGE_SIZE) {
      err = `constraint violation: Range "${start}-${end}" is too big. Maximum allowed size is ${MAX_RANGE_SIZE}.`;
    }
  }
  if (err) throw new ValueError(err);
  return parsed;
}

function atomFromStringUnchecked(base: BaseType, s: string, symtab: SymbolTable | null, allowRange: boolean): ParsedAtom {
  switch (base.type) {
    case 'integer': {
      if (allowRange) {
        const m = /^([ \t\n\v\f\r]*[+-]?\d+)-(.*)$/.exec(s);
        const begin = m ? parseInteger(m[1]!) : null;
        const end = m ? parseInteger(m[2]!) : null;
        if (begin !== null && end !== null) {
          if (end < begin) throw new ValueError(`"${s}" is not a valid range. Range end cannot be before start.`);
          return { atom: begin, rangeEnd: end };
        }
      }
      const n = parseInteger(s);
      if (n === null) throw new ValueError(`"${s}" is not a valid integer or range`);
      return { atom: n };
    }
    case 'real': {
      const n = parseReal(s);
      if (n === null) throw new ValueError(`"${s}" is not a valid real number`);
      return { atom: n };
    }
    case 'boolean':
      if (['true', 'yes', 'on', '1'].includes(s)) return { atom: true };
      if (['false', 'no', 'off', '0'].includes(s)) return { atom: false };
      throw new ValueError(`"${s}" is not a valid boolean (use "true" or "false")`);
    case 'string':
      if (s === '') throw new ValueError('An empty string is not valid as input; use "" to represent the empty string');
      if (s.startsWith('"')) {
        if (s.length < 2 || !s.endsWith('"')) throw new ValueError(`${s}: missing quote at end of quoted string`);
        const r = unescapeJson(s.slice(1, -1));
        if ('error' in r) throw new ValueError(`${s}: ${r.error}`);
        return { atom: r.value };
      }
      return { atom: s };
    case 'uuid':
      if (s.startsWith('@') && symtab) return { atom: symtab.reference(s, base) };
      if (!UUID_STRING_RE.test(s)) throw new ValueError(`"${s}" is not a valid UUID`);
      return { atom: s.toLowerCase() };
  }
}

/** Parses a token from `s` at `pos` and converts it to an atom. */
function parseAtomToken(s: string, pos: number, base: BaseType, symtab: SymbolTable | null, allowRange: boolean): ParsedAtom & { end: number } {
  const t = parseToken(s, pos);
  return { ...atomFromString(base, t.token, symtab, allowRange), end: t.end };
}

function skipSpaces(s: string, p: number): number {
  while (p < s.length && /\s/.test(s[p]!)) p++;
  return p;
}

/**
 * Parses a whole datum of type `t` from one command-line word, checking
 * element counts against t.min/t.max and rejecting duplicates.
 */
export function datumFromString(t: ColumnType, s: string, symtab: SymbolTable | null): Datum {
  const isMap = t.value !== undefined;
  let p = skipSpaces(s, 0);
  let endDelim = '';
  if (s[p] === (isMap ? '{' : '[')) {
    endDelim = isMap ? '}' : ']';
    p = skipSpaces(s, p + 1);
  } else if (p >= s.length) {
    throw new ValueError(isMap ? 'use "{}" to specify the empty map' : 'use "[]" to specify the empty set');
  }
  const pairs: [Atom, Atom | null][] = [];
  while (p < s.length && s[p] !== endDelim) {
    const c = s[p]!;
    if (DELIMITERS.includes(c)) throw new ValueError(`${s}: unexpected "${c}" parsing ${datumEnglish(t)}`);
    const start = p;
    const key = parseAtomToken(s, p, t.key, symtab, true);
    p = key.end;
    let value: Atom | null = null;
    if (t.value) {
      p = skipSpaces(s, p);
      if (s[p] !== '=') throw new ValueError(`${s.slice(start)}: syntax error at "${s[p] ?? ''}" expecting "="`);
      p = skipSpaces(s, p + 1);
      const v = parseAtomToken(s, p, t.value, symtab, false);
      p = v.end;
      value = v.atom;
    }
    if (key.rangeEnd !== undefined) {
      for (let i = key.atom as number; i <= key.rangeEnd; i++) pairs.push([i, value]);
    } else {
      pairs.push([key.atom, value]);
    }
    p = skipSpaces(s, p);
    if (s[p] === ',') p = skipSpaces(s, p + 1);
  }
  if ((s[p] ?? '') !== endDelim) throw new ValueError(`${s}: missing "${endDelim}" at end of data`);
  if (endDelim && skipSpaces(s, p + 1) < s.length) throw new ValueError(`${s}: trailing garbage after "${endDelim}"`);
  const max = t.max >= UNLIMITED ? UINT_MAX : t.max;
  const what = isMap ? 'pair(s)' : 'value(s)';
  if (pairs.length < t.min) throw new ValueError(`${s}: ${pairs.length} ${what} specified but the minimum number is ${t.min}`);
  if (pairs.length > max) throw new ValueError(`${s}: ${pairs.length} ${what} specified but the maximum number is ${max}`);
  pairs.sort((a, b) => compareAtoms(a[0], b[0]));
  for (let i = 1; i < pairs.length; i++) {
    if (compareAtoms(pairs[i - 1]![0], pairs[i]![0]) === 0) {
      throw new ValueError(isMap ? `${s}: map contains duplicate key` : `${s}: set contains duplicate value`);
    }
  }
  return { keys: pairs.map((x) => x[0]), values: isMap ? pairs.map((x) => x[1]!) : null };
}

// Atoms and datums as ovsdb-server and ovs-vsctl print them: the database layer's own formatting.
export { atomToString, datumToString };

export function atomToBare(type: AtomicType, a: Atom): string {
  return type === 'string' ? (a as string) : atomToString(type, a);
}

export function datumToBare(t: ColumnType, d: Datum): string {
  return d.keys.map((k, i) =>
    t.value ? `${atomToBare(t.key.type, k)}=${atomToBare(t.value.type, d.values![i]!)}` : atomToBare(t.key.type, k)).join(' ');
}

/** True if `d` is the column's default value (what `show` omits). */
export function isDefaultDatum(t: ColumnType, d: Datum): boolean {
  if (t.min === 0) return d.keys.length === 0;
  if (d.keys.length !== 1) return false;
  const dflt = (b: BaseType): Atom => b.enum ? b.enum[0]! : b.type === 'string' ? '' : b.type === 'boolean' ? false
    : b.type === 'uuid' ? '00000000-0000-0000-0000-000000000000' : 0;
  if (compareAtoms(d.keys[0]!, dflt(t.key)) !== 0) return false;
  return !t.value || compareAtoms(d.values![0]!, dflt(t.value)) === 0;
}

/**
 * Neutron's attribute converters and validators (neutron-lib's
 * `converters` and `validators`), as pure functions that either return the
 * converted value or throw the 400 ApiError Neutron would answer with.
 *
 * Leniency follows Neutron's, because the real clients rely on it: integers
 * may arrive as strings ("204" from `--provider-segment 204`), booleans as
 * "True"/"false"/"1"; anything beyond that is refused.
 */
import { invalidAttr, badRequest } from '../errors.js';
import { normalizeIp, parseCidr, formatCidr } from './ip.js';

export type Converter<T> = (value: unknown, attr: string) => T;

export const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const MAC_RE = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

/** True for a string without NUL and without lone UTF-16 surrogates (the database stores UTF-8). */
export function isCleanString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

export function toString(max = 255): Converter<string> {
  return (v, attr) => {
    if (typeof v !== 'string') throw invalidAttr(attr, `'${show(v)}' is not a valid string`);
    if (v.length > max) throw invalidAttr(attr, `'${v.slice(0, 40)}…' exceeds maximum length of ${max}`);
    if (!isCleanString(v)) throw invalidAttr(attr, `'${show(v)}' is not a valid string`);
    return v;
  };
}

export const toName = toString(255);

export const toBool: Converter<boolean> = (v, attr) => {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
  }
  throw invalidAttr(attr, `'${show(v)}' cannot be converted to boolean`);
};

export function toInt(min: number, max: number): Converter<number> {
  return (v, attr) => {
    let n: number;
    if (typeof v === 'number' && Number.isInteger(v)) n = v;
    else if (typeof v === 'string' && /^-?[0-9]{1,12}$/.test(v.trim())) n = Number(v.trim());
    else throw invalidAttr(attr, `'${show(v)}' is not an integer`);
    if (n < min || n > max) throw invalidAttr(attr, `'${n}' is not in range ${min} through ${max}`);
    return n;
  };
}

export function nullable<T>(c: Converter<T>): Converter<T | null> {
  return (v, attr) => (v === null ? null : c(v, attr));
}

export const toUuid: Converter<string> = (v, attr) => {
  if (typeof v !== 'string' || !UUID_RE.test(v)) throw invalidAttr(attr, `'${show(v)}' is not a valid UUID`);
  return v.toLowerCase();
};

export const toMac: Converter<string> = (v, attr) => {
  if (typeof v !== 'string' || !MAC_RE.test(v)) throw invalidAttr(attr, `'${show(v)}' is not a valid MAC address`);
  const mac = v.toLowerCase().replace(/-/g, ':');
  const first = parseInt(mac.slice(0, 2), 16);
  if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff' || (first & 1) === 1) {
    throw invalidAttr(attr, `'${v}' is not a valid MAC address`);
  }
  return mac;
};

export const toIp: Converter<string> = (v, attr) => {
  const ip = normalizeIp(v);
  if (ip === null) throw invalidAttr(attr, `'${show(v)}' is not a valid IP address`);
  return ip;
};

/** A subnet cidr: host bits must be zero, as Neutron insists. */
export const toSubnetCidr: Converter<string> = (v, attr) => {
  const strict = parseCidr(v, true);
  if (strict) return formatCidr(strict);
  const loose = parseCidr(v, false);
  if (loose) throw invalidAttr(attr, `'${show(v)}' isn't a recognized IP subnet cidr, '${formatCidr(loose)}' is recommended`);
  throw invalidAttr(attr, `'${show(v)}' is not a valid IP subnet`);
};

/** An address or a prefix, each kept in its own form (allowed address pairs: "10.0.0.9" or "10.0.0.0/24"). */
export const toIpOrPrefix: Converter<string> = (v, attr) => {
  if (typeof v === 'string' && !v.includes('/')) return toIp(v, attr);
  return toPrefix(v, attr);
};

/** An IP prefix where host bits are tolerated and cleared (remote_ip_prefix, destinations). */
export const toPrefix: Converter<string> = (v, attr) => {
  const c = parseCidr(v, false);
  if (!c) throw invalidAttr(attr, `'${show(v)}' is not a valid IP subnet`);
  return formatCidr(c);
};

export function toEnum<T extends string>(values: readonly T[]): Converter<T> {
  return (v, attr) => {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      throw invalidAttr(attr, `'${show(v)}' is not in [${values.map((x) => `'${x}'`).join(', ')}]`);
    }
    return v as T;
  };
}

export function toList<T>(item: Converter<T>, max = 1000): Converter<T[]> {
  return (v, attr) => {
    if (!Array.isArray(v)) throw invalidAttr(attr, `'${show(v)}' is not a list`);
    if (v.length > max) throw invalidAttr(attr, `list exceeds maximum length of ${max}`);
    return v.map((x) => item(x, attr));
  };
}

/** A list of unique items (Neutron refuses duplicates in dns_nameservers, security_groups, hints). */
export function toUniqueList<T>(item: Converter<T>, max = 1000): Converter<T[]> {
  const list = toList(item, max);
  return (v, attr) => {
    const xs = list(v, attr);
    const seen = new Set<string>();
    for (const x of xs) {
      const k = JSON.stringify(x);
      if (seen.has(k)) throw invalidAttr(attr, `Duplicate items in the list: '${String(x)}'`);
      seen.add(k);
    }
    return xs;
  };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function toDict<T>(fields: Record<string, Converter<unknown>>, required: readonly string[], build: (o: Record<string, unknown>) => T): Converter<T> {
  return (v, attr) => {
    if (!isObject(v)) throw invalidAttr(attr, `'${show(v)}' is not a dictionary`);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const c = fields[k];
      if (!c) throw invalidAttr(attr, `Unexpected keys supplied: ${k}`);
      out[k] = c(v[k], attr);
    }
    for (const k of required) if (!(k in out)) throw invalidAttr(attr, `Validation of dictionary's keys failed. Expected keys: {'${required.join("', '")}'}`);
    return build(out);
  };
}

export const toStringMap: Converter<Record<string, unknown>> = (v, attr) => {
  if (!isObject(v)) throw invalidAttr(attr, `'${show(v)}' is not a dictionary`);
  const s = JSON.stringify(v);
  if (s.length > 4096) throw invalidAttr(attr, 'dictionary too large');
  if (!isCleanString(s)) throw invalidAttr(attr, 'not a valid dictionary');
  return v;
};

/** A tag: Neutron allows up to 255 characters and no commas (filters split on them). */
export const toTag: Converter<string> = (v, attr) => {
  const s = toString(255)(v, attr);
  if (s.length === 0) throw invalidAttr(attr, `'' is not a valid tag`);
  if (s.includes(',')) throw badRequest(`'${s}' contains ','`);
  return s;
};

/** A short, printable rendering of a bad value for an error message. */
export function show(v: unknown): string {
  let s: string;
  try { s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v); } catch { s = String(v); }
  s = s.replace(/[^\x20-\x7e]/g, '?');
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

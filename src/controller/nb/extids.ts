/**
 * Neutron attributes kept in a northbound row's `external_ids`, as ML2/OVN
 * keeps its own (`neutron:revision_number`, `neutron:project_id`, …). The
 * values are strings; lists are comma-separated where Neutron's driver
 * does so and JSON where an element could itself contain a comma (tags,
 * address pairs, fixed IPs).
 *
 * Decoding is lenient: a key missing or mangled (an operator edited the row
 * with ovn-nbctl) yields the attribute's default rather than an error, so
 * one odd row cannot make a whole listing fail.
 */
import type { Standard } from '../model/types.js';

export class ExtIds {
  constructor(readonly map: ReadonlyMap<string, string>) {}

  has(k: string): boolean {
    return this.map.has(k);
  }

  str(k: string, dflt = ''): string {
    return this.map.get(k) ?? dflt;
  }

  optStr(k: string): string | null {
    const v = this.map.get(k);
    return v === undefined || v === '' ? null : v;
  }

  bool(k: string, dflt: boolean): boolean {
    const v = this.map.get(k)?.toLowerCase();
    return v === 'true' ? true : v === 'false' ? false : dflt;
  }

  int(k: string, dflt: number): number {
    const v = this.map.get(k);
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : dflt;
  }

  optInt(k: string): number | null {
    const v = this.map.get(k);
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null;
  }

  list(k: string, sep = ','): string[] {
    const v = this.map.get(k);
    return v ? v.split(sep).filter(Boolean) : [];
  }

  json<T>(k: string, dflt: T, valid: (v: unknown) => boolean = () => true): T {
    const v = this.map.get(k);
    if (v === undefined) return dflt;
    try {
      const x = JSON.parse(v) as unknown;
      return valid(x) ? x as T : dflt;
    } catch {
      return dflt;
    }
  }
}

export const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
export const isObjectList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));

/** The standard attributes under `prefix` ("neutron:", or "neutron:fip_" for a floating IP on its port). */
export function encodeStandard(o: Standard, prefix = 'neutron:'): Record<string, string> {
  return {
    [`${prefix}project_id`]: o.project_id,
    [`${prefix}revision_number`]: String(o.revision_number),
    [`${prefix}created_at`]: o.created_at,
    [`${prefix}updated_at`]: o.updated_at,
    ...(o.description ? { [`${prefix}description`]: o.description } : {}),
    ...(o.tags.length ? { [`${prefix}tags`]: JSON.stringify(o.tags) } : {}),
  };
}

export function decodeStandard(x: ExtIds, id: string, prefix = 'neutron:'): Standard {
  return {
    id,
    project_id: x.str(`${prefix}project_id`),
    description: x.str(`${prefix}description`),
    tags: x.json<string[]>(`${prefix}tags`, [], isStringList),
    revision_number: x.int(`${prefix}revision_number`, 0),
    created_at: x.str(`${prefix}created_at`),
    updated_at: x.str(`${prefix}updated_at`),
  };
}

export const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const NEUTRON_NAME_RE = new RegExp(`^neutron-(${UUID_TEXT})$`);
export const UUID_NAME_RE = new RegExp(`^${UUID_TEXT}$`);

export const bstr = (b: boolean): string => (b ? 'true' : 'false');

/**
 * Request bodies: the `{"network": {…}}` / `{"networks": [{…}, …]}`
 * envelope, and each attribute checked against the resource's attribute
 * map (model/attrs.ts) in Neutron's order and wording: unknown attribute,
 * attribute not allowed in this operation, admin-only attribute set to a
 * non-default value (403), value conversion, required attributes.
 */
import { badRequest, forbidden } from '../errors.js';
import type { ResourceDef } from '../model/attrs.js';
import type { Context } from '../model/types.js';
import { isObject } from '../model/convert.js';

export type Op = 'create' | 'update';

export const MAX_BULK = 1000;

/** The items of a create body: one (`{network: …}`) or many (`{networks: […]}`). */
export function createItems(def: ResourceDef, raw: unknown): { items: unknown[]; bulk: boolean } {
  if (!isObject(raw)) throw badRequest('Resource body required');
  if (def.plural in raw) {
    const list = raw[def.plural];
    if (!Array.isArray(list) || list.length === 0) throw badRequest(`Resources required`);
    if (list.length > MAX_BULK) throw badRequest(`Bulk operation limited to ${MAX_BULK} resources`);
    return { items: list, bulk: true };
  }
  if (!(def.name in raw)) throw badRequest(`Unable to find '${def.name}' in request body`);
  return { items: [raw[def.name]], bulk: false };
}

export function updateItem(def: ResourceDef, raw: unknown): unknown {
  if (!isObject(raw)) throw badRequest('Resource body required');
  if (!(def.name in raw)) throw badRequest(`Unable to find '${def.name}' in request body`);
  return raw[def.name];
}

/** Whether setting `value` needs the admin-only policy: anything but the default (false / null). */
function explicit(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/** Validates and converts one resource body; returns only the attributes present. */
export function parseResource(def: ResourceDef, item: unknown, op: Op, ctx: Context): Record<string, unknown> {
  if (!isObject(item)) throw badRequest(`Invalid input for ${def.name}. Reason: the body is not a dictionary.`);
  const unknown = Object.keys(item).filter((k) => !(k in def.attrs));
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    const a = def.attrs[k]!;
    if (op === 'create' && !a.post) throw badRequest(`Attribute '${k}' not allowed in POST`);
    if (op === 'update' && !a.put) throw badRequest(`Cannot update read-only attribute ${k}`);
    if (a.adminOnly && !ctx.isAdmin && explicit(v)) throw forbidden(`${op}_${def.policy}:${k}`);
    out[k] = a.convert ? a.convert(v, k) : v;
  }
  if (op === 'create') {
    for (const [k, a] of Object.entries(def.attrs)) {
      if (a.required && !(k in out)) throw badRequest(`Failed to parse request. Required attribute '${k}' not specified`);
    }
  }
  return out;
}

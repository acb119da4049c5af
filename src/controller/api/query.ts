/**
 * List queries, as Neutron's API layer handles them:
 *   - filters: `?attr=value`, repeated for OR; booleans as True/true/1,
 *     integers as text; `fixed_ips=ip_address=…|subnet_id=…`; list
 *     attributes match by membership; an attribute that cannot be filtered
 *     on is a 400 (Neutron's filter-validation extension);
 *   - tags: `tags` (all of), `tags-any`, `not-tags`, `not-tags-any`, each a
 *     comma-separated list;
 *   - `fields=`: only those attributes; unknown ones are ignored;
 *   - sorting: `sort_key`/`sort_dir` pairs on sortable attributes, `id`
 *     as the final tie-breaker;
 *   - pagination: `limit`, `marker` (an id), `page_reverse`, with
 *     `<plural>_links` carrying `next`/`previous` hrefs.
 * Everything here works on rendered resources, so what a client filters on
 * is exactly what it is shown.
 */
import { ApiError, badRequest } from '../errors.js';
import { type ResourceDef, isFilterable, isSortable } from '../model/attrs.js';

export type Query = Readonly<Record<string, string | string[] | undefined>>;
type Dict = Record<string, unknown>;

const CONTROL = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

export function values(q: Query, k: string): string[] {
  const v = q[k];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function boolOf(s: string, k: string): boolean {
  const l = s.toLowerCase();
  if (l === 'true' || l === '1') return true;
  if (l === 'false' || l === '0') return false;
  throw badRequest(`Invalid input for ${k}. Reason: '${s}' cannot be converted to boolean.`);
}

function intOf(s: string, k: string): number {
  if (!/^-?\d{1,15}$/.test(s.trim())) throw badRequest(`Invalid input for ${k}. Reason: '${s}' is not an integer.`);
  return Number(s.trim());
}

type Pred = (o: Dict) => boolean;

function filterFor(def: ResourceDef, k: string, vals: string[]): Pred {
  const a = def.attrs[k];
  if (!a || !isFilterable(a)) throw badRequest(`[${k}] is invalid attribute for filtering`, 'HTTPBadRequest');
  if (k === 'fixed_ips') {
    const conds = vals.map((v) => {
      const eq = v.indexOf('=');
      const key = eq < 0 ? 'ip_address' : v.slice(0, eq), want = eq < 0 ? v : v.slice(eq + 1);
      if (!['ip_address', 'subnet_id', 'ip_address_substr'].includes(key)) throw badRequest(`Invalid input for fixed_ips. Reason: '${key}' is not a valid fixed_ips filter.`);
      return (f: Dict): boolean => (key === 'ip_address_substr' ? String(f.ip_address).includes(want) : f[key] === want);
    });
    return (o) => conds.every((c) => (o.fixed_ips as Dict[]).some(c));
  }
  switch (a.type) {
    case 'boolean': { const want = vals.map((v) => boolOf(v, k)); return (o) => want.includes(o[k] as boolean); }
    case 'integer': { const want = vals.map((v) => intOf(v, k)); return (o) => want.includes(o[k] as number); }
    case 'list': return (o) => vals.some((v) => (o[k] as unknown[] | undefined)?.includes(v) ?? false);
    default: return (o) => vals.includes(o[k] === null || o[k] === undefined ? '' : String(o[k]));
  }
}

function tagPreds(q: Query): Pred[] {
  const split = (k: string): string[][] => values(q, k).map((v) => v.split(',').filter(Boolean));
  const tags = (o: Dict): string[] => (o.tags as string[] | undefined) ?? [];
  const preds: Pred[] = [];
  for (const all of split('tags')) preds.push((o) => all.every((t) => tags(o).includes(t)));
  for (const any of split('tags-any')) preds.push((o) => any.some((t) => tags(o).includes(t)));
  for (const all of split('not-tags')) preds.push((o) => !all.every((t) => tags(o).includes(t)));
  for (const any of split('not-tags-any')) preds.push((o) => !any.some((t) => tags(o).includes(t)));
  return preds;
}

/** Parses the filters of a query once, for applying to many resources. */
export function compileFilters(def: ResourceDef, q: Query, extra: readonly string[] = []): Pred {
  const preds: Pred[] = tagPreds(q);
  for (const k of Object.keys(q)) {
    if (CONTROL.has(k) || extra.includes(k)) continue;
    const vals = values(q, k);
    if (vals.length) preds.push(filterFor(def, k, vals));
  }
  return (o) => preds.every((p) => p(o));
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : 1;
}

export interface Page { items: Dict[]; links: { href: string; rel: string }[] }

/** The ordering and paging a list query asks for, validated. */
export interface PageRequest {
  /** Sort keys with direction (1 ascending, -1 descending), `id` last as the tie-breaker. */
  readonly order: readonly (readonly [string, number])[];
  /**
   * The collection order that is exactly this ordering, when there is one:
   * `id` (a paginated list without sort keys) or `created` (an unsorted,
   * unpaginated list: creation order, then id).
   */
  readonly walk: 'id' | 'created' | null;
  readonly limit: number;
  readonly marker: string | undefined;
  readonly reverse: boolean;
  readonly paged: boolean;
}

export function pageRequest(def: ResourceDef, q: Query): PageRequest {
  const keys = values(q, 'sort_key'), dirs = values(q, 'sort_dir');
  if (dirs.length && dirs.length !== keys.length) throw badRequest('The number of sort_keys and sort_dirs must be same');
  for (const k of keys) {
    const a = def.attrs[k];
    if (!a || !isSortable(a)) throw badRequest(`${k} is an invalid attribute for sort_keys`);
  }
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw badRequest(`${d} is an invalid value for sort_dirs, valid values are: asc, desc`);
  const limitText = values(q, 'limit')[0];
  const limit = limitText === undefined ? 0 : intOf(limitText, 'limit');
  if (limit < 0) throw badRequest(`Limit must be an integer 0 or greater and not '${limitText}'`);
  const marker = values(q, 'marker')[0];
  const reverseText = values(q, 'page_reverse')[0];
  const reverse = reverseText !== undefined && boolOf(reverseText, 'page_reverse');
  const paged = limit > 0 || marker !== undefined;
  const order: [string, number][] = keys.map((k, i) => [k, dirs[i] === 'desc' ? -1 : 1]);
  if (!keys.length && !paged) order.push(['created_at', 1]);
  order.push(['id', 1]);
  const walk = order.length === 1 ? 'id' : !keys.length && !paged ? 'created' : null;
  return { order, walk, limit, marker, reverse, paged };
}

export function markerNotFound(marker: string): ApiError {
  return new ApiError(404, 'NotFound', `Marker ${marker} could not be found.`);
}

/**
 * Sorts and paginates filtered resources; `self` is the collection URL
 * without query. The marker is positioned by its own sort values
 * (`markerItem`, the rendered marker resource), as Neutron's pagination
 * does, so it need not match the filters itself.
 */
export function paginate(def: ResourceDef, items: Dict[], q: Query, self: string, markerItem?: Dict): Page {
  const pr = pageRequest(def, q);
  const cmp = (a: Dict, b: Dict): number => {
    for (const [k, s] of pr.order) { const c = compare(a[k], b[k]); if (c) return c * s; }
    return 0;
  };
  items.sort(cmp);
  if (!pr.paged) return { items, links: [] };
  let start = 0, end = items.length;
  if (pr.marker !== undefined) {
    const m = markerItem ?? items.find((o) => o.id === pr.marker);
    if (!m) throw markerNotFound(pr.marker);
    const after = items.findIndex((o) => cmp(o, m) > 0);
    const from = items.findIndex((o) => cmp(o, m) >= 0);
    if (pr.reverse) end = from < 0 ? items.length : from; else start = after < 0 ? items.length : after;
  }
  const window = pr.reverse ? items.slice(start, end).reverse() : items.slice(start, end);
  return pageOf(pr, window, q, self);
}

/**
 * One page from the matching resources in walking order (ascending from
 * the marker, or descending before it for `page_reverse`), of which the
 * caller needs to supply only `limit + 1`: the extra one says whether there
 * is more, for the `next`/`previous` links.
 */
export function pageOf(pr: PageRequest, walked: readonly Dict[], q: Query, self: string): Page {
  const more = pr.limit > 0 && walked.length > pr.limit;
  const taken = pr.limit > 0 ? walked.slice(0, pr.limit) : [...walked];
  const page = pr.reverse ? taken.reverse() : taken;
  const links: { href: string; rel: string }[] = [];
  const base = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (k === 'marker' || k === 'page_reverse' || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) base.append(k, x);
  }
  const href = (m: string, rev: boolean): string => {
    const p = new URLSearchParams(base);
    p.set('marker', m);
    if (rev) p.set('page_reverse', 'True');
    return `${self}?${p.toString()}`;
  };
  if (page.length) {
    const first = String(page[0]!.id), last = String(page[page.length - 1]!.id);
    if (pr.reverse) {
      if (more) links.push({ href: href(first, true), rel: 'previous' });
      links.push({ href: href(last, false), rel: 'next' });
    } else {
      if (more) links.push({ href: href(last, false), rel: 'next' });
      if (pr.marker !== undefined) links.push({ href: href(first, true), rel: 'previous' });
    }
  }
  return { items: page, links };
}

/** Keeps only the requested fields (if any were named). */
export function selectFields(o: Dict, fields: readonly string[]): Dict {
  if (!fields.length) return o;
  const out: Dict = {};
  for (const f of fields) if (f in o) out[f] = o[f];
  return out;
}

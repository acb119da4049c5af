/**
 * The five standard routes of a Neutron collection, generic over the
 * resource: list (filters, fields, sorting, pagination), show, create
 * (single or bulk, all-or-nothing), update (partial, with `If-Match:
 * revision_number=N` checked as Neutron does) and delete.
 *
 * Reads see only what the caller may see; a resource it may not see is
 * 404 for show, update and delete alike. Writes go through the Writer, so
 * each request is one northbound transaction.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ResourceDef } from '../model/attrs.js';
import type { Context } from '../model/types.js';
import type { Draft } from '../state/draft.js';
import type { View } from '../state/view.js';
import type { Collection } from '../state/collection.js';
import { ApiError, notFound, preconditionFailed } from '../errors.js';
import { createItems, parseResource, updateItem } from './body.js';
import {
  compileFilters, markerNotFound, pageOf, pageRequest, paginate, selectFields, values, type Page, type Query,
} from './query.js';
import { lowerBound } from '../state/collection.js';
import type { Services } from './services.js';
import { UUID_RE } from '../model/convert.js';

type Dict = Record<string, unknown>;

export interface ResourceSpec<T extends { id: string; revision_number?: number }> {
  readonly def: ResourceDef;
  collection(v: View): Collection<T>;
  visible(v: View, ctx: Context, o: T): boolean;
  render(v: View, o: T): Dict;
  create?(d: Draft, ctx: Context, body: Dict): T;
  update?(d: Draft, ctx: Context, id: string, body: Dict): T;
  remove?(d: Draft, ctx: Context, id: string): void;
  /** Runs before a read (e.g. makes the caller's default security group). */
  beforeRead?(s: Services, ctx: Context): Promise<void>;
  /** Narrows a list by an index before filtering (ports by network_id…). */
  candidates?(v: View, q: Query): Iterable<T> | null;
}

export function ctxOf(req: FastifyRequest): Context {
  return (req as FastifyRequest & { ctx: Context }).ctx;
}

function selfUrl(req: FastifyRequest): string {
  const host = req.headers.host ?? 'localhost';
  return `http://${host}${req.url.split('?')[0]}`;
}

function checkIfMatch(req: FastifyRequest, o: { revision_number?: number }): void {
  const h = req.headers['if-match'];
  if (typeof h !== 'string') return;
  const m = /revision_number=(\d+)/.exec(h);
  if (m && Number(m[1]) !== o.revision_number) {
    throw preconditionFailed(`Constrained to revision_number ${m[1]} but current revision is ${o.revision_number}.`);
  }
}

/**
 * A list request, answered as JSON text. Candidates come from the narrowest index the query
 * names (`id`, or the resource's own: ports by network, device, address…),
 * else the whole collection. Ordered by id alone (any paginated request
 * without sort keys), the candidates are walked in id order from the
 * marker and the walk stops once a page and one more item matched, so a
 * page of 100 out of 10,000 ports renders about 100 ports; an unsorted,
 * unpaginated list walks the creation order; any other order renders and
 * sorts every match.
 */
export function listOf<T extends { id: string }>(s: Services, spec: ResourceSpec<T>, ctx: Context, q: Query, self: string): string {
  const v = s.view;
  const coll = spec.collection(v);
  const fields = values(q, 'fields');
  const match = compileFilters(spec.def, q);
  const pr = pageRequest(spec.def, q);
  const wanted = values(q, 'id');
  const candidates: Iterable<T> | null = wanted.length
    ? [...new Set(wanted)].map((id) => coll.get(id)).filter((o): o is T => o !== undefined)
    : spec.candidates?.(v, q) ?? null;
  const accept = (o: T): Dict | null => {
    if (!spec.visible(v, ctx, o)) return null;
    const r = spec.render(v, o);
    return match(r) ? r : null;
  };
  let markerItem: T | undefined;
  if (pr.marker !== undefined) {
    markerItem = coll.get(pr.marker);
    if (!markerItem || !spec.visible(v, ctx, markerItem)) throw markerNotFound(pr.marker);
  }
  let page: Page;
  if (pr.walk) {
    const key = coll.orderKey(pr.walk);
    const ids = candidates
      ? [...new Map([...candidates].map((o) => [o.id, key(o)] as const))].sort((a, b) => (a[1] < b[1] ? -1 : 1)).map(([id]) => id)
      : coll.sortedIds(pr.walk);
    const keyOf = (id: string): string => key(coll.get(id)!);
    const want = pr.limit > 0 ? pr.limit + 1 : Infinity;
    const walked: Dict[] = [];
    const at = markerItem ? lowerBound(ids, key(markerItem), keyOf) : pr.reverse ? ids.length : 0;
    if (pr.reverse) {
      for (let i = at - 1; i >= 0 && walked.length < want; i--) { const r = accept(coll.get(ids[i]!)!); if (r) walked.push(r); }
    } else {
      const from = markerItem && ids[at] === markerItem.id ? at + 1 : at;
      for (let i = from; i < ids.length && walked.length < want; i++) { const r = accept(coll.get(ids[i]!)!); if (r) walked.push(r); }
    }
    page = pageOf(pr, walked, q, self);
  } else {
    const rendered: Dict[] = [];
    for (const o of candidates ?? coll.values()) { const r = accept(o); if (r) rendered.push(r); }
    page = paginate(spec.def, rendered, q, self, markerItem && spec.render(v, markerItem));
  }
  // The body is assembled from each resource's JSON text, cached per rendered object (ports keep
  // theirs until they change), so listing 10,000 ports does not serialize 10,000 ports again.
  const items = fields.length ? page.items.map((o) => JSON.stringify(selectFields(o, fields))) : page.items.map(jsonOf);
  const links = page.links.length ? `,${JSON.stringify(`${spec.def.plural}_links`)}:${JSON.stringify(page.links)}` : '';
  return `{${JSON.stringify(spec.def.plural)}:[${items.join(',')}]${links}}`;
}

const jsonText = new WeakMap<Dict, string>();

function jsonOf(o: Dict): string {
  let j = jsonText.get(o);
  if (j === undefined) jsonText.set(o, j = JSON.stringify(o));
  return j;
}

export function registerCrud<T extends { id: string; revision_number?: number }>(app: FastifyInstance, s: Services, spec: ResourceSpec<T>): void {
  const { def } = spec;
  const base = `/v2.0/${def.path}`;
  const find = (ctx: Context, id: string): T => {
    const o = spec.collection(s.view).get(id);
    if (!o || !spec.visible(s.view, ctx, o)) throw notFound(def.name, id);
    return o;
  };

  app.get(base, async (req, reply) => {
    const ctx = ctxOf(req);
    // A query that will be refused must not make the default security group on its way.
    compileFilters(def, req.query as Query);
    pageRequest(def, req.query as Query);
    await spec.beforeRead?.(s, ctx);
    await s.view.store.settled();
    const body = listOf(s, spec, ctx, req.query as Query, selfUrl(req));
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.get(`${base}/:id`, async (req) => {
    const ctx = ctxOf(req);
    const { id } = req.params as { id: string };
    if (!UUID_RE.test(id)) throw notFound(def.name, id);
    await spec.beforeRead?.(s, ctx);
    await s.view.store.settled();
    return { [def.name]: selectFields(spec.render(s.view, find(ctx, id)), values(req.query as Query, 'fields')) };
  });

  const create = spec.create;
  if (create) {
    app.post(base, async (req, reply) => {
      const ctx = ctxOf(req);
      const { items, bulk } = createItems(def, req.body);
      const bodies = items.map((i) => parseResource(def, i, 'create', ctx));
      const ids = await s.writer.write((d) => bodies.map((b) => create(d, ctx, b).id));
      const out = ids.map((id) => spec.render(s.view, spec.collection(s.view).get(id)!));
      reply.code(201);
      return bulk ? { [def.plural]: out } : { [def.name]: out[0] };
    });
  }

  const update = spec.update;
  if (update) {
    app.put(`${base}/:id`, async (req) => {
      const ctx = ctxOf(req);
      const { id } = req.params as { id: string };
      const o = find(ctx, id);
      const body = parseResource(def, updateItem(def, req.body), 'update', ctx);
      await s.writer.write((d) => {
        const cur = spec.collection(s.view).get(id);
        if (cur) checkIfMatch(req, cur); else checkIfMatch(req, o);
        return update(d, ctx, id, body);
      });
      const now = spec.collection(s.view).get(id);
      if (!now) throw notFound(def.name, id);
      return { [def.name]: spec.render(s.view, now) };
    });
  } else {
    app.put(`${base}/:id`, async () => { throw new ApiError(405, 'HTTPMethodNotAllowed', 'The method is not allowed for this resource.'); });
  }

  const remove = spec.remove;
  if (remove) {
    app.delete(`${base}/:id`, async (req, reply) => {
      const ctx = ctxOf(req);
      const { id } = req.params as { id: string };
      const o = find(ctx, id);
      checkIfMatch(req, o);
      await s.writer.write((d) => remove(d, ctx, id));
      reply.code(204);
      return reply.send();
    });
  }
}

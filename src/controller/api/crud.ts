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
import { compileFilters, paginate, selectFields, values, type Query } from './query.js';
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

export function listOf<T extends { id: string }>(s: Services, spec: ResourceSpec<T>, ctx: Context, q: Query, self: string): Dict {
  const v = s.view;
  const fields = values(q, 'fields');
  const match = compileFilters(spec.def, q);
  const rendered: Dict[] = [];
  for (const o of spec.candidates?.(v, q) ?? spec.collection(v).values()) {
    if (!spec.visible(v, ctx, o)) continue;
    const r = spec.render(v, o);
    if (match(r)) rendered.push(r);
  }
  const page = paginate(spec.def, rendered, q, self);
  const out: Dict = { [spec.def.plural]: page.items.map((o) => selectFields(o, fields)) };
  if (page.links.length) out[`${spec.def.plural}_links`] = page.links;
  return out;
}

export function registerCrud<T extends { id: string; revision_number?: number }>(app: FastifyInstance, s: Services, spec: ResourceSpec<T>): void {
  const { def } = spec;
  const base = `/v2.0/${def.path}`;
  const find = (ctx: Context, id: string): T => {
    const o = spec.collection(s.view).get(id);
    if (!o || !spec.visible(s.view, ctx, o)) throw notFound(def.name, id);
    return o;
  };

  app.get(base, async (req) => {
    const ctx = ctxOf(req);
    await spec.beforeRead?.(s, ctx);
    await s.view.store.settled();
    return listOf(s, spec, ctx, req.query as Query, selfUrl(req));
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

/**
 * Member actions and sub-resources: router interfaces and extra routes,
 * tags on every taggable collection.
 *
 * `add_router_interface`/`remove_router_interface` take a bare
 * `{"subnet_id": …}` or `{"port_id": …}` (no envelope) and answer with the
 * interface info the `neutron` CLI prints the port id from; the extra-route
 * actions take `{"router": {"routes": […]}}` and answer with the router.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.js';
import { ROUTER } from '../model/attrs.js';
import { isObject } from '../model/convert.js';
import { addInterface, changeExtraRoutes, removeInterface } from '../model/routers.js';
import { addTag, clearTags, readTags, removeTag, replaceTags } from '../model/tags.js';
import { Draft } from '../state/draft.js';
import { renderRouter } from './render.js';
import { ctxOf } from './crud.js';
import type { Services } from './services.js';
import type { HostRoute } from '../model/types.js';
import { UUID_RE } from '../model/convert.js';
import { notFound } from '../errors.js';

function routesOf(body: unknown): HostRoute[] {
  if (!isObject(body) || !isObject(body.router)) throw badRequest("Unable to find 'router' in request body");
  const unknown = Object.keys(body.router).filter((k) => k !== 'routes');
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  return ROUTER.attrs.routes!.convert!(body.router.routes, 'routes') as HostRoute[];
}

function interfaceBody(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw badRequest('Bad router request: Either subnet_id or port_id must be specified.', 'BadRequest');
  const out: Record<string, unknown> = {};
  for (const k of ['subnet_id', 'port_id']) {
    if (body[k] === undefined) continue;
    if (typeof body[k] !== 'string' || !UUID_RE.test(body[k] as string)) throw badRequest(`Invalid input for ${k}. Reason: '${String(body[k])}' is not a valid UUID.`);
    out[k] = (body[k] as string).toLowerCase();
  }
  return out;
}

export function registerActions(app: FastifyInstance, s: Services): void {
  const routerId = (p: unknown): string => {
    const id = (p as { id: string }).id;
    if (!UUID_RE.test(id)) throw notFound('router', id);
    return id;
  };
  app.put('/v2.0/routers/:id/add_router_interface', async (req) => {
    const ctx = ctxOf(req), id = routerId(req.params), body = interfaceBody(req.body);
    return s.writer.write((d) => addInterface(d, ctx, id, body));
  });
  app.put('/v2.0/routers/:id/remove_router_interface', async (req) => {
    const ctx = ctxOf(req), id = routerId(req.params), body = interfaceBody(req.body);
    return s.writer.write((d) => removeInterface(d, ctx, id, body));
  });
  for (const [path, add] of [['add_extraroutes', true], ['remove_extraroutes', false]] as const) {
    app.put(`/v2.0/routers/:id/${path}`, async (req) => {
      const ctx = ctxOf(req), id = routerId(req.params), routes = routesOf(req.body);
      await s.writer.write((d) => changeExtraRoutes(d, ctx, id, routes, add));
      return { router: renderRouter(s.view, s.view.routers.get(id)!) };
    });
  }

  // Tags: /v2.0/{collection}/{id}/tags[/{tag}]
  const target = (p: unknown): { coll: string; id: string } => {
    const { coll, id } = p as { coll: string; id: string };
    if (!UUID_RE.test(id)) throw notFound(coll.replace(/s$/, '').replace(/-/g, '_'), id);
    return { coll, id };
  };
  app.get('/v2.0/:coll/:id/tags', async (req) => {
    const ctx = ctxOf(req), { coll, id } = target(req.params);
    return { tags: readTags(new Draft(s.view, s.cfg, new Date()), ctx, coll, id) };
  });
  app.get('/v2.0/:coll/:id/tags/:tag', async (req, reply) => {
    const ctx = ctxOf(req), { coll, id } = target(req.params), { tag } = req.params as { tag: string };
    const tags = readTags(new Draft(s.view, s.cfg, new Date()), ctx, coll, id);
    if (!tags.includes(tag)) throw notFound('tag', tag);
    reply.code(204);
    return reply.send();
  });
  app.put('/v2.0/:coll/:id/tags', async (req) => {
    const ctx = ctxOf(req), { coll, id } = target(req.params);
    return { tags: await s.writer.write((d) => replaceTags(d, ctx, coll, id, req.body)) };
  });
  app.post('/v2.0/:coll/:id/tags', async (req, reply) => {
    const ctx = ctxOf(req), { coll, id } = target(req.params);
    const tags = await s.writer.write((d) => replaceTags(d, ctx, coll, id, { tags: [...readTags(d, ctx, coll, id), ...tagList(req.body)] }));
    reply.code(201);
    return { tags };
  });
  app.put('/v2.0/:coll/:id/tags/:tag', async (req, reply) => {
    const ctx = ctxOf(req), { coll, id } = target(req.params), { tag } = req.params as { tag: string };
    await s.writer.write((d) => addTag(d, ctx, coll, id, tag));
    reply.code(201);
    return reply.send();
  });
  app.delete('/v2.0/:coll/:id/tags', async (req, reply) => {
    const ctx = ctxOf(req), { coll, id } = target(req.params);
    await s.writer.write((d) => clearTags(d, ctx, coll, id));
    reply.code(204);
    return reply.send();
  });
  app.delete('/v2.0/:coll/:id/tags/:tag', async (req, reply) => {
    const ctx = ctxOf(req), { coll, id } = target(req.params), { tag } = req.params as { tag: string };
    await s.writer.write((d) => removeTag(d, ctx, coll, id, tag));
    reply.code(204);
    return reply.send();
  });
}

function tagList(body: unknown): unknown[] {
  if (!isObject(body) || !Array.isArray(body.tags)) throw badRequest("Invalid input for tags. Reason: 'tags' must be a list.");
  return body.tags;
}

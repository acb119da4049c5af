/**
 * The smaller surfaces: version discovery (`GET /`, which `openstack`
 * requires before anything else), the extension list the CLIs probe,
 * availability zones, agents and quotas.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, forbidden, notFound } from '../errors.js';
import { AGENT, AVAILABILITY_ZONE, RESOURCES } from '../model/attrs.js';
import { QUOTA_RESOURCES, type QuotaResource } from '../model/types.js';
import { canReadQuota, effectiveQuota, resetQuota, setQuota } from '../model/quotas.js';
import { deleteAgent, updateAgent } from '../model/agents.js';
import { used } from '../model/common.js';
import { Draft } from '../state/draft.js';
import { parseResource, updateItem } from './body.js';
import { compileFilters, paginate, selectFields, values, type Query } from './query.js';
import { renderAgent } from './render.js';
import { ctxOf } from './crud.js';
import type { Services } from './services.js';
import { EXTENSIONS } from './extensions.js';

function root(req: FastifyRequest): string {
  return `http://${req.headers.host ?? 'localhost'}`;
}

export function registerMisc(app: FastifyInstance, s: Services): void {
  // Version discovery.
  app.get('/', async (req) => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${root(req)}/v2.0/`, rel: 'self' }] }],
  }));
  app.get('/v2.0', async (req) => ({
    resources: RESOURCES.map((r) => ({ name: r.name, collection: r.path, links: [{ href: `${root(req)}/v2.0/${r.path}`, rel: 'self' }] })),
  }));

  // Extensions: listed by alias; `openstack` also looks one up by its name.
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS }));
  app.get('/v2.0/extensions/:alias', async (req) => {
    const { alias } = req.params as { alias: string };
    const e = EXTENSIONS.find((x) => x.alias === alias);
    if (!e) throw notFound('extension', alias);
    return { extension: e };
  });

  // Availability zones: the zones agents report, for networks and routers.
  app.get('/v2.0/availability_zones', async (req) => {
    const q = req.query as Query;
    const zones = [...new Set([...s.view.agents.values()].map((a) => a.availability_zone))].sort();
    const items = zones.flatMap((name) => ['network', 'router'].map((resource) => ({ name, resource, state: 'available' })));
    const match = compileFilters(AVAILABILITY_ZONE, q);
    return { availability_zones: items.filter(match).map((o) => selectFields(o, values(q, 'fields'))) };
  });

  // Agents.
  app.get('/v2.0/agents', async (req) => {
    const q = req.query as Query;
    const match = compileFilters(AGENT, q);
    const items = [...s.view.agents.values()].map((a) => renderAgent(s.view, a)).filter(match);
    const page = paginate(AGENT, items, q, `${root(req)}/v2.0/agents`);
    return { agents: page.items.map((o) => selectFields(o, values(q, 'fields'))), ...(page.links.length ? { agents_links: page.links } : {}) };
  });
  app.get('/v2.0/agents/:id', async (req) => {
    const a = s.view.agents.get((req.params as { id: string }).id);
    if (!a) throw notFound('agent', (req.params as { id: string }).id);
    return { agent: renderAgent(s.view, a) };
  });
  app.put('/v2.0/agents/:id', async (req) => {
    const ctx = ctxOf(req), { id } = req.params as { id: string };
    const body = parseResource(AGENT, updateItem(AGENT, req.body), 'update', ctx);
    const a = await s.writer.write((d) => updateAgent(d, ctx, id, body));
    return { agent: renderAgent(s.view, a) };
  });
  app.delete('/v2.0/agents/:id', async (req, reply) => {
    const ctx = ctxOf(req), { id } = req.params as { id: string };
    await s.writer.write((d) => deleteAgent(d, ctx, id));
    reply.code(204);
    return reply.send();
  });

  // Quotas.
  const draft = (): Draft => new Draft(s.view, s.cfg, new Date());
  const readable = (req: FastifyRequest, project: string): void => {
    if (!canReadQuota(ctxOf(req), project)) throw forbidden('get_quota');
  };
  app.get('/v2.0/quotas', async (req) => {
    const ctx = ctxOf(req);
    const projects = [...s.view.global.quotas.keys()].filter((p) => ctx.isAdmin || p === ctx.projectId);
    const d = draft();
    return { quotas: projects.map((p) => ({ ...effectiveQuota(d, p), project_id: p, tenant_id: p })) };
  });
  app.get('/v2.0/quotas/tenant', async (req) => ({ tenant: { tenant_id: ctxOf(req).projectId } }));
  app.get('/v2.0/quotas/project', async (req) => ({ project: { project_id: ctxOf(req).projectId } }));
  app.get('/v2.0/quotas/:project', async (req) => {
    const { project } = req.params as { project: string };
    readable(req, project);
    return { quota: effectiveQuota(draft(), project) };
  });
  app.get('/v2.0/quotas/:project/default', async (req) => {
    const { project } = req.params as { project: string };
    readable(req, project);
    return { quota: { ...s.cfg.quotaDefaults } };
  });
  app.get('/v2.0/quotas/:project/details', async (req) => {
    const { project } = req.params as { project: string };
    readable(req, project);
    const d = draft();
    const q = {} as Record<QuotaResource, { limit: number; used: number; reserved: number }>;
    for (const r of QUOTA_RESOURCES) q[r] = { limit: d.limit(project, r), used: used(d, project, r), reserved: 0 };
    return { quota: q };
  });
  app.put('/v2.0/quotas/:project', async (req) => {
    const ctx = ctxOf(req), { project } = req.params as { project: string };
    if (project === 'tenant' || project === 'project') throw new ApiError(400, 'HTTPBadRequest', `'${project}' is not a project id`);
    return { quota: await s.writer.write((d) => setQuota(d, ctx, project, req.body)) };
  });
  app.delete('/v2.0/quotas/:project', async (req, reply) => {
    const ctx = ctxOf(req), { project } = req.params as { project: string };
    await s.writer.write((d) => resetQuota(d, ctx, project));
    reply.code(204);
    return reply.send();
  });
}

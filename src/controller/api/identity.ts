/**
 * A minimal Keystone v3, enough for the OpenStack clients: version
 * document, password tokens (`X-Subject-Token`) with a service catalog
 * pointing the network and identity services back at this controller, and
 * project lookups. The project routes are served both under /v3 (clients
 * with --os-auth-url) and at the root (clients with --os-endpoint, which
 * look projects up at the one endpoint they know).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, notFound, unauthorized } from '../errors.js';
import type { ProjectConfig } from '../config.js';
import type { IssuedToken } from '../auth.js';
import type { Services } from './services.js';
import { ctxOf } from './crud.js';
import { values, type Query } from './query.js';

function root(req: FastifyRequest): string {
  return `http://${req.headers.host ?? 'localhost'}`;
}

function projectJson(req: FastifyRequest, p: ProjectConfig): Record<string, unknown> {
  return {
    id: p.id, name: p.name, domain_id: 'default', enabled: true, description: p.description, is_domain: false,
    parent_id: 'default', tags: [], options: {}, links: { self: `${root(req)}/v3/projects/${p.id}` },
  };
}

function tokenBody(req: FastifyRequest, s: Services, t: IssuedToken): Record<string, unknown> {
  const project = s.auth.project(t.info.projectId)!;
  const base = root(req);
  const endpoint = (type: string, url: string): Record<string, unknown> => ({
    type, name: type === 'network' ? 'neutron' : 'keystone', id: `${type}-service`,
    endpoints: ['public', 'internal', 'admin'].map((i) => ({ id: `${type}-${i}`, interface: i, region: 'RegionOne', region_id: 'RegionOne', url })),
  });
  return {
    token: {
      methods: ['password'],
      expires_at: new Date(t.info.expiresAt).toISOString().replace(/\.\d{3}Z$/, '.000000Z'),
      issued_at: new Date().toISOString().replace(/\.\d{3}Z$/, '.000000Z'),
      audit_ids: [t.token.slice(-22)],
      user: { id: t.info.userId, name: t.info.userName, domain: { id: 'default', name: 'Default' }, password_expires_at: null },
      project: { id: project.id, name: project.name, domain: { id: 'default', name: 'Default' } },
      roles: t.info.roles.map((r) => ({ id: r, name: r })),
      is_domain: false,
      catalog: [endpoint('network', base), endpoint('identity', `${base}/v3`)],
    },
  };
}

export function registerIdentity(app: FastifyInstance, s: Services): void {
  const version = async (req: FastifyRequest): Promise<unknown> => ({
    version: {
      id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${root(req)}/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    },
  });
  app.get('/v3', version);

  app.post('/v3/auth/tokens', async (req, reply) => {
    const t = s.auth.authenticate(req.body);
    reply.code(201).header('X-Subject-Token', t.token);
    return tokenBody(req, s, t);
  });
  const subject = (req: FastifyRequest): IssuedToken => {
    const h = req.headers['x-subject-token'];
    const token = typeof h === 'string' ? h : '';
    const info = s.auth.verify(token);
    if (!info) throw new ApiError(404, 'NotFound', 'Could not find token.');
    return { token, info };
  };
  app.get('/v3/auth/tokens', async (req, reply) => {
    if (!s.auth.verify(String(req.headers['x-auth-token'] ?? ''))) throw unauthorized();
    const t = subject(req);
    reply.header('X-Subject-Token', t.token);
    return tokenBody(req, s, t);
  });
  app.delete('/v3/auth/tokens', async (_req, reply: FastifyReply) => { reply.code(204); return reply.send(); });

  const visibleProjects = (req: FastifyRequest): ProjectConfig[] => {
    const ctx = ctxOf(req);
    return s.auth.projects.filter((p) => ctx.isAdmin || p.id === ctx.projectId);
  };
  const listProjects = async (req: FastifyRequest): Promise<unknown> => {
    const q = req.query as Query;
    const names = values(q, 'name');
    const items = visibleProjects(req).filter((p) => !names.length || names.includes(p.name));
    return { projects: items.map((p) => projectJson(req, p)), links: { self: `${root(req)}/v3/projects`, previous: null, next: null } };
  };
  const showProject = async (req: FastifyRequest): Promise<unknown> => {
    const { id } = req.params as { id: string };
    const p = visibleProjects(req).find((x) => x.id === id);
    if (!p) throw notFound('project', id);
    return { project: projectJson(req, p) };
  };
  for (const prefix of ['/v3', '']) {
    app.get(`${prefix}/projects`, listProjects);
    app.get(`${prefix}/projects/:id`, showProject);
  }
  app.get('/v3/auth/projects', listProjects);
  app.get('/v3/users/:id/projects', listProjects);
}

/**
 * Every route of the API under random hostile variations of valid
 * requests: no request ever gets a 5xx, every response carries an
 * X-Openstack-Request-Id, every refusal is a NeutronError and changes
 * neither what the API lists nor any row of the northbound database.
 *
 * The routes are read from the running application, and the test fails if
 * one has no request template here, so a route added later cannot escape.
 * Destructive templates (deletes, interface removal) act on resources made
 * for the run, so the shared fixtures survive for the other runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { startHarness, asProject, config, hasRequestId, isNeutronError, checkProperty, NO_QUOTAS, type Harness } from './controller-harness.js';

let h: Harness;
const I: Record<string, string> = {};

async function mk(coll: string, key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<any> {
  const r = await h.req('POST', `/v2.0/${coll}`, { [key]: body }, headers);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body[key];
}

before(async () => {
  h = await startHarness({ config: config(`[hypervisor:hv1]\navailability_zone = az1\nbridge_mappings = default:br-ex\n[user:admin]\npassword = pw\nproject = admin\nroles = admin\n${NO_QUOTAS}`) });
  const n = await mk('networks', 'network', { name: 'n' });
  const s = await mk('subnets', 'subnet', { network_id: n.id, cidr: '10.0.0.0/16', ip_version: 4 });
  const sg = await mk('security-groups', 'security_group', { name: 'g' });
  const p = await mk('ports', 'port', { network_id: n.id, security_groups: [sg.id] });
  const ext = await mk('networks', 'network', { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'default' });
  await mk('subnets', 'subnet', { network_id: ext.id, cidr: '198.18.0.0/16', ip_version: 4 });
  const r = await mk('routers', 'router', { name: 'r', external_gateway_info: { network_id: ext.id } });
  assert.equal((await h.req('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: s.id })).status, 200);
  const fip = await mk('floatingips', 'floatingip', { floating_network_id: ext.id });
  const other = await mk('networks', 'network', { name: 'other' }, asProject('other-project'));
  const rule = (await h.req('GET', `/v2.0/security-group-rules?security_group_id=${sg.id}`)).body.security_group_rules[0];
  const agent = (await h.req('GET', '/v2.0/agents')).body.agents[0];
  const tok = await h.req('POST', '/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'pw' } } } } });
  Object.assign(I, {
    net: n.id, subnet: s.id, sg: sg.id, port: p.id, ext: ext.id, router: r.id, fip: fip.id, other: other.id, rule: rule.id,
    agent: agent.id, project: n.project_id, token: String(tok.headers['x-subject-token']),
  });
});
after(async () => { await h.close(); });

/** The routes the application serves, as "METHOD /path/:param" (HEAD, which mirrors GET, left out). */
export function routesOf(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[└├]── (.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + (depth === 1 && !m[2]!.startsWith('/') ? '/' : '') + m[2];
    stack[depth] = depth === 0 ? '' : path;
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push(`${method} ${depth === 0 ? '/' : path}`);
  }
  return out;
}

interface Request { method: string; url: string; body?: unknown; headers?: Record<string, string> }
interface Template {
  /** The valid request (ids from the fixtures, or from `prepare`). */
  make(fresh: Record<string, string>): Request;
  /** The envelope key of the body, if any. */
  key?: string;
  /** Makes the resources a destructive request acts on. */
  prepare?(): Promise<Record<string, string>>;
}

const freshPort = async (): Promise<Record<string, string>> => ({ port: (await mk('ports', 'port', { network_id: I.net })).id });
const TAGGED: Record<string, () => string> = {
  networks: () => I.net, subnets: () => I.subnet, ports: () => I.port, 'security-groups': () => I.sg, routers: () => I.router, floatingips: () => I.fip,
};
const taggedColl = fc.constantFrom(...Object.keys(TAGGED));

function crud(coll: string, key: string, create: () => Record<string, unknown>, update: (() => Record<string, unknown>) | null,
  fixture: () => string, fresh: () => Promise<string>): Record<string, Template> {
  return {
    [`GET /v2.0/${coll}`]: { make: () => ({ method: 'GET', url: `/v2.0/${coll}?limit=5` }) },
    [`POST /v2.0/${coll}`]: { key, make: () => ({ method: 'POST', url: `/v2.0/${coll}`, body: { [key]: create() } }) },
    [`GET /v2.0/${coll}/:id`]: { make: () => ({ method: 'GET', url: `/v2.0/${coll}/${fixture()}` }) },
    [`PUT /v2.0/${coll}/:id`]: { key, make: () => ({ method: 'PUT', url: `/v2.0/${coll}/${fixture()}`, body: { [key]: update ? update() : {} } }) },
    [`DELETE /v2.0/${coll}/:id`]: { prepare: async () => ({ id: await fresh() }), make: (f) => ({ method: 'DELETE', url: `/v2.0/${coll}/${f.id}` }) },
  };
}

const TEMPLATES: Record<string, Template> = {
  'GET /': { make: () => ({ method: 'GET', url: '/' }) },
  'GET /v2.0': { make: () => ({ method: 'GET', url: '/v2.0' }) },
  'GET /openapi.json': { make: () => ({ method: 'GET', url: '/openapi.json' }) },
  'GET /v2.0/extensions': { make: () => ({ method: 'GET', url: '/v2.0/extensions' }) },
  'GET /v2.0/extensions/:alias': { make: () => ({ method: 'GET', url: '/v2.0/extensions/router' }) },
  'GET /v2.0/availability_zones': { make: () => ({ method: 'GET', url: '/v2.0/availability_zones?resource=network' }) },
  'GET /v2.0/agents': { make: () => ({ method: 'GET', url: '/v2.0/agents?host=hv1' }) },
  'GET /v2.0/agents/:id': { make: () => ({ method: 'GET', url: `/v2.0/agents/${I.agent}` }) },
  'PUT /v2.0/agents/:id': { key: 'agent', make: () => ({ method: 'PUT', url: `/v2.0/agents/${I.agent}`, body: { agent: { description: 'hv', admin_state_up: true } } }) },
  'DELETE /v2.0/agents/:id': { make: () => ({ method: 'DELETE', url: '/v2.0/agents/00000000-0000-0000-0000-000000000000' }) },
  'GET /v2.0/quotas': { make: () => ({ method: 'GET', url: '/v2.0/quotas' }) },
  'GET /v2.0/quotas/tenant': { make: () => ({ method: 'GET', url: '/v2.0/quotas/tenant' }) },
  'GET /v2.0/quotas/project': { make: () => ({ method: 'GET', url: '/v2.0/quotas/project' }) },
  'GET /v2.0/quotas/:project': { make: () => ({ method: 'GET', url: `/v2.0/quotas/${I.project}` }) },
  'PUT /v2.0/quotas/:project': { key: 'quota', make: () => ({ method: 'PUT', url: `/v2.0/quotas/${I.project}`, body: { quota: { network: 100, port: 500 } } }) },
  'DELETE /v2.0/quotas/:project': { make: () => ({ method: 'DELETE', url: '/v2.0/quotas/some-project' }) },
  'GET /v2.0/quotas/:project/default': { make: () => ({ method: 'GET', url: `/v2.0/quotas/${I.project}/default` }) },
  'GET /v2.0/quotas/:project/details': { make: () => ({ method: 'GET', url: `/v2.0/quotas/${I.project}/details` }) },
  ...crud('networks', 'network', () => ({ name: 'f', mtu: 1400, admin_state_up: true, availability_zone_hints: [] }), () => ({ name: 'n', mtu: 1400 }),
    () => I.net, async () => (await mk('networks', 'network', { name: 'doomed' })).id),
  ...crud('subnets', 'subnet', () => ({ network_id: I.net, cidr: '10.1.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.1.0.10', end: '10.1.0.20' }], host_routes: [], dns_nameservers: [] }),
    () => ({ dns_nameservers: ['1.1.1.1'], gateway_ip: '10.0.0.1', enable_dhcp: true }), () => I.subnet,
    async () => (await mk('subnets', 'subnet', { network_id: I.net, cidr: `10.${2 + Math.floor(Math.random() * 250)}.0.0/24`, ip_version: 4 }).catch(() => ({ id: I.subnet }))).id),
  ...crud('ports', 'port', () => ({ network_id: I.net, fixed_ips: [{ subnet_id: I.subnet }], allowed_address_pairs: [{ ip_address: '10.0.9.9' }], security_groups: [I.sg] }),
    () => ({ name: 'p', fixed_ips: [{ subnet_id: I.subnet }], 'binding:host_id': 'hv1' }), () => I.port, async () => (await freshPort()).port!),
  ...crud('security-groups', 'security_group', () => ({ name: 'x', description: 'y', stateful: true }), () => ({ name: 'g', description: 'd' }),
    () => I.sg, async () => (await mk('security-groups', 'security_group', { name: 'doomed' })).id),
  ...crud('security-group-rules', 'security_group_rule', () => ({ security_group_id: I.sg, direction: 'egress', protocol: 'udp', port_range_min: 53, port_range_max: 53, remote_ip_prefix: '10.0.0.0/8' }),
    null, () => I.rule, async () => (await mk('security-group-rules', 'security_group_rule', { security_group_id: I.sg, direction: 'ingress', protocol: 'tcp', port_range_min: 1000 + Math.floor(Math.random() * 60000) })).id),
  ...crud('routers', 'router', () => ({ name: 'x', external_gateway_info: { network_id: I.ext } }), () => ({ routes: [{ destination: '10.99.0.0/16', nexthop: '10.0.0.254' }] }),
    () => I.router, async () => (await mk('routers', 'router', { name: 'doomed' })).id),
  ...crud('floatingips', 'floatingip', () => ({ floating_network_id: I.ext, description: 'f' }), () => ({ port_id: I.port }),
    () => I.fip, async () => (await mk('floatingips', 'floatingip', { floating_network_id: I.ext })).id),
  'PUT /v2.0/routers/:id/add_router_interface': {
    prepare: async () => ({ port: (await mk('ports', 'port', { network_id: I.net, security_groups: [] })).id }),
    make: (f) => ({ method: 'PUT', url: `/v2.0/routers/${I.router}/add_router_interface`, body: { port_id: f.port } }),
  },
  'PUT /v2.0/routers/:id/remove_router_interface': {
    prepare: async () => {
      const port = (await mk('ports', 'port', { network_id: I.net, security_groups: [] })).id;
      const r = (await mk('routers', 'router', { name: 'rr' })).id;
      await h.req('PUT', `/v2.0/routers/${r}/add_router_interface`, { port_id: port });
      return { port, router: r };
    },
    make: (f) => ({ method: 'PUT', url: `/v2.0/routers/${f.router}/remove_router_interface`, body: { port_id: f.port } }),
  },
  'PUT /v2.0/routers/:id/add_extraroutes': { key: 'router', make: () => ({ method: 'PUT', url: `/v2.0/routers/${I.router}/add_extraroutes`, body: { router: { routes: [{ destination: '10.98.0.0/16', nexthop: '10.0.0.253' }] } } }) },
  'PUT /v2.0/routers/:id/remove_extraroutes': { key: 'router', make: () => ({ method: 'PUT', url: `/v2.0/routers/${I.router}/remove_extraroutes`, body: { router: { routes: [{ destination: '10.98.0.0/16', nexthop: '10.0.0.253' }] } } }) },
  'GET /v2.0/:coll/:id/tags': { make: () => ({ method: 'GET', url: `/v2.0/networks/${I.net}/tags` }) },
  'PUT /v2.0/:coll/:id/tags': { make: () => ({ method: 'PUT', url: `/v2.0/ports/${I.port}/tags`, body: { tags: ['a', 'b'] } }) },
  'POST /v2.0/:coll/:id/tags': { make: () => ({ method: 'POST', url: `/v2.0/routers/${I.router}/tags`, body: { tags: ['c'] } }) },
  'DELETE /v2.0/:coll/:id/tags': { make: () => ({ method: 'DELETE', url: `/v2.0/floatingips/${I.fip}/tags` }) },
  'GET /v2.0/:coll/:id/tags/:tag': { make: () => ({ method: 'GET', url: `/v2.0/subnets/${I.subnet}/tags/a` }) },
  'PUT /v2.0/:coll/:id/tags/:tag': { make: () => ({ method: 'PUT', url: `/v2.0/security-groups/${I.sg}/tags/blue` }) },
  'DELETE /v2.0/:coll/:id/tags/:tag': { make: () => ({ method: 'DELETE', url: `/v2.0/networks/${I.net}/tags/blue` }) },
  'GET /v3': { make: () => ({ method: 'GET', url: '/v3' }) },
  'POST /v3/auth/tokens': { key: 'auth', make: () => ({ method: 'POST', url: '/v3/auth/tokens', body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'pw' } } } } } }) },
  'GET /v3/auth/tokens': { make: () => ({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': I.token!, 'x-subject-token': I.token! } }) },
  'DELETE /v3/auth/tokens': { make: () => ({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': I.token! } }) },
  'GET /v3/auth/projects': { make: () => ({ method: 'GET', url: '/v3/auth/projects' }) },
  'GET /v3/projects': { make: () => ({ method: 'GET', url: '/v3/projects?name=admin' }) },
  'GET /v3/projects/:id': { make: () => ({ method: 'GET', url: `/v3/projects/${I.project}` }) },
  'GET /v3/users/:id/projects': { make: () => ({ method: 'GET', url: '/v3/users/admin/projects' }) },
  'GET /projects': { make: () => ({ method: 'GET', url: '/projects' }) },
  'GET /projects/:id': { make: () => ({ method: 'GET', url: `/projects/${I.project}` }) },
};

test('every route the application serves has a template here', () => {
  const routes = routesOf(h.ctl.app);
  assert.ok(routes.length > 60, `only ${routes.length} routes parsed`);
  assert.deepEqual(routes.filter((r) => !(r in TEMPLATES)), [], 'routes without a template');
  assert.deepEqual(Object.keys(TEMPLATES).filter((t) => !routes.includes(t)), [], 'templates for routes that do not exist');
});

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>('', 'null', '../../etc/passwd', '\u0000', '\ud800', 'x'.repeat(300), '10.0.0.0/33', '::/129', '1.2.3.4.5',
    'fa:16:3e:zz:00:00', '00000000-0000-0000-0000-000000000000', -1, 2 ** 53, 1e308, 1.5, true, null, [], {}, [[]], { a: { b: {} } }),
);

const hostileParam = fc.oneof(
  fc.string({ maxLength: 20 }), fc.uuid(), fc.constantFrom('..', '%2e%2e', 'x'.repeat(600), '%00', 'networks', 'tags', '%E0%A4%A'),
);

const mutation = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('none' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), field: fc.string({ maxLength: 4 }), value: hostileValue, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unwrap' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: fc.oneof(fc.string(), fc.constantFrom('{', '{"a":', '[]', 'null', '"x"', '1', '{"network":null}', '\u0000')) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('query' as const), key: fc.constantFrom('limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'fixed_ips', 'shared', 'tags', 'mtu', 'id', 'page_reverse', 'nope', 'name'), value: fc.string({ maxLength: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('param' as const), which: fc.nat(), value: hostileParam }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('header' as const), header: fc.constantFrom<[string, string]>(
    ['x-auth-token', 'forged.token'], ['if-match', 'revision_number=abc'], ['if-match', 'revision_number=0'], ['content-type', 'text/plain'],
    ['x-project-id', 'intruder'], ['x-roles', 'admin'], ['content-type', 'application/x-www-form-urlencoded'],
  ) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tagcoll' as const), coll: taggedColl }) },
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function apply(t: Template, base: Request, m: Mutation): Request {
  const r: Request = { ...base, headers: { ...(base.headers ?? {}) } };
  const inner = t.key && typeof r.body === 'object' && r.body ? (r.body as Record<string, unknown>)[t.key] : r.body;
  switch (m.kind) {
    case 'none': break;
    case 'set': {
      const obj = typeof inner === 'object' && inner && !Array.isArray(inner) ? { ...(inner as Record<string, unknown>) } : {};
      const keys = Object.keys(obj);
      const field = keys.length && m.pick % 3 !== 0 ? keys[m.pick % keys.length]! : m.field;
      if (field === '__proto__') break;
      obj[field] = m.value;
      r.body = t.key ? { [t.key]: obj } : obj;
      break;
    }
    case 'unwrap': r.body = inner; break;
    case 'raw': r.body = m.text; break;
    case 'query': r.url += `${r.url.includes('?') ? '&' : '?'}${encodeURIComponent(m.key)}=${encodeURIComponent(m.value)}`; break;
    case 'param': {
      const [path, query] = r.url.split('?');
      const parts = path!.split('/');
      const slots = parts.map((p, i) => (/^[0-9a-f-]{36}$/.test(p) || (i > 2 && i === parts.length - 1) ? i : -1)).filter((i) => i > 0);
      if (slots.length) parts[slots[m.which % slots.length]!] = encodeURIComponent(m.value);
      r.url = parts.join('/') + (query ? `?${query}` : '');
      break;
    }
    case 'header': r.headers![m.header[0]] = m.header[1]; break;
    case 'tagcoll': r.url = r.url.replace(/^\/v2\.0\/[^/]+\/[^/]+\/tags/, `/v2.0/${m.coll}/${TAGGED[m.coll]!()}/tags`); break;
  }
  return r;
}

test('property: hostile variations of valid requests to every route never get a 5xx; refusals are NeutronErrors and change nothing', async (t) => {
  const routes = Object.keys(TEMPLATES);
  const statuses = new Map<number, number>();
  await checkProperty(fc.asyncProperty(fc.constantFrom(...routes), mutation, async (route, m) => {
    const t = TEMPLATES[route]!;
    const fresh = t.prepare ? await t.prepare() : {};
    const req = apply(t, t.make(fresh), m);
    const listed = await h.listAll();
    const snap = h.snapshot();
    const r = await h.req(req.method, req.url, req.body, req.headers);
    const what = `${route} as ${req.method} ${req.url} ${JSON.stringify(req.body) ?? ''} ${JSON.stringify(req.headers)}`;
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    assert.ok(r.status < 500, `${what} -> ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(hasRequestId(r), `${what}: no X-Openstack-Request-Id`);
    if (r.status >= 400) {
      assert.ok(isNeutronError(r), `${what}: not a NeutronError: ${JSON.stringify(r.body)}`);
      assert.equal(h.snapshot(), snap, `${what} was refused (${r.status}) but changed the database`);
      assert.equal(await h.listAll(), listed, `${what} was refused (${r.status}) but the API lists something else`);
    }
  }), { numRuns: 700, seed: 20240604 });
  t.diagnostic(`statuses: ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
  // Both outcomes occur: the templates are valid requests and the mutations break them.
  const ok = [...statuses].filter(([s]) => s < 300).reduce((a, [, n]) => a + n, 0);
  assert.ok(ok > 50, `only ${ok} requests succeeded: ${JSON.stringify([...statuses])}`);
  assert.ok(statuses.size > 5, JSON.stringify([...statuses]));
});

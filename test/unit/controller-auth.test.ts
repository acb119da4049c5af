/**
 * Projects and authentication: minimal Keystone v3 tokens, and isolation
 * between projects (they cannot list, read, change or attach to each
 * other's resources: 404 for what they cannot see, 403 for what they see
 * but do not own), and two controllers sharing one database.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startHarness, config, type Harness } from './controller-harness.js';
import { Controller } from '../../src/controller/service.js';

const INI = `
[DEFAULT]
auth_strategy = keystone
[user:admin]
password = secret
project = admin
roles = admin
[user:alice]
password = a
project = demo
[user:bob]
password = b
project = other
`;

let h: Harness;
const tok: Record<string, string> = {};
before(async () => {
  h = await startHarness({ config: config(INI) });
  for (const [u, pw, p] of [['admin', 'secret', 'admin'], ['alice', 'a', 'demo'], ['bob', 'b', 'other']]) {
    const r = await h.req('POST', '/v3/auth/tokens', {
      auth: { identity: { methods: ['password'], password: { user: { name: u, password: pw, domain: { name: 'Default' } } } }, scope: { project: { name: p, domain: { name: 'Default' } } } },
    });
    assert.equal(r.status, 201);
    tok[u!] = String(r.headers['x-subject-token']);
    assert.equal(r.body.token.project.name, p);
  }
});
after(async () => { await h.close(); });

const as = (u: string): Record<string, string> => ({ 'x-auth-token': tok[u]! });
async function mk(u: string, coll: string, key: string, body: Record<string, unknown>): Promise<any> {
  const r = await h.req('POST', `/v2.0/${coll}`, { [key]: body }, as(u));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body[key];
}

test('keystone: tokens required, wrong password refused, version document served', async () => {
  assert.equal((await h.req('GET', '/v2.0/networks')).status, 401);
  assert.equal((await h.req('GET', '/v2.0/networks', undefined, { 'x-auth-token': 'forged.token' })).status, 401);
  const bad = await h.req('POST', '/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'x' } } } } });
  assert.equal(bad.status, 401);
  assert.equal((await h.req('GET', '/v3')).body.version.id, 'v3.14');
  assert.equal((await h.req('GET', '/')).status, 200);
  const projects = await h.req('GET', '/v3/projects', undefined, as('alice'));
  assert.deepEqual(projects.body.projects.map((p: any) => p.name), ['demo']);
  assert.equal((await h.req('GET', '/v3/projects', undefined, as('admin'))).body.projects.length, 3);
});

test('projects cannot see, change or attach to each other\'s resources', async () => {
  const net = await mk('alice', 'networks', 'network', { name: 'alice-net' });
  const sub = await mk('alice', 'subnets', 'subnet', { network_id: net.id, cidr: '10.50.0.0/24', ip_version: 4 });
  const port = await mk('alice', 'ports', 'port', { network_id: net.id });
  const sg = await mk('alice', 'security-groups', 'security_group', { name: 'alice-sg' });
  const router = await mk('alice', 'routers', 'router', { name: 'alice-r' });
  const bobNet = await mk('bob', 'networks', 'network', { name: 'bob-net' });
  const bobRouter = await mk('bob', 'routers', 'router', { name: 'bob-r' });

  // Lists show only one's own.
  const names = (await h.req('GET', '/v2.0/networks', undefined, as('bob'))).body.networks.map((n: any) => n.name);
  assert.deepEqual(names, ['bob-net']);
  assert.equal((await h.req('GET', '/v2.0/ports', undefined, as('bob'))).body.ports.length, 0);
  assert.ok(!(await h.req('GET', '/v2.0/security-groups', undefined, as('bob'))).body.security_groups.some((g: any) => g.id === sg.id));
  // Reads, updates and deletes of another project's resources: 404.
  for (const [coll, id] of [['networks', net.id], ['subnets', sub.id], ['ports', port.id], ['security-groups', sg.id], ['routers', router.id]]) {
    assert.equal((await h.req('GET', `/v2.0/${coll}/${id}`, undefined, as('bob'))).status, 404, coll);
    assert.equal((await h.req('DELETE', `/v2.0/${coll}/${id}`, undefined, as('bob'))).status, 404, coll);
    assert.equal((await h.req('PUT', `/v2.0/${coll}/${id}/tags`, { tags: ['x'] }, as('bob'))).status, 404, coll);
  }
  assert.equal((await h.req('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'mine' } }, as('bob'))).status, 404);
  // Attaching to them: 404.
  assert.equal((await h.req('POST', '/v2.0/ports', { port: { network_id: net.id } }, as('bob'))).status, 404);
  assert.equal((await h.req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.51.0.0/24', ip_version: 4 } }, as('bob'))).status, 404);
  assert.equal((await h.req('POST', '/v2.0/ports', { port: { network_id: bobNet.id, security_groups: [sg.id] } }, as('bob'))).status, 404);
  assert.equal((await h.req('PUT', `/v2.0/routers/${bobRouter.id}/add_router_interface`, { subnet_id: sub.id }, as('bob'))).status, 404);
  assert.equal((await h.req('PUT', `/v2.0/routers/${bobRouter.id}/add_router_interface`, { port_id: port.id }, as('bob'))).status, 404);
  assert.equal((await h.req('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id }, as('bob'))).status, 404);
  assert.equal((await h.req('GET', '/v2.0/quotas/' + net.project_id, undefined, as('bob'))).status, 403);
  // No creating in someone else's name, no admin-only attributes.
  assert.equal((await h.req('POST', '/v2.0/networks', { network: { name: 'spoof', project_id: net.project_id } }, as('bob'))).status, 400);
  assert.equal((await h.req('POST', '/v2.0/networks', { network: { name: 's', shared: true } }, as('bob'))).status, 403);
  assert.equal((await h.req('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 9 } }, as('bob'))).status, 403);
  assert.equal((await h.req('PUT', `/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'hv1' } }, as('alice'))).status, 403);
  // Admin sees everything.
  const all = (await h.req('GET', '/v2.0/networks', undefined, as('admin'))).body.networks.map((n: any) => n.name).sort();
  assert.deepEqual(all, ['alice-net', 'bob-net']);
});

test('a shared network is usable by all but changeable only by its owner', async () => {
  const shared = await mk('admin', 'networks', 'network', { name: 'shared', shared: true });
  await mk('admin', 'subnets', 'subnet', { network_id: shared.id, cidr: '10.60.0.0/24', ip_version: 4 });
  assert.equal((await h.req('GET', `/v2.0/networks/${shared.id}`, undefined, as('bob'))).status, 200);
  const p = await mk('bob', 'ports', 'port', { network_id: shared.id });
  assert.equal(p.project_id, (await h.req('GET', '/v2.0/quotas/tenant', undefined, as('bob'))).body.tenant.tenant_id);
  assert.equal((await h.req('PUT', `/v2.0/networks/${shared.id}`, { network: { name: 'mine' } }, as('bob'))).status, 403);
  assert.equal((await h.req('DELETE', `/v2.0/networks/${shared.id}`, undefined, as('bob'))).status, 403);
  assert.equal((await h.req('POST', '/v2.0/subnets', { subnet: { network_id: shared.id, cidr: '10.61.0.0/24', ip_version: 4 } }, as('bob'))).status, 403);
  // Alice does not see Bob's port on the shared network; the network's owner (admin) does.
  assert.equal((await h.req('GET', `/v2.0/ports/${p.id}`, undefined, as('alice'))).status, 404);
  assert.equal((await h.req('GET', `/v2.0/ports/${p.id}`, undefined, as('admin'))).status, 200);
  const unshare = await h.req('PUT', `/v2.0/networks/${shared.id}`, { network: { shared: false } }, as('admin'));
  assert.equal(unshare.status, 409);
});

test('two controllers on one database never hand out the same address', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ctl2-'));
  const sock = path.join(dir, 'nb.sock');
  const a = await Controller.start({ config: config(), dir, nbListen: [`punix:${sock}`], listen: null });
  const b = await Controller.start({ config: config(), nb: `unix:${sock}`, listen: null });
  try {
    const post = async (c: Controller, url: string, body: unknown): Promise<any> => {
      const r = await c.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return { status: r.statusCode, body: JSON.parse(r.body) };
    };
    const n = (await post(a, '/v2.0/networks', { network: { name: 'both' } })).body.network;
    await post(a, '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.70.0.0/24', ip_version: 4 } });
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => post(i % 2 ? a : b, '/v2.0/ports', { port: { network_id: n.id } })));
    assert.ok(rs.every((r) => r.status === 201), JSON.stringify(rs.find((r) => r.status !== 201)));
    const ips = rs.map((r) => r.body.port.fixed_ips[0].ip_address);
    assert.equal(new Set(ips).size, 30);
    const seenByB = await b.app.inject({ method: "GET", url: `/v2.0/ports?network_id=${n.id}&device_owner=` });
    assert.equal(JSON.parse(seenByB.body).ports.length, 30);
    t.diagnostic(`recomputed after losing a race: ${a.writer.retries + b.writer.retries}`);
  } finally {
    await b.close();
    await a.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

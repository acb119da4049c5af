/**
 * Isolation between projects, end to end over HTTP with Keystone tokens:
 * two projects (alice in `demo`, bob in `other`) and an admin, each
 * authenticated through the controller's minimal Keystone v3, on one
 * controller listening on loopback.
 *
 * Neither project can list, read, change or attach to the other's
 * networks, subnets, ports, security groups and rules, routers and
 * floating IPs, and the refusals are Neutron's:
 *   - 404 (…NotFound) for what the caller cannot see, whether it reads,
 *     changes, deletes, tags or refers to it (a port on the other's
 *     network, a router interface on its subnet or port, a floating IP on
 *     its port, a rule naming its group), so ids cannot be probed;
 *   - 403 (PolicyNotAuthorized) for what it sees but may not do: change a
 *     shared network, choose addresses or MACs on it, read another's quota;
 *   - 409 for conflicts no visibility rule can hide: a router-interface
 *     port naming another project's router (DeviceIDNotOwnedByTenant), an
 *     admin deleting or unsharing a network other projects use;
 *   - 400 for routing a subnet one merely sees (a shared one).
 * Every refusal leaves the northbound database as it was. The admin sees
 * and lists everything.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, config, hasRequestId, isNeutronError, LISTED, type Harness, type Reply } from './controller-harness.js';

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
const project: Record<string, string> = {};
/** Alice's and Bob's resources, by short name. */
const A: Record<string, any> = {}, B: Record<string, any> = {}, ADM: Record<string, any> = {};

const as = (u: string): Record<string, string> => ({ 'x-auth-token': tok[u]! });

async function call(u: string, method: string, url: string, body?: unknown): Promise<Reply> {
  const r = await h.req(method, url, body, as(u));
  assert.ok(hasRequestId(r), `${method} ${url}: no X-Openstack-Request-Id`);
  assert.ok(r.status < 500, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

async function mk(u: string, coll: string, key: string, body: Record<string, unknown>): Promise<any> {
  const r = await call(u, 'POST', `/v2.0/${coll}`, { [key]: body });
  assert.equal(r.status, 201, `${u} POST ${coll}: ${JSON.stringify(r.body)}`);
  return r.body[key];
}

/** `u`'s request is refused with `status` (and the NeutronError `type`, if given), and nothing changes. */
async function refused(u: string, method: string, url: string, body: unknown, status: number, type?: string): Promise<void> {
  const snap = h.snapshot();
  const r = await call(u, method, url, body);
  const what = `${u} ${method} ${url} ${JSON.stringify(body) ?? ''}`;
  assert.equal(r.status, status, `${what} -> ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(isNeutronError(r), `${what}: not a NeutronError: ${JSON.stringify(r.body)}`);
  if (type) assert.equal(r.body.NeutronError.type, type, what);
  assert.equal(h.snapshot(), snap, `${what} was refused but changed the database`);
}

before(async () => {
  h = await startHarness({ config: config(INI), http: true });
  for (const [u, pw, p] of [['admin', 'secret', 'admin'], ['alice', 'a', 'demo'], ['bob', 'b', 'other']] as const) {
    const r = await h.req('POST', '/v3/auth/tokens', {
      auth: { identity: { methods: ['password'], password: { user: { name: u, password: pw, domain: { name: 'Default' } } } }, scope: { project: { name: p, domain: { name: 'Default' } } } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    tok[u] = String(r.headers['x-subject-token']);
    project[u] = r.body.token.project.id;
  }
  // The admin's external and shared networks, and a network it made for alice.
  ADM.ext = await mk('admin', 'networks', 'network', { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'default' });
  ADM.extSub = await mk('admin', 'subnets', 'subnet', { network_id: ADM.ext.id, cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false });
  ADM.shared = await mk('admin', 'networks', 'network', { name: 'shared', shared: true });
  ADM.sharedSub = await mk('admin', 'subnets', 'subnet', { network_id: ADM.shared.id, cidr: '10.70.0.0/24', ip_version: 4 });
  ADM.aliceShared = await mk('admin', 'networks', 'network', { name: 'alice-shared', shared: true, project_id: project.alice });
  await mk('admin', 'subnets', 'subnet', { network_id: ADM.aliceShared.id, cidr: '10.80.0.0/24', ip_version: 4, project_id: project.alice });
  for (const [u, o, n] of [['alice', A, 50], ['bob', B, 60]] as const) {
    o.net = await mk(u, 'networks', 'network', { name: `${u}-net` });
    o.sub = await mk(u, 'subnets', 'subnet', { name: `${u}-sub`, network_id: o.net.id, cidr: `10.${n}.0.0/24`, ip_version: 4 });
    o.sg = await mk(u, 'security-groups', 'security_group', { name: `${u}-sg` });
    o.rule = await mk(u, 'security-group-rules', 'security_group_rule', { security_group_id: o.sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 });
    o.port = await mk(u, 'ports', 'port', { name: `${u}-port`, network_id: o.net.id, security_groups: [o.sg.id] });
    o.router = await mk(u, 'routers', 'router', { name: `${u}-router`, external_gateway_info: { network_id: ADM.ext.id } });
    const add = await call(u, 'PUT', `/v2.0/routers/${o.router.id}/add_router_interface`, { subnet_id: o.sub.id });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    o.fip = await mk(u, 'floatingips', 'floatingip', { floating_network_id: ADM.ext.id, ...(u === 'alice' ? { port_id: o.port.id } : {}) });
    o.sharedPort = await mk(u, 'ports', 'port', { name: `${u}-on-shared`, network_id: ADM.shared.id });
    assert.equal((await call(u, 'PUT', `/v2.0/networks/${o.net.id}/tags`, { tags: [u] })).status, 200);
  }
  A.dflt = (await call('alice', 'GET', '/v2.0/security-groups?name=default')).body.security_groups[0];
});
after(async () => { await h.close(); });

/** Every id a project's lists show, over all collections. */
async function idsSeenBy(u: string, query = ''): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of LISTED.filter((x) => x !== 'agents' && x !== 'quotas')) {
    const r = await call(u, 'GET', `/v2.0/${c}${query}`);
    assert.equal(r.status, 200, `${u} GET ${c}${query}: ${JSON.stringify(r.body)}`);
    for (const o of Object.values(r.body)[0] as any[]) out.add(o.id);
  }
  return out;
}

const idsOf = (o: Record<string, any>): string[] => Object.values(o).map((x) => x.id);

test('lists: a project sees only its own resources, whatever the filter; the admin sees all', async () => {
  const aliceIds = idsOf(A), bobIds = idsOf(B);
  const bobSees = await idsSeenBy('bob');
  const aliceSees = await idsSeenBy('alice');
  for (const id of aliceIds) assert.ok(!bobSees.has(id), `bob lists alice's ${id}`);
  for (const id of bobIds) assert.ok(!aliceSees.has(id), `alice lists bob's ${id}`);
  for (const id of aliceIds) assert.ok(aliceSees.has(id), `alice does not list her own ${id}`);
  // Neither sees the other's port on the shared network, nor the routers' gateway and floating IP ports.
  const onShared = (await call('bob', 'GET', `/v2.0/ports?network_id=${ADM.shared.id}`)).body.ports.map((p: any) => p.id);
  assert.deepEqual(onShared, [B.sharedPort.id]);
  const onExt = (await call('bob', 'GET', `/v2.0/ports?network_id=${ADM.ext.id}`)).body.ports;
  assert.deepEqual(onExt, []);
  // Filters and pagination naming alice's resources find nothing for bob.
  for (const q of [
    `?id=${A.net.id}`, `?project_id=${project.alice}`, `?tenant_id=${project.alice}`, '?tags=alice', '?limit=500',
    `?limit=1&sort_key=created_at&sort_dir=desc&project_id=${project.alice}`,
  ]) {
    const seen = await idsSeenBy('bob', q);
    for (const id of aliceIds) assert.ok(!seen.has(id), `bob sees alice's ${id} with ${q}`);
  }
  for (const [c, q] of [
    ['networks', 'name=alice-net'], ['ports', 'name=alice-port'], ['routers', 'name=alice-router'],
    ['ports', `network_id=${A.net.id}`], ['ports', `device_id=${A.router.id}`], ['ports', `fixed_ips=ip_address%3D${A.port.fixed_ips[0].ip_address}`],
    ['ports', `mac_address=${A.port.mac_address}`], ['subnets', `network_id=${A.net.id}`], ['security-group-rules', `security_group_id=${A.sg.id}`],
    ['floatingips', `port_id=${A.port.id}`], ['floatingips', `router_id=${A.router.id}`], ['security-groups', `id=${A.dflt.id}`],
  ]) {
    const r = await call('bob', 'GET', `/v2.0/${c}?${q}`);
    assert.deepEqual(Object.values(r.body)[0], [], `bob GET ${c}?${q}`);
  }
  // Alice's id as a pagination marker does not exist for bob.
  await refused('bob', 'GET', `/v2.0/ports?limit=1&marker=${A.port.id}`, undefined, 404);
  await refused('bob', 'GET', `/v2.0/networks?limit=1&marker=${A.net.id}&sort_key=name`, undefined, 404);
  // Projects and quotas: one's own only.
  assert.deepEqual((await call('bob', 'GET', '/v3/projects')).body.projects.map((p: any) => p.name), ['other']);
  await call('admin', 'PUT', `/v2.0/quotas/${project.alice}`, { quota: { network: 20 } });
  assert.deepEqual((await call('bob', 'GET', '/v2.0/quotas')).body.quotas, []);
  assert.deepEqual((await call('alice', 'GET', '/v2.0/quotas')).body.quotas.map((q: any) => q.project_id), [project.alice]);
  // The admin lists everything, and can filter by project.
  const adminSees = await idsSeenBy('admin');
  for (const id of [...aliceIds, ...bobIds, ...idsOf(ADM)]) assert.ok(adminSees.has(id), `admin does not list ${id}`);
  const aliceNets = (await call('admin', 'GET', `/v2.0/networks?project_id=${project.alice}`)).body.networks.map((n: any) => n.name).sort();
  assert.deepEqual(aliceNets, ['alice-net', 'alice-shared']);
});

const RESOURCES: [string, string, string, string][] = [
  ['networks', 'network', 'net', 'NetworkNotFound'], ['subnets', 'subnet', 'sub', 'SubnetNotFound'], ['ports', 'port', 'port', 'PortNotFound'],
  ['security-groups', 'security_group', 'sg', 'SecurityGroupNotFound'], ['security-group-rules', 'security_group_rule', 'rule', 'SecurityGroupRuleNotFound'],
  ['routers', 'router', 'router', 'RouterNotFound'], ['floatingips', 'floatingip', 'fip', 'FloatingIPNotFound'],
];

test('reads and changes of the other project\'s resources: 404, nothing changes', async () => {
  const aliceView = await h.listAll(as('alice'));
  for (const [thief, victim] of [['bob', A], ['alice', B]] as const) {
    for (const [coll, key, name, type] of RESOURCES) {
      const id = victim[name].id;
      await refused(thief, 'GET', `/v2.0/${coll}/${id}`, undefined, 404, type);
      await refused(thief, 'GET', `/v2.0/${coll}/${id}?fields=id`, undefined, 404, type);
      await refused(thief, 'DELETE', `/v2.0/${coll}/${id}`, undefined, 404, type);
      if (coll !== 'security-group-rules') {
        await refused(thief, 'PUT', `/v2.0/${coll}/${id}`, { [key]: { description: 'mine now' } }, 404, type);
        await refused(thief, 'GET', `/v2.0/${coll}/${id}/tags`, undefined, 404);
        await refused(thief, 'PUT', `/v2.0/${coll}/${id}/tags`, { tags: ['mine'] }, 404);
        await refused(thief, 'POST', `/v2.0/${coll}/${id}/tags`, { tags: ['mine'] }, 404);
        await refused(thief, 'PUT', `/v2.0/${coll}/${id}/tags/mine`, undefined, 404);
        await refused(thief, 'DELETE', `/v2.0/${coll}/${id}/tags`, undefined, 404);
        await refused(thief, 'DELETE', `/v2.0/${coll}/${id}/tags/alice`, undefined, 404);
      }
    }
    const r = victim.router.id;
    await refused(thief, 'PUT', `/v2.0/routers/${r}/add_router_interface`, { subnet_id: victim.sub.id }, 404, 'RouterNotFound');
    await refused(thief, 'PUT', `/v2.0/routers/${r}/remove_router_interface`, { subnet_id: victim.sub.id }, 404, 'RouterNotFound');
    await refused(thief, 'PUT', `/v2.0/routers/${r}/add_extraroutes`, { router: { routes: [{ destination: '10.99.0.0/16', nexthop: '203.0.113.99' }] } }, 404, 'RouterNotFound');
    await refused(thief, 'PUT', `/v2.0/routers/${r}/remove_extraroutes`, { router: { routes: [] } }, 404, 'RouterNotFound');
    await refused(thief, 'PUT', `/v2.0/floatingips/${victim.fip.id}`, { floatingip: { port_id: null } }, 404, 'FloatingIPNotFound');
    await refused(thief, 'PUT', `/v2.0/ports/${victim.port.id}`, { port: { security_groups: [] } }, 404, 'PortNotFound');
  }
  // Quotas: another project's are not readable, and only the admin changes any.
  for (const path of ['', '/default', '/details']) await refused('bob', 'GET', `/v2.0/quotas/${project.alice}${path}`, undefined, 403, 'PolicyNotAuthorized');
  await refused('bob', 'PUT', `/v2.0/quotas/${project.alice}`, { quota: { network: 0 } }, 403);
  await refused('bob', 'PUT', `/v2.0/quotas/${project.bob}`, { quota: { network: 1000 } }, 403);
  await refused('bob', 'DELETE', `/v2.0/quotas/${project.alice}`, undefined, 403);
  assert.equal(await h.listAll(as('alice')), aliceView);
});

test('attaching to the other project\'s resources: 404 for what it cannot see, 409 for its router', async () => {
  const aliceView = await h.listAll(as('alice'));
  await refused('bob', 'POST', '/v2.0/ports', { port: { network_id: A.net.id } }, 404, 'NetworkNotFound');
  await refused('bob', 'POST', '/v2.0/ports', { ports: [{ network_id: B.net.id }, { network_id: A.net.id }] }, 404, 'NetworkNotFound');
  await refused('bob', 'POST', '/v2.0/subnets', { subnet: { network_id: A.net.id, cidr: '10.51.0.0/24', ip_version: 4 } }, 404, 'NetworkNotFound');
  await refused('bob', 'POST', '/v2.0/ports', { port: { network_id: B.net.id, security_groups: [A.sg.id] } }, 404, 'SecurityGroupNotFound');
  await refused('bob', 'PUT', `/v2.0/ports/${B.port.id}`, { port: { security_groups: [A.dflt.id] } }, 404, 'SecurityGroupNotFound');
  await refused('bob', 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: A.sg.id, direction: 'ingress' } }, 404, 'SecurityGroupNotFound');
  await refused('bob', 'POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: B.sg.id, direction: 'ingress', remote_group_id: A.sg.id } }, 404, 'SecurityGroupNotFound');
  await refused('bob', 'PUT', `/v2.0/routers/${B.router.id}/add_router_interface`, { subnet_id: A.sub.id }, 404, 'SubnetNotFound');
  await refused('bob', 'PUT', `/v2.0/routers/${B.router.id}/add_router_interface`, { port_id: A.port.id }, 404, 'PortNotFound');
  await refused('bob', 'POST', '/v2.0/routers', { router: { external_gateway_info: { network_id: A.net.id } } }, 404, 'NetworkNotFound');
  await refused('bob', 'PUT', `/v2.0/routers/${B.router.id}`, { router: { external_gateway_info: { network_id: A.net.id } } }, 404, 'NetworkNotFound');
  await refused('bob', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ADM.ext.id, port_id: A.port.id } }, 404, 'PortNotFound');
  await refused('bob', 'PUT', `/v2.0/floatingips/${B.fip.id}`, { floatingip: { port_id: A.port.id } }, 404, 'PortNotFound');
  await refused('bob', 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: A.net.id } }, 404, 'NetworkNotFound');
  // A port claiming to be an interface of alice's router.
  await refused('bob', 'POST', '/v2.0/ports', { port: { network_id: B.net.id, device_owner: 'network:router_interface', device_id: A.router.id } }, 409, 'DeviceIDNotOwnedByTenant');
  await refused('bob', 'PUT', `/v2.0/ports/${B.port.id}`, { port: { device_owner: 'network:router_interface', device_id: A.router.id } }, 409, 'DeviceIDNotOwnedByTenant');
  assert.equal(await h.listAll(as('alice')), aliceView);
});

test('a shared network: usable by all, addresses and changes only for its owner', async () => {
  const sh = ADM.shared.id;
  // Visible and usable: a port with an allocated address is fine…
  const mine = await mk('bob', 'ports', 'port', { network_id: sh, fixed_ips: [{ subnet_id: ADM.sharedSub.id }] });
  assert.equal((await call('bob', 'DELETE', `/v2.0/ports/${mine.id}`)).status, 204);
  // …choosing alice's address or MAC on it is not (policy, before any conflict is revealed).
  await refused('bob', 'POST', '/v2.0/ports', { port: { network_id: sh, fixed_ips: [{ ip_address: A.sharedPort.fixed_ips[0].ip_address }] } }, 403, 'PolicyNotAuthorized');
  await refused('bob', 'POST', '/v2.0/ports', { port: { network_id: sh, mac_address: A.sharedPort.mac_address } }, 403, 'PolicyNotAuthorized');
  await refused('bob', 'POST', '/v2.0/ports', { port: { network_id: sh, device_owner: 'network:router_interface' } }, 403, 'PolicyNotAuthorized');
  await refused('bob', 'PUT', `/v2.0/ports/${B.sharedPort.id}`, { port: { fixed_ips: [{ subnet_id: ADM.sharedSub.id }] } }, 403, 'PolicyNotAuthorized');
  await refused('bob', 'PUT', `/v2.0/ports/${B.sharedPort.id}`, { port: { mac_address: 'fa:16:3e:00:11:22' } }, 403, 'PolicyNotAuthorized');
  // Its subnet can be seen but not routed by a project that does not own it.
  await refused('bob', 'PUT', `/v2.0/routers/${B.router.id}/add_router_interface`, { subnet_id: ADM.sharedSub.id }, 400, 'BadRequest');
  // The network itself: seen, not changed.
  assert.equal((await call('bob', 'GET', `/v2.0/networks/${sh}`)).status, 200);
  await refused('bob', 'PUT', `/v2.0/networks/${sh}`, { network: { name: 'mine' } }, 403, 'PolicyNotAuthorized');
  await refused('bob', 'DELETE', `/v2.0/networks/${sh}`, undefined, 403, 'PolicyNotAuthorized');
  await refused('bob', 'PUT', `/v2.0/networks/${sh}/tags`, { tags: ['x'] }, 403, 'PolicyNotAuthorized');
  await refused('bob', 'POST', '/v2.0/subnets', { subnet: { network_id: sh, cidr: '10.71.0.0/24', ip_version: 4 } }, 403, 'PolicyNotAuthorized');
  // The admin cannot pull it from under the projects using it.
  await refused('admin', 'DELETE', `/v2.0/networks/${sh}`, undefined, 409, 'NetworkInUse');
  await refused('admin', 'PUT', `/v2.0/networks/${sh}`, { network: { shared: false } }, 409, 'InvalidSharedSetting');
  // A network's owner sees a port another project made on it, may delete it, may not change it.
  const guest = await mk('bob', 'ports', 'port', { network_id: ADM.aliceShared.id });
  assert.equal((await call('alice', 'GET', `/v2.0/ports/${guest.id}`)).status, 200);
  assert.ok((await call('alice', 'GET', `/v2.0/ports?network_id=${ADM.aliceShared.id}`)).body.ports.some((p: any) => p.id === guest.id));
  await refused('alice', 'PUT', `/v2.0/ports/${guest.id}`, { port: { name: 'taken over' } }, 403, 'PolicyNotAuthorized');
  assert.equal((await call('alice', 'DELETE', `/v2.0/ports/${guest.id}`)).status, 204);
  assert.equal((await call('bob', 'GET', `/v2.0/ports/${guest.id}`)).status, 404);
});

test('the admin reads, changes and attaches across projects', async () => {
  for (const [coll, key, name] of RESOURCES) {
    for (const o of [A, B]) {
      const r = await call('admin', 'GET', `/v2.0/${coll}/${o[name].id}`);
      assert.equal(r.status, 200, `admin GET ${coll}`);
      assert.equal(r.body[key].id, o[name].id);
    }
  }
  assert.equal((await call('admin', 'PUT', `/v2.0/networks/${B.net.id}/tags/audited`)).status, 201);
  const p = await mk('admin', 'ports', 'port', { network_id: A.net.id, fixed_ips: [{ ip_address: '10.50.0.200' }], mac_address: 'fa:16:3e:ad:00:01' });
  assert.equal(p.project_id, project.admin);
  // Alice, the network's owner, sees the admin's port on her network.
  assert.equal((await call('alice', 'GET', `/v2.0/ports/${p.id}`)).status, 200);
  assert.equal((await call('admin', 'DELETE', `/v2.0/ports/${p.id}`)).status, 204);
  assert.ok((await call('bob', 'GET', `/v2.0/networks/${B.net.id}`)).body.network.tags.includes('audited'));
});

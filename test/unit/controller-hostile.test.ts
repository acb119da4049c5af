/**
 * Bad input never hurts: every malformed or hostile request gets a 4xx
 * NeutronError, never a 5xx, and a refused request leaves the northbound
 * database exactly as it was (compared row by row).
 *
 * First a catalog of the refusals the issue names (wrong types, overlapping
 * CIDRs, addresses outside the subnet, exhausted pools, VLANs out of
 * range, duplicate MACs, deleting resources in use, another project's
 * resources), each with its exact status; then a property test that
 * mutates valid requests to every endpoint at random.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startHarness, asProject, type Harness, type Reply } from './controller-harness.js';

let h: Harness;
const ids: Record<string, string> = {};

async function mk(coll: string, key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<any> {
  const r = await h.req('POST', `/v2.0/${coll}`, { [key]: body }, headers);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body[key];
}

before(async () => {
  h = await startHarness();
  const n = await mk('networks', 'network', { name: 'n' });
  const s = await mk('subnets', 'subnet', { network_id: n.id, cidr: '10.0.0.0/24', ip_version: 4 });
  const full = await mk('networks', 'network', { name: 'full' });
  const fs1 = await mk('subnets', 'subnet', { network_id: full.id, cidr: '10.1.0.0/30', ip_version: 4, enable_dhcp: false });
  await mk('ports', 'port', { network_id: full.id });
  const sg = await mk('security-groups', 'security_group', { name: 'g' });
  const p = await mk('ports', 'port', { network_id: n.id, mac_address: 'fa:16:3e:00:00:aa', security_groups: [sg.id] });
  const vlan = await mk('networks', 'network', { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 100 });
  const ext = await mk('networks', 'network', { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'default' });
  const es = await mk('subnets', 'subnet', { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4 });
  const r = await mk('routers', 'router', { name: 'r', external_gateway_info: { network_id: ext.id } });
  const iface = (await h.req('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: s.id })).body;
  const fip = await mk('floatingips', 'floatingip', { floating_network_id: ext.id, port_id: p.id });
  const other = await mk('networks', 'network', { name: 'other' }, asProject('other-project'));
  const rule = (await h.req('GET', `/v2.0/security-group-rules?security_group_id=${sg.id}`)).body.security_group_rules[0];
  Object.assign(ids, {
    net: n.id, subnet: s.id, full: full.id, fullSubnet: fs1.id, sg: sg.id, port: p.id, vlan: vlan.id, ext: ext.id, extSubnet: es.id,
    router: r.id, ifport: iface.port_id, fip: fip.id, fipPort: (await h.req('GET', `/v2.0/ports?device_id=${fip.id}`)).body.ports[0].id,
    other: other.id, rule: rule.id, project: n.project_id,
  });
});
after(async () => { await h.close(); });

function isNeutronError(r: Reply): boolean {
  const e = r.body?.NeutronError;
  return !!e && typeof e.type === 'string' && typeof e.message === 'string' && typeof e.detail === 'string';
}

async function refused(method: string, url: string, body: unknown, status: number, headers?: Record<string, string>): Promise<void> {
  const snap = h.snapshot();
  const r = await h.req(method, url, body, headers);
  assert.equal(r.status, status, `${method} ${url} ${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(isNeutronError(r), JSON.stringify(r.body));
  assert.equal(h.snapshot(), snap, `${method} ${url} changed the database`);
}

test('the named refusals: right status, nothing changed', async () => {
  const I = ids;
  // Wrong types and malformed bodies.
  await refused('POST', '/v2.0/networks', '{"network": {', 400);
  await refused('POST', '/v2.0/networks', [1, 2], 400);
  await refused('POST', '/v2.0/networks', { net: {} }, 400);
  await refused('POST', '/v2.0/networks', { network: { name: 42 } }, 400);
  await refused('POST', '/v2.0/networks', { network: { admin_state_up: 'perhaps' } }, 400);
  await refused('POST', '/v2.0/networks', { network: { bogus: 1 } }, 400);
  await refused('POST', '/v2.0/networks', { network: { mtu: 'big' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: 'not-a-uuid' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: 'x' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, mac_address: 'ff:ff:ff:ff:ff:ff' } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: 'garbage', ip_version: 4 } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.9.0.0/24', ip_version: 6 } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.9.0.0/24' } }, 400);
  await refused('PUT', `/v2.0/networks/${I.net}`, { network: { id: I.other } }, 400);
  await refused('PUT', `/v2.0/quotas/${I.project}`, { quota: { network: 'lots' } }, 400);
  await refused('PUT', `/v2.0/networks/${I.net}/tags`, { tags: ['a,b'] }, 400);
  await refused('PUT', `/v2.0/networks/${I.net}/tags`, { tags: ['x'.repeat(256)] }, 400);
  await refused('PUT', `/v2.0/routers/${I.router}/add_router_interface`, { subnet_id: 5 }, 400);
  // Overlapping CIDRs, addresses outside the subnet, exhausted pools.
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.0.0.0/16', ip_version: 4 } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ subnet_id: I.subnet, ip_address: '10.0.1.5' }] } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ ip_address: '172.16.0.1' }] } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ subnet_id: I.fullSubnet }] } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.full } }, 409);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ ip_address: '10.0.0.1' }] } }, 409);
  // VLANs out of range or in use, duplicate MACs.
  for (const seg of [0, 4095, -1, 'x']) {
    await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': seg } }, 400);
  }
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 100 } }, 409);
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'flat', 'provider:physical_network': 'default' } }, 409);
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 2 ** 24 } }, 400);
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'ethernet' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, mac_address: 'fa:16:3e:00:00:aa' } }, 409);
  await refused('PUT', `/v2.0/networks/${I.vlan}`, { network: { 'provider:segmentation_id': 101 } }, 400);
  // Deleting resources in use.
  await refused('DELETE', `/v2.0/networks/${I.net}`, undefined, 409);
  await refused('DELETE', `/v2.0/subnets/${I.subnet}`, undefined, 409);
  await refused('DELETE', `/v2.0/security-groups/${I.sg}`, undefined, 409);
  await refused('DELETE', `/v2.0/routers/${I.router}`, undefined, 409);
  await refused('DELETE', `/v2.0/ports/${I.ifport}`, undefined, 409);
  await refused('DELETE', `/v2.0/ports/${I.fipPort}`, undefined, 409);
  await refused('DELETE', `/v2.0/networks/${I.ext}`, undefined, 409);
  await refused('PUT', `/v2.0/routers/${I.router}`, { router: { external_gateway_info: null } }, 409);
  await refused('PUT', `/v2.0/routers/${I.router}/remove_router_interface`, { subnet_id: I.subnet }, 409);
  // Router and floating IP misuse.
  await refused('PUT', `/v2.0/routers/${I.router}/add_router_interface`, { subnet_id: I.subnet }, 400);
  await refused('PUT', `/v2.0/routers/${I.router}/add_router_interface`, {}, 400);
  await refused('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: I.net } }, 400);
  await refused('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: I.sg, direction: 'ingress', protocol: 'tcp', port_range_min: 9, port_range_max: 1 } }, 400);
  await refused('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: I.sg, direction: 'ingress', remote_ip_prefix: '::/0' } }, 400);
  await refused('PUT', `/v2.0/security-group-rules/${I.rule}`, { security_group_rule: {} }, 405);
  // Another project's resources, stale revisions, unknown markers.
  await refused('GET', `/v2.0/networks/${I.other}`, undefined, 404, asProject('mallory'));
  await refused('PUT', `/v2.0/networks/${I.net}`, { network: { name: 'x' } }, 404, asProject('mallory'));
  await refused('DELETE', `/v2.0/ports/${I.port}`, undefined, 404, asProject('mallory'));
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net } }, 404, asProject('mallory'));
  await refused('PUT', `/v2.0/networks/${I.net}`, { network: { name: 'x' } }, 412, { 'if-match': 'revision_number=999' });
  await refused('GET', '/v2.0/ports?limit=1&marker=00000000-0000-0000-0000-000000000000', undefined, 404);
  await refused('GET', '/v2.0/ports?limit=-1', undefined, 400);
});

// ----------------------------------------------------------- property test

interface Template { method: string; url: () => string; body: () => Record<string, unknown> | undefined; key?: string }

const TEMPLATES: Template[] = [
  { method: 'POST', url: () => '/v2.0/networks', key: 'network', body: () => ({ name: 'f', mtu: 1400, admin_state_up: true, availability_zone_hints: [] }) },
  { method: 'POST', url: () => '/v2.0/subnets', key: 'subnet', body: () => ({ network_id: ids.net, cidr: '10.7.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.7.0.10', end: '10.7.0.20' }], host_routes: [], dns_nameservers: [] }) },
  { method: 'POST', url: () => '/v2.0/ports', key: 'port', body: () => ({ network_id: ids.net, fixed_ips: [{ subnet_id: ids.subnet }], allowed_address_pairs: [{ ip_address: '10.0.0.99' }], security_groups: [ids.sg] }) },
  { method: 'POST', url: () => '/v2.0/security-groups', key: 'security_group', body: () => ({ name: 'x', description: 'y' }) },
  { method: 'POST', url: () => '/v2.0/security-group-rules', key: 'security_group_rule', body: () => ({ security_group_id: ids.sg, direction: 'egress', protocol: 'udp', port_range_min: 53, port_range_max: 53 }) },
  { method: 'POST', url: () => '/v2.0/routers', key: 'router', body: () => ({ name: 'x', external_gateway_info: { network_id: ids.ext } }) },
  { method: 'POST', url: () => '/v2.0/floatingips', key: 'floatingip', body: () => ({ floating_network_id: ids.ext }) },
  { method: 'PUT', url: () => `/v2.0/networks/${ids.net}`, key: 'network', body: () => ({ name: 'n', mtu: 1400 }) },
  { method: 'PUT', url: () => `/v2.0/subnets/${ids.subnet}`, key: 'subnet', body: () => ({ dns_nameservers: ['1.1.1.1'], gateway_ip: '10.0.0.1' }) },
  { method: 'PUT', url: () => `/v2.0/ports/${ids.port}`, key: 'port', body: () => ({ fixed_ips: [{ subnet_id: ids.subnet }], name: 'p' }) },
  { method: 'PUT', url: () => `/v2.0/routers/${ids.router}`, key: 'router', body: () => ({ routes: [{ destination: '10.99.0.0/16', nexthop: '10.0.0.254' }] }) },
  { method: 'PUT', url: () => `/v2.0/floatingips/${ids.fip}`, key: 'floatingip', body: () => ({ port_id: ids.port }) },
  { method: 'PUT', url: () => `/v2.0/security-groups/${ids.sg}`, key: 'security_group', body: () => ({ name: 'g' }) },
  { method: 'PUT', url: () => `/v2.0/routers/${ids.router}/add_router_interface`, body: () => ({ subnet_id: ids.fullSubnet }) },
  { method: 'PUT', url: () => `/v2.0/routers/${ids.router}/remove_router_interface`, body: () => ({ port_id: ids.port }) },
  { method: 'PUT', url: () => `/v2.0/routers/${ids.router}/add_extraroutes`, key: 'router', body: () => ({ routes: [] }) },
  { method: 'PUT', url: () => `/v2.0/networks/${ids.net}/tags`, body: () => ({ tags: ['a'] }) },
  { method: 'PUT', url: () => `/v2.0/quotas/${ids.project}`, key: 'quota', body: () => ({ network: 100 }) },
  { method: 'PUT', url: () => `/v2.0/agents/${ids.net}`, key: 'agent', body: () => ({ admin_state_up: true }) },
  { method: 'POST', url: () => '/v3/auth/tokens', key: 'auth', body: () => ({ identity: { methods: ['password'] } }) },
];

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('', 'null', '../../etc', '\u0000', '\ud800', 'x'.repeat(300), '10.0.0.0/33', '::/129', '1.2.3.4.5', 'fa:16:3e:zz:00:00', -1, 2 ** 53, 1.5, true, null, [], {}),
);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), field: fc.string({ maxLength: 3 }), value: hostileValue, pick: fc.nat() }),
  fc.record({ kind: fc.constant('unwrap' as const) }),
  fc.record({ kind: fc.constant('raw' as const), text: fc.oneof(fc.string(), fc.constantFrom('{', '{"a":', '[]', 'null', '"x"', '{"network":null}')) }),
  fc.record({ kind: fc.constant('query' as const), key: fc.constantFrom('limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'fixed_ips', 'shared', 'tags', 'mtu', 'nope'), value: fc.string({ maxLength: 8 }) }),
);

test('property: hostile variations of valid requests to every endpoint never get a 5xx, and a refusal changes nothing', async () => {
  await fc.assert(fc.asyncProperty(fc.nat(TEMPLATES.length - 1), mutation, async (ti, m) => {
    const t = TEMPLATES[ti]!;
    let body: unknown = t.body();
    let url = t.url(), method = t.method;
    if (m.kind === 'set') {
      const keys = Object.keys(body as object);
      const field = keys.length && m.pick % 3 !== 0 ? keys[m.pick % keys.length]! : m.field;
      body = { ...(body as object), [field]: m.value };
    }
    if (t.key && m.kind !== 'unwrap') body = { [t.key]: body };
    if (m.kind === 'raw') body = m.text;
    if (m.kind === 'query') { method = 'GET'; url = `/v2.0/${url.split('/')[2]}?${encodeURIComponent(m.key)}=${encodeURIComponent(m.value)}`; body = undefined; }
    const snap = h.snapshot();
    const r = await h.req(method, url, body);
    assert.ok(r.status < 500, `${method} ${url} ${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.body)}`);
    if (r.status >= 400) {
      assert.ok(isNeutronError(r), `${method} ${url}: not a NeutronError: ${JSON.stringify(r.body)}`);
      assert.equal(h.snapshot(), snap, `${method} ${url} ${JSON.stringify(body)} was refused (${r.status}) but changed the database`);
    }
  }), { numRuns: 400, seed: 20240601 });
});

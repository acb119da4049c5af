/**
 * Bad input gets Neutron's refusal and changes nothing.
 *
 * Every malformed or hostile request in the classes the issue names (wrong
 * types, unknown attributes, overlapping CIDRs, fixed IPs outside the
 * subnet or already taken, exhausted pools, VLANs and VNIs out of range or
 * in use, duplicate MACs, deleting what is in use, missing attributes,
 * unknown ids, bad list queries) gets exactly the status Neutron answers
 * with, a NeutronError body and an X-Openstack-Request-Id, and leaves both
 * the API's view (every resource listed) and the OVN_Northbound database
 * (every row) exactly as they were.
 *
 * First a catalog, one request per line with its exact status and type;
 * then a property test that draws sequences of requests from generators of
 * each class (random attributes and values of the wrong type, random
 * overlapping prefixes, random addresses outside the subnet, random
 * out-of-range segment ids, random spellings of a taken MAC…). Random
 * mutations of valid requests to every route are in controller-fuzz.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startHarness, asProject, config, hasRequestId, isNeutronError, checkProperty, NO_QUOTAS, type Harness } from './controller-harness.js';
import { NETWORK, SUBNET, PORT, SECURITY_GROUP, SECURITY_GROUP_RULE, ROUTER, FLOATINGIP, type ResourceDef, type AttrType } from '../../src/controller/model/attrs.js';

let h: Harness;
const I: Record<string, string> = {};
/** Addresses in use on network `net` (10.0.0.0/24), and MACs in use there. */
const TAKEN: string[] = [];
const MACS: string[] = [];

async function mk(coll: string, key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<any> {
  const r = await h.req('POST', `/v2.0/${coll}`, { [key]: body }, headers);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body[key];
}

before(async () => {
  h = await startHarness({ config: config('[hypervisor:hv1]\navailability_zone = az1\nbridge_mappings = default:br-ex\n') });
  const n = await mk('networks', 'network', { name: 'n' });
  const s = await mk('subnets', 'subnet', { network_id: n.id, cidr: '10.0.0.0/24', ip_version: 4 });
  const full = await mk('networks', 'network', { name: 'full' });
  const fs1 = await mk('subnets', 'subnet', { network_id: full.id, cidr: '10.1.0.0/30', ip_version: 4, enable_dhcp: false });
  await mk('ports', 'port', { network_id: full.id });
  const pooled = await mk('networks', 'network', { name: 'pooled' });
  const ps = await mk('subnets', 'subnet', { network_id: pooled.id, cidr: '10.2.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.2.0.10', end: '10.2.0.20' }] });
  const sg = await mk('security-groups', 'security_group', { name: 'g' });
  const p = await mk('ports', 'port', { network_id: n.id, mac_address: 'fa:16:3e:00:00:aa', fixed_ips: [{ ip_address: '10.0.0.5' }], security_groups: [sg.id] });
  const vlan = await mk('networks', 'network', { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 100 });
  const vx = await mk('networks', 'network', { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5000 });
  const ext = await mk('networks', 'network', { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'default' });
  const es = await mk('subnets', 'subnet', { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4 });
  const r = await mk('routers', 'router', { name: 'r', external_gateway_info: { network_id: ext.id } });
  const iface = (await h.req('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: s.id })).body;
  const fip = await mk('floatingips', 'floatingip', { floating_network_id: ext.id, port_id: p.id });
  const other = await mk('networks', 'network', { name: 'other' }, asProject('other-project'));
  const otherSg = await mk('security-groups', 'security_group', { name: 'theirs' }, asProject('other-project'));
  const rule = (await h.req('GET', `/v2.0/security-group-rules?security_group_id=${sg.id}`)).body.security_group_rules[0];
  const dflt = (await h.req('GET', '/v2.0/security-groups?name=default', undefined, asProject('other-project'))).body.security_groups[0];
  const agent = (await h.req('GET', '/v2.0/agents')).body.agents[0];
  Object.assign(I, {
    net: n.id, subnet: s.id, full: full.id, fullSubnet: fs1.id, pooled: pooled.id, pooledSubnet: ps.id, sg: sg.id, port: p.id, vlan: vlan.id,
    vxlan: vx.id, ext: ext.id, extSubnet: es.id, router: r.id, ifport: iface.port_id, fip: fip.id, other: other.id, otherSg: otherSg.id,
    otherDefault: dflt.id, rule: rule.id, project: n.project_id, agent: agent.id, revision: String(n.revision_number),
    fipPort: (await h.req('GET', `/v2.0/ports?device_id=${fip.id}`)).body.ports[0].id,
  });
  for (const port of (await h.req('GET', `/v2.0/ports?network_id=${n.id}`)).body.ports) {
    TAKEN.push(...port.fixed_ips.map((f: any) => f.ip_address));
    MACS.push(port.mac_address);
  }
});
after(async () => { await h.close(); });

interface Case {
  method: string; url: string; body?: unknown; status: number; type?: string; headers?: Record<string, string>;
}

/** Sends `c`; asserts its status (and type), the error body and request id, and that nothing changed. */
async function expectRefused(c: Case): Promise<void> {
  const snap = h.snapshot();
  const r = await h.req(c.method, c.url, c.body, c.headers);
  const what = `${c.method} ${c.url} ${JSON.stringify(c.body) ?? ''}`;
  assert.equal(r.status, c.status, `${what} -> ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(isNeutronError(r), `${what}: not a NeutronError: ${JSON.stringify(r.body)}`);
  if (c.type) assert.equal(r.body.NeutronError.type, c.type, `${what}: ${JSON.stringify(r.body)}`);
  assert.ok(hasRequestId(r), `${what}: no X-Openstack-Request-Id`);
  assert.equal(h.snapshot(), snap, `${what} was refused but changed the database`);
}

const refused = (method: string, url: string, body: unknown, status: number, type?: string, headers?: Record<string, string>): Promise<void> =>
  expectRefused({ method, url, body, status, ...(type ? { type } : {}), ...(headers ? { headers } : {}) });

test('the named refusals: right status and type, nothing changed', async () => {
  const listed = await h.listAll();
  // Malformed bodies, wrong types, unknown attributes.
  await refused('POST', '/v2.0/networks', '{"network": {', 400);
  await refused('POST', '/v2.0/networks', [1, 2], 400);
  await refused('POST', '/v2.0/networks', { net: {} }, 400);
  await refused('POST', '/v2.0/networks', { network: { name: 42 } }, 400);
  await refused('POST', '/v2.0/networks', { network: { admin_state_up: 'perhaps' } }, 400);
  await refused('POST', '/v2.0/networks', { network: { bogus: 1 } }, 400);
  await refused('POST', '/v2.0/networks', { network: { mtu: 'big' } }, 400);
  await refused('POST', '/v2.0/networks', { network: { mtu: 9000 } }, 400, 'InvalidInput');
  await refused('POST', '/v2.0/ports', { port: { network_id: 'not-a-uuid' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: 'x' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, mac_address: 'ff:ff:ff:ff:ff:ff' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, mac_address: '01:00:5e:00:00:01' } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: 'garbage', ip_version: 4 } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.9.0.0/24', ip_version: 6 } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.9.0.0/24' } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.9.0.5/24', ip_version: 4 } }, 400);
  await refused('PUT', `/v2.0/networks/${I.net}`, { network: { id: I.other } }, 400);
  await refused('PUT', `/v2.0/quotas/${I.project}`, { quota: { network: 'lots' } }, 400);
  await refused('PUT', `/v2.0/networks/${I.net}/tags`, { tags: ['a,b'] }, 400);
  await refused('PUT', `/v2.0/networks/${I.net}/tags`, { tags: ['x'.repeat(256)] }, 400);
  await refused('PUT', `/v2.0/routers/${I.router}/add_router_interface`, { subnet_id: 5 }, 400);
  // Overlapping CIDRs, addresses outside the subnet or taken, exhausted pools.
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.0.0.0/16', ip_version: 4 } }, 400, 'InvalidInput');
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.0.0.128/25', ip_version: 4 } }, 400, 'InvalidInput');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ subnet_id: I.subnet, ip_address: '10.0.1.5' }] } }, 400, 'InvalidIpForSubnet');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ subnet_id: I.subnet, ip_address: '10.0.0.255' }] } }, 400, 'InvalidIpForSubnet');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ ip_address: '172.16.0.1' }] } }, 400, 'InvalidIpForNetwork');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ subnet_id: I.fullSubnet }] } }, 400, 'InvalidInput');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.full } }, 409, 'IpAddressGenerationFailure');
  await refused('POST', '/v2.0/ports', { ports: [{ network_id: I.net }, { network_id: I.full }] }, 409, 'IpAddressGenerationFailure');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ ip_address: '10.0.0.1' }] } }, 409, 'IpAddressAlreadyAllocated');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, fixed_ips: [{ ip_address: '10.0.0.9' }, { ip_address: '10.0.0.9' }] } }, 400);
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.3.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.3.0.1', end: '10.3.0.9' }] } }, 409, 'GatewayConflictWithAllocationPools');
  await refused('POST', '/v2.0/subnets', { subnet: { network_id: I.net, cidr: '10.3.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.3.0.10', end: '10.3.1.9' }] } }, 400, 'OutOfBoundsAllocationPool');
  // VLANs and VNIs out of range or in use, unknown physical networks, duplicate MACs.
  for (const seg of [0, 4095, -1, 'x', '4095', 2 ** 33]) {
    await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': seg } }, 400);
  }
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 100 } }, 409, 'VlanIdInUse');
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'nowhere', 'provider:segmentation_id': 7 } }, 400, 'InvalidInput');
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'flat', 'provider:physical_network': 'default' } }, 409, 'FlatNetworkInUse');
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 2 ** 24 } }, 400);
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5000 } }, 409, 'TunnelIdInUse');
  await refused('POST', '/v2.0/networks', { network: { 'provider:network_type': 'ethernet' } }, 400);
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, mac_address: 'fa:16:3e:00:00:aa' } }, 409, 'MacAddressInUse');
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net, mac_address: 'FA-16-3E-00-00-AA' } }, 409, 'MacAddressInUse');
  await refused('PUT', `/v2.0/networks/${I.vlan}`, { network: { 'provider:segmentation_id': 101 } }, 400);
  // Deleting resources in use.
  await refused('DELETE', `/v2.0/networks/${I.net}`, undefined, 409, 'NetworkInUse');
  await refused('DELETE', `/v2.0/subnets/${I.subnet}`, undefined, 409, 'SubnetInUse');
  await refused('DELETE', `/v2.0/security-groups/${I.sg}`, undefined, 409, 'SecurityGroupInUse');
  await refused('DELETE', `/v2.0/security-groups/${I.otherDefault}`, undefined, 409, 'SecurityGroupCannotRemoveDefault', asProject('other-project'));
  await refused('DELETE', `/v2.0/routers/${I.router}`, undefined, 409, 'RouterInUse');
  await refused('DELETE', `/v2.0/ports/${I.ifport}`, undefined, 409, 'L3PortInUse');
  await refused('DELETE', `/v2.0/ports/${I.fipPort}`, undefined, 409, 'L3PortInUse');
  await refused('DELETE', `/v2.0/networks/${I.ext}`, undefined, 409, 'NetworkInUse');
  await refused('DELETE', `/v2.0/subnets/${I.extSubnet}`, undefined, 409, 'SubnetInUse');
  await refused('PUT', `/v2.0/routers/${I.router}`, { router: { external_gateway_info: null } }, 409, 'RouterExternalGatewayInUseByFloatingIp');
  await refused('PUT', `/v2.0/routers/${I.router}/remove_router_interface`, { subnet_id: I.subnet }, 409, 'RouterInterfaceInUseByFloatingIP');
  await refused('PUT', `/v2.0/networks/${I.ext}`, { network: { 'router:external': false } }, 409, 'ExternalNetworkInUse');
  // Router and floating IP misuse, rules that cannot be.
  await refused('PUT', `/v2.0/routers/${I.router}/add_router_interface`, { subnet_id: I.subnet }, 400, 'BadRequest');
  await refused('PUT', `/v2.0/routers/${I.router}/add_router_interface`, {}, 400);
  await refused('PUT', `/v2.0/routers/${I.router}/add_router_interface`, { subnet_id: I.extSubnet }, 400, 'BadRequest');
  await refused('PUT', `/v2.0/routers/${I.router}/add_extraroutes`, { router: { routes: [{ destination: '10.9.0.0/16', nexthop: '192.168.9.9' }] } }, 400, 'InvalidRoutes');
  await refused('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: I.net } }, 400);
  await refused('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: I.ext, port_id: I.port } }, 409, 'FloatingIPPortAlreadyAssociated');
  await refused('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: I.sg, direction: 'ingress', protocol: 'tcp', port_range_min: 9, port_range_max: 1 } }, 400, 'SecurityGroupInvalidPortRange');
  await refused('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: I.sg, direction: 'ingress', remote_ip_prefix: '::/0' } }, 400, 'SecurityGroupConflictingEthertype');
  await refused('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: I.sg, direction: 'egress' } }, 409, 'SecurityGroupRuleExists');
  await refused('PUT', `/v2.0/security-group-rules/${I.rule}`, { security_group_rule: {} }, 405);
  // Another project's resources, stale revisions, unknown ids and markers, bad queries.
  await refused('GET', `/v2.0/networks/${I.other}`, undefined, 404, 'NetworkNotFound', asProject('mallory'));
  await refused('PUT', `/v2.0/networks/${I.net}`, { network: { name: 'x' } }, 404, 'NetworkNotFound', asProject('mallory'));
  await refused('DELETE', `/v2.0/ports/${I.port}`, undefined, 404, 'PortNotFound', asProject('mallory'));
  await refused('POST', '/v2.0/ports', { port: { network_id: I.net } }, 404, 'NetworkNotFound', asProject('mallory'));
  await refused('PUT', `/v2.0/networks/${I.net}`, { network: { name: 'x' } }, 412, 'PreconditionFailed', { 'if-match': 'revision_number=999' });
  await refused('GET', '/v2.0/ports?limit=1&marker=00000000-0000-0000-0000-000000000000', undefined, 404);
  await refused('GET', '/v2.0/ports?limit=-1', undefined, 400);
  await refused('GET', '/v2.0/ports?sort_key=fixed_ips', undefined, 400);
  await refused('GET', '/v2.0/ports?sort_key=name&sort_dir=sideways', undefined, 400);
  await refused('GET', '/v2.0/ports?colour=red', undefined, 400);
  await refused('GET', '/v2.0/networks?shared=perhaps', undefined, 400);
  await refused('GET', '/v2.0/no-such-collection', undefined, 404);
  await refused('POST', '/v2.0/networks', JSON.stringify({ network: { name: 'x'.repeat(2 * 1024 * 1024) } }), 413);
  assert.equal(await h.listAll(), listed);
});

test('an address outside the allocation pool but inside the subnet is accepted, as Neutron does', async () => {
  const p = await mk('ports', 'port', { network_id: I.pooled, fixed_ips: [{ subnet_id: I.pooledSubnet, ip_address: '10.2.0.100' }] });
  assert.equal(p.fixed_ips[0].ip_address, '10.2.0.100');
  assert.equal((await h.req('DELETE', `/v2.0/ports/${p.id}`)).status, 204);
});

// ------------------------------------------------------------- property test

/** Values of the wrong type for an attribute of type `t` (none of them convertible, as Neutron's converters go). */
function wrongFor(t: AttrType): fc.Arbitrary<unknown> {
  switch (t) {
    case 'string': return fc.constantFrom<unknown>(true, false, [], {}, 1.5, -7, ['x'], { a: 'b' });
    case 'boolean': return fc.constantFrom<unknown>('perhaps', 'yes', 2, -1, 1.5, [], {}, [true], 'null');
    case 'integer': return fc.constantFrom<unknown>('ten', 1.5, true, [], {}, '1e3', '0x10', [1], '');
    case 'list': return fc.constantFrom<unknown>('x', 5, true, {}, { a: 1 });
    case 'object': return fc.constantFrom<unknown>('x', 5, true, [], [{}]);
  }
}

interface Writable { def: ResourceDef; method: 'POST' | 'PUT'; url: () => string; body: () => Record<string, unknown> }

const WRITABLE: Writable[] = [
  { def: NETWORK, method: 'POST', url: () => '/v2.0/networks', body: () => ({ name: 'w' }) },
  { def: NETWORK, method: 'PUT', url: () => `/v2.0/networks/${I.net}`, body: () => ({ name: 'n' }) },
  { def: SUBNET, method: 'POST', url: () => '/v2.0/subnets', body: () => ({ network_id: I.net, cidr: '10.7.0.0/24', ip_version: 4 }) },
  { def: SUBNET, method: 'PUT', url: () => `/v2.0/subnets/${I.subnet}`, body: () => ({ name: 's' }) },
  { def: PORT, method: 'POST', url: () => '/v2.0/ports', body: () => ({ network_id: I.net }) },
  { def: PORT, method: 'PUT', url: () => `/v2.0/ports/${I.port}`, body: () => ({ name: 'p' }) },
  { def: SECURITY_GROUP, method: 'POST', url: () => '/v2.0/security-groups', body: () => ({ name: 'x' }) },
  { def: SECURITY_GROUP, method: 'PUT', url: () => `/v2.0/security-groups/${I.sg}`, body: () => ({ name: 'g' }) },
  { def: SECURITY_GROUP_RULE, method: 'POST', url: () => '/v2.0/security-group-rules', body: () => ({ security_group_id: I.sg, direction: 'ingress', protocol: 'udp' }) },
  { def: ROUTER, method: 'POST', url: () => '/v2.0/routers', body: () => ({ name: 'x' }) },
  { def: ROUTER, method: 'PUT', url: () => `/v2.0/routers/${I.router}`, body: () => ({ name: 'r' }) },
  { def: FLOATINGIP, method: 'POST', url: () => '/v2.0/floatingips', body: () => ({ floating_network_id: I.ext }) },
  { def: FLOATINGIP, method: 'PUT', url: () => `/v2.0/floatingips/${I.fip}`, body: () => ({ description: 'd' }) },
];

const envelope = (w: Writable, body: Record<string, unknown>): unknown => ({ [w.def.name]: body });

const wrongType: fc.Arbitrary<Case> = fc.constantFrom(...WRITABLE).chain((w) => {
  const attrs = Object.entries(w.def.attrs).filter(([, a]) => (w.method === 'POST' ? a.post : a.put));
  return fc.record({ attr: fc.constantFrom(...attrs), value: fc.constant(null) }).chain(({ attr: [name, a] }) =>
    wrongFor(a.type).map((value): Case => ({ method: w.method, url: w.url(), body: envelope(w, { ...w.body(), [name]: value }), status: 400 })));
});

const unknownAttr: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...WRITABLE), fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }))
  .filter(([w, k]) => !(k in w.def.attrs) && k !== '__proto__')
  .map(([w, k, v]): Case => ({ method: w.method, url: w.url(), body: envelope(w, { ...w.body(), [k]: v }), status: 400 }));

/** A prefix overlapping 10.0.0.0/24: inside it (/24../30) or around it (/8../23). */
const overlappingCidr: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(fc.integer({ min: 24, max: 30 }), fc.integer({ min: 0, max: 255 })).map(([len, host]) => {
    const size = 2 ** (32 - len);
    return `10.0.0.${Math.floor(host / size) * size}/${len}`;
  }),
  fc.integer({ min: 8, max: 23 }).map((len) => `10.0.0.0/${len}`),
).map((cidr): Case => ({ method: 'POST', url: '/v2.0/subnets', body: { subnet: { network_id: I.net, cidr, ip_version: 4 } }, status: 400, type: 'InvalidInput' }));

const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));

const outsideSubnet: fc.Arbitrary<Case> = fc.tuple(ipv4, fc.boolean())
  .filter(([ip]) => !ip.startsWith('10.0.0.'))
  .map(([ip, withSubnet]): Case => withSubnet
    ? { method: 'POST', url: '/v2.0/ports', body: { port: { network_id: I.net, fixed_ips: [{ subnet_id: I.subnet, ip_address: ip }] } }, status: 400, type: 'InvalidIpForSubnet' }
    : { method: 'POST', url: '/v2.0/ports', body: { port: { network_id: I.net, fixed_ips: [{ ip_address: ip }] } }, status: 400, type: 'InvalidIpForNetwork' });

const takenIp: fc.Arbitrary<Case> = fc.tuple(fc.nat(), fc.boolean()).map(([i, withSubnet]): Case => ({
  method: 'POST', url: '/v2.0/ports', status: 409, type: 'IpAddressAlreadyAllocated',
  body: { port: { network_id: I.net, fixed_ips: [{ ...(withSubnet ? { subnet_id: I.subnet } : {}), ip_address: TAKEN[i % TAKEN.length]! }] } },
}));

const exhausted: fc.Arbitrary<Case> = fc.integer({ min: 1, max: 5 }).map((n): Case => ({
  method: 'POST', url: '/v2.0/ports', status: 409, type: 'IpAddressGenerationFailure',
  body: n === 1 ? { port: { network_id: I.full, fixed_ips: [{ subnet_id: I.fullSubnet }] } } : { ports: Array.from({ length: n }, () => ({ network_id: I.full })) },
}));

const segmentOutOfRange: fc.Arbitrary<Case> = fc.oneof(
  fc.oneof(fc.integer({ min: -(2 ** 31), max: 0 }), fc.integer({ min: 4095, max: 2 ** 32 + 10 })).chain((v) => fc.constantFrom<unknown>(v, String(v)))
    .map((seg): Case => ({ method: 'POST', url: '/v2.0/networks', status: 400, body: { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': seg } } })),
  fc.tuple(fc.constantFrom('vxlan', 'geneve'), fc.oneof(fc.integer({ min: -(2 ** 31), max: 0 }), fc.integer({ min: 2 ** 24, max: 2 ** 32 + 10 })))
    .map(([type, seg]): Case => ({ method: 'POST', url: '/v2.0/networks', status: 400, body: { network: { 'provider:network_type': type, 'provider:segmentation_id': seg } } })),
  fc.constant<Case>({ method: 'POST', url: '/v2.0/networks', status: 409, type: 'VlanIdInUse', body: { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': '100' } } }),
);

/** A MAC in use on the network, spelled in any case, with ':' or '-'. */
const duplicateMac: fc.Arbitrary<Case> = fc.tuple(fc.nat(), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), fc.boolean()).map(([i, upper, dash]): Case => {
  const mac = [...MACS[i % MACS.length]!].filter((ch) => ch !== ':').map((ch, k) => (upper[k] ? ch.toUpperCase() : ch)).join('');
  const text = mac.match(/../g)!.join(dash ? '-' : ':');
  return { method: 'POST', url: '/v2.0/ports', body: { port: { network_id: I.net, mac_address: text } }, status: 409, type: 'MacAddressInUse' };
});

const inUse: fc.Arbitrary<Case> = fc.constantFrom<[string, string, string]>(
  ['networks', 'net', 'NetworkInUse'], ['networks', 'ext', 'NetworkInUse'], ['subnets', 'subnet', 'SubnetInUse'], ['subnets', 'extSubnet', 'SubnetInUse'],
  ['security-groups', 'sg', 'SecurityGroupInUse'], ['routers', 'router', 'RouterInUse'], ['ports', 'ifport', 'L3PortInUse'], ['ports', 'fipPort', 'L3PortInUse'],
).map(([coll, k, type]): Case => ({ method: 'DELETE', url: `/v2.0/${coll}/${I[k]}`, status: 409, type }));

const missingRequired: fc.Arbitrary<Case> = fc.constantFrom(...WRITABLE.filter((w) => w.method === 'POST')).chain((w) => {
  const required = Object.entries(w.def.attrs).filter(([, a]) => a.required).map(([k]) => k);
  return required.length ? fc.constantFrom(...required).map((k): Case => {
    const body = w.body();
    delete body[k];
    return { method: 'POST', url: w.url(), body: envelope(w, body), status: 400 };
  }) : fc.constant<Case>({ method: 'POST', url: w.url(), body: {}, status: 400 });
});

const COLLECTIONS: [string, string][] = [
  ['networks', 'NetworkNotFound'], ['subnets', 'SubnetNotFound'], ['ports', 'PortNotFound'], ['security-groups', 'SecurityGroupNotFound'],
  ['security-group-rules', 'SecurityGroupRuleNotFound'], ['routers', 'RouterNotFound'], ['floatingips', 'FloatingIPNotFound'],
];

const unknownId: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...COLLECTIONS), fc.uuid(), fc.constantFrom('GET', 'DELETE', 'PUT'))
  .map(([[coll, type], id, method]): Case => ({
    method, url: `/v2.0/${coll}/${id}`, status: method === 'PUT' && coll === 'security-group-rules' ? 405 : 404,
    ...(method === 'PUT' && coll === 'security-group-rules' ? {} : { type }),
    ...(method === 'PUT' ? { body: { [coll.replace(/s$/, '').replace(/-/g, '_')]: { description: 'x' } } } : {}),
  }));

const badQuery: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...COLLECTIONS.map(([c]) => c)), fc.constantFrom<[string, fc.Arbitrary<string>]>(
  ['limit', fc.constantFrom('-1', 'ten', '1.5', '')], ['sort_dir', fc.constantFrom('up', 'ASC', '')], ['page_reverse', fc.constantFrom('maybe', '2')],
  ['sort_key', fc.constantFrom('tags', 'nonsense', 'fixed_ips_x')], ['no_such_attribute', fc.string({ maxLength: 5 })],
)).chain(([coll, [k, v]]) => v.map((value): Case => ({
  method: 'GET', url: `/v2.0/${coll}?${k}=${encodeURIComponent(value)}${k === 'sort_dir' ? '&sort_key=id' : ''}`, status: 400,
})));

const HOSTILE: Record<string, fc.Arbitrary<Case>> = {
  wrongType, unknownAttr, overlappingCidr, outsideSubnet, takenIp, exhausted, segmentOutOfRange, duplicateMac, inUse, missingRequired, unknownId, badQuery,
};

test('property: every hostile class gets its exact 4xx, with a NeutronError and a request id, and changes nothing', async () => {
  const seen = new Map<string, number>();
  const classes = Object.entries(HOSTILE).map(([name, arb]) => arb.map((c) => ({ name, c })));
  await checkProperty(fc.asyncProperty(fc.array(fc.oneof(...classes), { minLength: 1, maxLength: 4 }), async (cases) => {
    const listed = await h.listAll();
    for (const { name, c } of cases) {
      seen.set(name, (seen.get(name) ?? 0) + 1);
      await expectRefused(c);
    }
    assert.equal(await h.listAll(), listed, 'the API lists something else after refusals');
  }), { numRuns: 120, seed: 20240603 });
  for (const name of Object.keys(HOSTILE)) assert.ok((seen.get(name) ?? 0) >= 5, `class ${name} drawn only ${seen.get(name) ?? 0} times`);
});

/**
 * The Neutron API end to end through HTTP (inject), on an embedded
 * northbound database: resources, defaults, filters, fields, sorting,
 * pagination, bulk create, partial update, revisions, tags, quotas, the
 * mapping into OVN_Northbound rows, and restarts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './controller-harness.js';
import { smap, str, strs } from '../../src/controller/nb/txn.js';

let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h.close(); });

async function mk(coll: string, key: string, body: Record<string, unknown>): Promise<any> {
  const r = await h.req('POST', `/v2.0/${coll}`, { [key]: body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body[key];
}

test('version discovery and request ids', async () => {
  const r = await h.req('GET', '/');
  assert.equal(r.status, 200);
  assert.equal(r.body.versions[0].id, 'v2.0');
  assert.match(String(r.headers['x-openstack-request-id']), /^req-[0-9a-f-]{36}$/);
  const e = await h.req('GET', '/v2.0/nothing-here');
  assert.equal(e.status, 404);
  assert.equal(e.body.NeutronError.type, 'HTTPNotFound');
  assert.ok(e.headers['x-openstack-request-id']);
});

test('provider VLAN network maps to a switch with a localnet port', async () => {
  const n = await mk('networks', 'network', { name: 'vlan204', 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': '204' });
  assert.equal(n['provider:segmentation_id'], 204);
  assert.equal(n.mtu, 1500);
  assert.deepEqual(n.subnets, []);
  const ls = [...h.ctl.store.table('Logical_Switch').values()].find((r) => str(r, 'name') === `neutron-${n.id}`)!;
  assert.equal(smap(ls, 'external_ids').get('neutron:network_name'), 'vlan204');
  const lsp = strs(ls, 'ports').map((u) => h.ctl.store.table('Logical_Switch_Port').get(u)!);
  const localnet = lsp.find((p) => str(p, 'type') === 'localnet')!;
  assert.equal(smap(localnet, 'options').get('network_name'), 'default');
  assert.deepEqual(localnet.columns.tag_request!.keys, [204]);
  const dup = await h.req('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 204 } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.NeutronError.type, 'VlanIdInUse');
  const bad = await h.req('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 4095 } });
  assert.equal(bad.status, 400);
  const unknown = await h.req('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'nope', 'provider:segmentation_id': 5 } });
  assert.equal(unknown.status, 400);
});

test('tenant networks get VXLAN VNIs, distinct and with overlay MTU', async () => {
  const a = await mk('networks', 'network', { name: 't1' });
  const b = await mk('networks', 'network', { name: 't2' });
  assert.equal(a['provider:network_type'], 'vxlan');
  assert.notEqual(a['provider:segmentation_id'], b['provider:segmentation_id']);
  assert.equal(a.mtu, 1450);
  const big = await h.req('PUT', `/v2.0/networks/${a.id}`, { network: { mtu: 1500 } });
  assert.equal(big.status, 400);
});

test('subnet defaults, pools, overlap and DHCP options', async () => {
  const n = await mk('networks', 'network', { name: 'sn' });
  const s = await mk('subnets', 'subnet', { network_id: n.id, cidr: '10.1.0.0/24', ip_version: 4, dns_nameservers: ['8.8.8.8'] });
  assert.equal(s.gateway_ip, '10.1.0.1');
  assert.deepEqual(s.allocation_pools, [{ start: '10.1.0.2', end: '10.1.0.254' }]);
  assert.deepEqual(s.host_routes, []);
  assert.equal(s.enable_dhcp, true);
  const over = await h.req('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.1.0.128/25', ip_version: 4 } });
  assert.equal(over.status, 400);
  const host = await h.req('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.2.0.5/24', ip_version: 4 } });
  assert.equal(host.status, 400);
  const gwInPool = await h.req('POST', '/v2.0/subnets', { subnet: { network_id: n.id, cidr: '10.3.0.0/24', ip_version: 4, allocation_pools: [{ start: '10.3.0.1', end: '10.3.0.9' }] } });
  assert.equal(gwInPool.status, 409);
  const dhcp = [...h.ctl.store.table('DHCP_Options').values()].find((r) => smap(r, 'external_ids').get('subnet_id') === s.id)!;
  const o = smap(dhcp, 'options');
  assert.equal(o.get('router'), '10.1.0.1');
  assert.equal(o.get('dns_server'), '{8.8.8.8}');
  assert.equal(o.get('lease_time'), '43200');
  const net = await h.req('GET', `/v2.0/networks/${n.id}`);
  assert.deepEqual(net.body.network.subnets, [s.id]);
  const v6 = await mk('subnets', 'subnet', { network_id: n.id, cidr: 'fd00:1::/64', ip_version: 6, ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
  assert.equal(v6.gateway_ip, 'fd00:1::1');
  // The network's DHCP/metadata port took the first address of the DHCP subnet.
  const meta = (await h.req('GET', `/v2.0/ports?network_id=${n.id}&device_owner=network:distributed`)).body.ports;
  assert.deepEqual(meta.map((m: any) => m.fixed_ips.map((f: any) => f.ip_address)), [['10.1.0.2']]);
  assert.equal(meta[0].device_id, `ovnmeta-${n.id}`);
  const p = await mk('ports', 'port', { network_id: n.id, mac_address: 'fa:16:3e:00:00:01' });
  assert.deepEqual(p.fixed_ips.map((f: any) => f.ip_address), ['10.1.0.3', 'fd00:1::f816:3eff:fe00:1']);
});

test('fixed IPs, MACs and their conflicts', async () => {
  const n = await mk('networks', 'network', { name: 'ipam' });
  const s = await mk('subnets', 'subnet', { network_id: n.id, cidr: '192.0.2.0/29', ip_version: 4 });
  const p1 = await mk('ports', 'port', { network_id: n.id, fixed_ips: [{ subnet_id: s.id, ip_address: '192.0.2.5' }], mac_address: 'fa:16:3e:12:34:56' });
  assert.equal(p1.fixed_ips[0].ip_address, '192.0.2.5');
  const taken = await h.req('POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '192.0.2.5' }] } });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.NeutronError.type, 'IpAddressAlreadyAllocated');
  const mac = await h.req('POST', '/v2.0/ports', { port: { network_id: n.id, mac_address: 'FA:16:3E:12:34:56' } });
  assert.equal(mac.status, 409);
  assert.equal(mac.body.NeutronError.type, 'MacAddressInUse');
  const outside = await h.req('POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: s.id, ip_address: '192.0.3.5' }] } });
  assert.equal(outside.status, 400);
  const bcast = await h.req('POST', '/v2.0/ports', { port: { network_id: n.id, fixed_ips: [{ subnet_id: s.id, ip_address: '192.0.2.7' }] } });
  assert.equal(bcast.status, 400);
  // /29: .2-.6 in the pool, .2 for the metadata port, .5 taken: three more, then exhausted.
  for (let i = 0; i < 3; i++) await mk('ports', 'port', { network_id: n.id });
  const full = await h.req('POST', '/v2.0/ports', { port: { network_id: n.id } });
  assert.equal(full.status, 409);
  assert.equal(full.body.NeutronError.type, 'IpAddressGenerationFailure');
  const lsp = h.ctl.store.table('Logical_Switch_Port');
  const row = [...lsp.values()].find((r) => str(r, 'name') === p1.id)!;
  assert.deepEqual(strs(row, 'addresses'), ['fa:16:3e:12:34:56 192.0.2.5']);
  assert.deepEqual(strs(row, 'port_security'), ['fa:16:3e:12:34:56 192.0.2.5']);
  assert.equal(smap(row, 'external_ids').get('neutron:cidrs'), '192.0.2.5/29');
  const inUse = await h.req('DELETE', `/v2.0/subnets/${s.id}`);
  assert.equal(inUse.status, 409);
  const netInUse = await h.req('DELETE', `/v2.0/networks/${n.id}`);
  assert.equal(netInUse.status, 409);
});

test('concurrent port creates never share an address', async () => {
  const n = await mk('networks', 'network', { name: 'conc' });
  await mk('subnets', 'subnet', { network_id: n.id, cidr: '10.9.0.0/24', ip_version: 4 });
  const rs = await Promise.all(Array.from({ length: 40 }, () => h.req('POST', '/v2.0/ports', { port: { network_id: n.id } })));
  assert.ok(rs.every((r) => r.status === 201));
  const ips = rs.map((r) => r.body.port.fixed_ips[0].ip_address);
  assert.equal(new Set(ips).size, 40);
  assert.equal(new Set(rs.map((r) => r.body.port.mac_address)).size, 40);
});

test('bulk create is all or nothing', async () => {
  const n = await mk('networks', 'network', { name: 'bulk' });
  await mk('subnets', 'subnet', { network_id: n.id, cidr: '10.8.0.0/24', ip_version: 4 });
  const ok = await h.req('POST', '/v2.0/ports', { ports: [{ network_id: n.id, name: 'a' }, { network_id: n.id, name: 'b' }] });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.ports.length, 2);
  assert.notEqual(ok.body.ports[0].fixed_ips[0].ip_address, ok.body.ports[1].fixed_ips[0].ip_address);
  const snap = h.snapshot();
  const bad = await h.req('POST', '/v2.0/ports', { ports: [{ network_id: n.id, mac_address: 'fa:16:3e:aa:aa:aa' }, { network_id: n.id, mac_address: 'fa:16:3e:aa:aa:aa' }] });
  assert.equal(bad.status, 409);
  assert.equal(h.snapshot(), snap);
});

test('filters, fields, sorting and pagination', async () => {
  const names = ['pg-c', 'pg-a', 'pg-b'];
  for (const name of names) await mk('networks', 'network', { name, shared: name === 'pg-b' });
  const one = await h.req('GET', '/v2.0/networks?name=pg-a&fields=id&fields=name&fields=nonsense');
  assert.deepEqual(Object.keys(one.body.networks[0]).sort(), ['id', 'name']);
  const shared = await h.req('GET', '/v2.0/networks?shared=True&name=pg-b&name=pg-a');
  assert.deepEqual(shared.body.networks.map((n: any) => n.name), ['pg-b']);
  const sorted = await h.req('GET', '/v2.0/networks?sort_key=name&sort_dir=desc&name=pg-a&name=pg-b&name=pg-c');
  assert.deepEqual(sorted.body.networks.map((n: any) => n.name), ['pg-c', 'pg-b', 'pg-a']);
  const p1 = await h.req('GET', '/v2.0/networks?sort_key=name&sort_dir=asc&name=pg-a&name=pg-b&name=pg-c&limit=2');
  assert.deepEqual(p1.body.networks.map((n: any) => n.name), ['pg-a', 'pg-b']);
  const next = p1.body.networks_links.find((l: any) => l.rel === 'next');
  const p2 = await h.req('GET', next.href.replace(/^http:\/\/[^/]+/, ''));
  assert.deepEqual(p2.body.networks.map((n: any) => n.name), ['pg-c']);
  assert.equal((await h.req('GET', '/v2.0/networks?bogus=1')).status, 400);
  assert.equal((await h.req('GET', '/v2.0/networks?shared=maybe')).status, 400);
  assert.equal((await h.req('GET', '/v2.0/networks?sort_key=subnets')).status, 400);
  assert.equal((await h.req('GET', `/v2.0/networks/not-a-uuid`)).status, 404);
});

test('partial update, revision numbers and If-Match', async () => {
  const n = await mk('networks', 'network', { name: 'rev', description: 'd' });
  const u = await h.req('PUT', `/v2.0/networks/${n.id}`, { network: { name: 'rev2' } });
  assert.equal(u.status, 200);
  assert.equal(u.body.network.name, 'rev2');
  assert.equal(u.body.network.description, 'd');
  assert.equal(u.body.network.revision_number, n.revision_number + 1);
  const stale = await h.req('PUT', `/v2.0/networks/${n.id}`, { network: { name: 'x' } }, { 'if-match': `revision_number=${n.revision_number}` });
  assert.equal(stale.status, 412);
  const ro = await h.req('PUT', `/v2.0/networks/${n.id}`, { network: { status: 'DOWN' } });
  assert.equal(ro.status, 400);
  const prov = await h.req('PUT', `/v2.0/networks/${n.id}`, { network: { 'provider:segmentation_id': 77 } });
  assert.equal(prov.status, 400);
});

test('tags: set, add, filter, remove', async () => {
  const n = await mk('networks', 'network', { name: 'tagged' });
  assert.deepEqual((await h.req('PUT', `/v2.0/networks/${n.id}/tags`, { tags: ['prod', 'blue'] })).body.tags.sort(), ['blue', 'prod']);
  assert.equal((await h.req('PUT', `/v2.0/networks/${n.id}/tags/green`)).status, 201);
  const f = await h.req('GET', '/v2.0/networks?tags=prod,green');
  assert.deepEqual(f.body.networks.map((x: any) => x.name), ['tagged']);
  assert.equal((await h.req('GET', '/v2.0/networks?not-tags-any=prod&name=tagged')).body.networks.length, 0);
  assert.equal((await h.req('DELETE', `/v2.0/networks/${n.id}/tags/absent`)).status, 404);
  assert.equal((await h.req('DELETE', `/v2.0/networks/${n.id}/tags/prod`)).status, 204);
  const show = await h.req('GET', `/v2.0/networks/${n.id}`);
  assert.deepEqual(show.body.network.tags.sort(), ['blue', 'green']);
  assert.ok(show.body.network.revision_number >= 3);
});

test('security groups: default group, rules as ACLs, in-use', async () => {
  const list = await h.req('GET', '/v2.0/security-groups?name=default');
  assert.equal(list.body.security_groups.length, 1);
  const dflt = list.body.security_groups[0];
  assert.equal(dflt.security_group_rules.length, 4);
  const sg = await mk('security-groups', 'security_group', { name: 'web', description: 'web servers' });
  assert.equal(sg.security_group_rules.length, 2);
  const r = await mk('security-group-rules', 'security_group_rule', { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: '22', port_range_max: '22', remote_ip_prefix: '10.0.0.0/8' });
  const pg = [...h.ctl.store.table('Port_Group').values()].find((x) => str(x, 'name') === `pg_${sg.id.replace(/-/g, '_')}`)!;
  const acls = strs(pg, 'acls').map((u) => h.ctl.store.table('ACL').get(u)!);
  const acl = acls.find((a) => smap(a, 'external_ids').get('neutron:security_group_rule_id') === r.id)!;
  assert.equal(str(acl, 'match'), `outport == @pg_${sg.id.replace(/-/g, '_')} && ip4 && ip4.src == 10.0.0.0/8 && tcp && tcp.dst == 22`);
  assert.equal(str(acl, 'action'), 'allow-related');
  const dup = await h.req('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/8' } });
  assert.equal(dup.status, 409);
  const badRange = await h.req('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 30, port_range_max: 20 } });
  assert.equal(badRange.status, 400);
  const n = await mk('networks', 'network', { name: 'sgnet' });
  const p = await mk('ports', 'port', { network_id: n.id, security_groups: [sg.id] });
  assert.equal((await h.req('DELETE', `/v2.0/security-groups/${sg.id}`)).status, 409);
  assert.equal((await h.req('DELETE', `/v2.0/ports/${p.id}`)).status, 204);
  assert.equal((await h.req('DELETE', `/v2.0/security-groups/${sg.id}`)).status, 204);
  assert.equal((await h.req('GET', `/v2.0/security-group-rules/${r.id}`)).status, 404);
});

test('routers: gateway, interfaces, extra routes, floating IPs', async () => {
  const ext = await mk('networks', 'network', { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'default' });
  const es = await mk('subnets', 'subnet', { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false });
  const n = await mk('networks', 'network', { name: 'inside' });
  const s = await mk('subnets', 'subnet', { network_id: n.id, cidr: '10.20.0.0/24', ip_version: 4 });
  const vm = await mk('ports', 'port', { network_id: n.id });
  const r = await mk('routers', 'router', { name: 'r1', external_gateway_info: { network_id: ext.id } });
  assert.equal(r.external_gateway_info.external_fixed_ips[0].subnet_id, es.id);
  const add = await h.req('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: s.id });
  assert.equal(add.status, 200);
  assert.equal(add.body.subnet_id, s.id);
  const again = await h.req('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: s.id });
  assert.equal(again.status, 400);
  const ifport = await h.req('GET', `/v2.0/ports?device_id=${r.id}&device_owner=network:router_interface`);
  assert.equal(ifport.body.ports[0].fixed_ips[0].ip_address, '10.20.0.1');
  assert.equal((await h.req('DELETE', `/v2.0/ports/${add.body.port_id}`)).status, 409);
  const route = await h.req('PUT', `/v2.0/routers/${r.id}/add_extraroutes`, { router: { routes: [{ destination: '10.30.0.0/16', nexthop: '10.20.0.254' }] } });
  assert.equal(route.status, 200);
  const badRoute = await h.req('PUT', `/v2.0/routers/${r.id}/add_extraroutes`, { router: { routes: [{ destination: '10.30.0.0/16', nexthop: '172.16.0.1' }] } });
  assert.equal(badRoute.status, 400);
  const fip = await mk('floatingips', 'floatingip', { floating_network_id: ext.id, port_id: vm.id });
  assert.equal(fip.router_id, r.id);
  assert.equal(fip.fixed_ip_address, vm.fixed_ips[0].ip_address);
  const lr = [...h.ctl.store.table('Logical_Router').values()].find((x) => str(x, 'name') === `neutron-${r.id}`)!;
  const nats = strs(lr, 'nat').map((u) => h.ctl.store.table('NAT').get(u)!);
  assert.deepEqual(nats.map((x) => `${str(x, 'type')} ${str(x, 'external_ip')} ${str(x, 'logical_ip')}`).sort(),
    [`dnat_and_snat ${fip.floating_ip_address} ${fip.fixed_ip_address}`, `snat ${r.external_gateway_info.external_fixed_ips[0].ip_address} 10.20.0.0/24`].sort());
  assert.equal(strs(lr, 'ports').length, 2);
  assert.equal(strs(lr, 'static_routes').length, 2);
  const busy = await h.req('PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: s.id });
  assert.equal(busy.status, 409);
  const gwBusy = await h.req('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: {} } });
  assert.equal(gwBusy.status, 409);
  assert.equal((await h.req('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } })).body.floatingip.status, 'DOWN');
  assert.equal((await h.req('DELETE', `/v2.0/routers/${r.id}`)).status, 409);
  assert.equal((await h.req('PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: s.id })).status, 200);
  assert.equal((await h.req('DELETE', `/v2.0/floatingips/${fip.id}`)).status, 204);
  assert.equal((await h.req('DELETE', `/v2.0/routers/${r.id}`)).status, 204);
  assert.equal([...h.ctl.store.table('Logical_Router').values()].filter((x) => str(x, 'name') === `neutron-${r.id}`).length, 0);
  assert.equal((await h.req('GET', `/v2.0/ports?device_id=${r.id}`)).body.ports.length, 0);
});

test('quotas', async () => {
  const me = (await h.req('GET', '/v2.0/quotas/tenant')).body.tenant.tenant_id;
  const q = await h.req('PUT', `/v2.0/quotas/${me}`, { quota: { router: '1' } });
  assert.equal(q.body.quota.router, 1);
  const existing = (await h.req('GET', '/v2.0/routers')).body.routers.length;
  if (existing === 0) assert.equal((await h.req('POST', '/v2.0/routers', { router: { name: 'q1' } })).status, 201);
  const over = await h.req('POST', '/v2.0/routers', { router: { name: 'q2' } });
  assert.equal(over.status, 409);
  assert.equal(over.body.NeutronError.type, 'OverQuota');
  assert.equal((await h.req('GET', '/v2.0/quotas')).body.quotas.length, 1);
  assert.equal((await h.req('DELETE', `/v2.0/quotas/${me}`)).status, 204);
  assert.equal((await h.req('GET', `/v2.0/quotas/${me}`)).body.quota.router, 10);
  assert.equal((await h.req('PUT', `/v2.0/quotas/${me}`, { quota: { bogus: 1 } })).status, 400);
});

test('everything survives a restart', async () => {
  const before = {
    networks: (await h.req('GET', '/v2.0/networks')).body.networks,
    subnets: (await h.req('GET', '/v2.0/subnets')).body.subnets,
    ports: (await h.req('GET', '/v2.0/ports')).body.ports,
    sgs: (await h.req('GET', '/v2.0/security-groups')).body.security_groups,
    routers: (await h.req('GET', '/v2.0/routers')).body.routers,
    fips: (await h.req('GET', '/v2.0/floatingips')).body.floatingips,
  };
  h = await h.restart();
  const again = {
    networks: (await h.req('GET', '/v2.0/networks')).body.networks,
    subnets: (await h.req('GET', '/v2.0/subnets')).body.subnets,
    ports: (await h.req('GET', '/v2.0/ports')).body.ports,
    sgs: (await h.req('GET', '/v2.0/security-groups')).body.security_groups,
    routers: (await h.req('GET', '/v2.0/routers')).body.routers,
    fips: (await h.req('GET', '/v2.0/floatingips')).body.floatingips,
  };
  assert.deepEqual(again, before);
  assert.ok(before.ports.length > 40);
});

/**
 * The controller's pure pieces: address parsing and printing (against a
 * reference model), IPAM pools and allocation, segment validation and
 * allocation, configuration parsing, list-query semantics, and the
 * ACL match text of security group rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { parseIp, formatIp, parseCidr, formatCidr, cidrsOverlap, normalizeIp } from '../../src/controller/model/ip.js';
import { defaultPools, validatePools, allocate, checkFixedIp } from '../../src/controller/ipam.js';
import {
  providerSegment, allocateTenant, checkFree, parseVlanRanges, defaultSegmentConfig, segmentKey,
} from '../../src/controller/segments.js';
import { parseIni, configFromIni, projectIdFor } from '../../src/controller/config.js';
import { compileFilters, paginate } from '../../src/controller/api/query.js';
import { NETWORK } from '../../src/controller/model/attrs.js';
import { ruleMatch } from '../../src/controller/nb/secgroup.js';
import { ApiError } from '../../src/controller/errors.js';
import type { SecurityGroupRule, Subnet } from '../../src/controller/model/types.js';

const status = (f: () => unknown): number => {
  try { f(); return 0; } catch (e) { if (e instanceof ApiError) return e.status; throw e; }
};

test('IPv4/IPv6 parse and print canonically; round trip on random addresses', () => {
  assert.equal(normalizeIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(normalizeIp('2001:db8:0:1:0:0:0:0'), '2001:db8:0:1::');
  assert.equal(normalizeIp('::ffff:10.0.0.1'), '::ffff:a00:1');
  assert.equal(normalizeIp('010.0.0.1'), null);
  assert.equal(normalizeIp('1.2.3'), null);
  assert.equal(normalizeIp('1::2::3'), null);
  fc.assert(fc.property(fc.ipV6(), (s) => {
    const a = parseIp(s);
    assert.ok(a, s);
    const out = formatIp(a);
    assert.ok(isIPv6(out));
    assert.deepEqual(parseIp(out), a);
    assert.equal(formatIp(parseIp(out)!), out);
  }), { numRuns: 300 });
  fc.assert(fc.property(fc.ipV4(), (s) => { assert.equal(formatIp(parseIp(s)!), s); }), { numRuns: 200 });
});

test('cidrs: strict host bits, overlap', () => {
  assert.equal(parseCidr('10.0.0.5/24'), null);
  assert.equal(formatCidr(parseCidr('10.0.0.5/24', false)!), '10.0.0.0/24');
  assert.equal(parseCidr('10.0.0.0/33'), null);
  assert.ok(cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('10.1.0.0/16')!));
  assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!));
  assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/24')!, parseCidr('::/0')!));
});

function subnet(cidr: string, pools = defaultPools(parseCidr(cidr)!, parseIp(cidr.split('/')[0])!.value + 1n)): Subnet {
  return {
    id: `s-${cidr}`, project_id: 'p', description: '', tags: [], revision_number: 0, created_at: '', updated_at: '', name: '',
    network_id: 'n', ip_version: cidr.includes(':') ? 6 : 4, cidr, gateway_ip: formatIp({ version: cidr.includes(':') ? 6 : 4, value: parseIp(cidr.split('/')[0])!.value + 1n }),
    allocation_pools: pools, dns_nameservers: [], host_routes: [], enable_dhcp: true, ipv6_ra_mode: null, ipv6_address_mode: null, server_mac: '',
  };
}

test('IPAM: default pools, pool validation, allocation never repeats and fills the pool', () => {
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24')!, parseIp('10.0.0.1')!.value), [{ start: '10.0.0.2', end: '10.0.0.254' }]);
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24')!, parseIp('10.0.0.100')!.value), [{ start: '10.0.0.1', end: '10.0.0.99' }, { start: '10.0.0.101', end: '10.0.0.254' }]);
  assert.deepEqual(defaultPools(parseCidr('fd00::/64')!, null), [{ start: 'fd00::1', end: 'fd00::ffff:ffff:ffff:ffff' }]);
  const c = parseCidr('10.0.0.0/24')!;
  assert.equal(status(() => validatePools(c, [{ start: '10.0.0.0', end: '10.0.0.5' }], null)), 400);
  assert.equal(status(() => validatePools(c, [{ start: '10.0.0.9', end: '10.0.0.5' }], null)), 400);
  assert.equal(status(() => validatePools(c, [{ start: '10.0.0.2', end: '10.0.0.9' }, { start: '10.0.0.9', end: '10.0.0.20' }], null)), 400);
  assert.equal(status(() => validatePools(c, [{ start: '10.0.0.1', end: '10.0.0.9' }], parseIp('10.0.0.1')!.value)), 409);
  assert.equal(status(() => validatePools(c, [{ start: 'fd00::1', end: 'fd00::9' }], null)), 400);
  assert.equal(status(() => validatePools(c, [{ start: '10.0.0.2', end: '10.0.0.9' }], parseIp('10.0.0.1')!.value)), 0);
  const s = subnet('192.168.7.0/28');
  assert.equal(status(() => checkFixedIp(s, '192.168.7.15')), 400);
  assert.equal(status(() => checkFixedIp(s, '192.168.7.0')), 400);
  assert.equal(checkFixedIp(s, '192.168.7.14'), '192.168.7.14');
  fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 2, max: 14 }), { maxLength: 13 }), (pre) => {
    const used = new Set(pre.map((x) => `192.168.7.${x}`));
    const got: string[] = [];
    for (;;) {
      const ip = allocate(s, (x) => used.has(x));
      if (!ip) break;
      assert.ok(!used.has(ip));
      used.add(ip);
      got.push(ip);
    }
    assert.equal(used.size, 13);
    assert.equal(got.length, 13 - pre.length);
  }), { numRuns: 100 });
});

test('segments: provider validation, uniqueness, tenant allocation', () => {
  const cfg = defaultSegmentConfig();
  assert.deepEqual(providerSegment(cfg, { type: 'vlan', physnet: 'default', segId: 204 }), { type: 'vlan', physnet: 'default', segId: 204 });
  assert.equal(status(() => providerSegment(cfg, { type: 'vlan', physnet: 'default', segId: 4095 })), 400);
  assert.equal(status(() => providerSegment(cfg, { type: 'vlan', physnet: 'physnet9', segId: 5 })), 400);
  assert.equal(status(() => providerSegment(cfg, { type: 'flat', physnet: 'default', segId: 5 })), 400);
  assert.equal(status(() => providerSegment(cfg, { type: 'vxlan', physnet: 'default', segId: 5 })), 400);
  assert.equal(status(() => providerSegment(cfg, { type: 'gre' })), 400);
  const used = new Set([segmentKey({ type: 'vlan', physnet: 'default', segId: 204 })!]);
  assert.equal(status(() => checkFree({ type: 'vlan', physnet: 'default', segId: 204 }, (k) => used.has(k))), 409);
  const vnis = new Set<number>();
  const taken = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const s = allocateTenant(cfg, (k) => taken.has(k));
    assert.equal(s.type, 'vxlan');
    vnis.add(s.segId!);
    taken.add(segmentKey(s)!);
  }
  assert.equal(vnis.size, 50);
  const tiny = { ...cfg, tenantTypes: ['vlan'], vlanRanges: parseVlanRanges('default:10:11') };
  const t2 = new Set<string>();
  for (let i = 0; i < 2; i++) t2.add(segmentKey(allocateTenant(tiny, (k) => t2.has(k)))!);
  assert.equal(status(() => allocateTenant(tiny, (k) => t2.has(k))), 503);
  assert.throws(() => parseVlanRanges('default:5:1'));
});

test('configuration: neutron-style sections', () => {
  const c = configFromIni(parseIni(`
[DEFAULT]
global_physnet_mtu = 9000
[ml2]
tenant_network_types = vlan
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:200,physnet2
[quotas]
quota_port = -1
[hypervisor:hv1]
availability_zone = az1
bridge_mappings = physnet1:br-ex
`));
  assert.equal(c.segments.globalMtu, 9000);
  assert.deepEqual(c.segments.tenantTypes, ['vlan']);
  assert.deepEqual([...c.segments.vlanRanges.keys()], ['physnet1', 'physnet2']);
  assert.equal(c.quotaDefaults.port, -1);
  assert.equal(c.hypervisors[0]!.bridgeMappings.get('physnet1'), 'br-ex');
  assert.equal(c.defaultProject.id, projectIdFor('admin'));
  assert.throws(() => configFromIni(parseIni('[DEFAULT]\nauth_strategy = keystone\n')));
  assert.throws(() => parseIni('not a line'));
});

test('queries: OR within a key, AND across keys, booleans as Neutron spells them, pagination links', () => {
  const nets = [
    { id: 'a', name: 'x', shared: true, tags: ['t1'], created_at: '1' },
    { id: 'b', name: 'y', shared: false, tags: ['t1', 't2'], created_at: '2' },
    { id: 'c', name: 'z', shared: true, tags: [], created_at: '3' },
  ];
  const pick = (q: Record<string, string | string[]>): string[] => nets.filter(compileFilters(NETWORK, q)).map((n) => n.id);
  assert.deepEqual(pick({ name: ['x', 'y'] }), ['a', 'b']);
  assert.deepEqual(pick({ name: ['x', 'y'], shared: 'True' }), ['a']);
  assert.deepEqual(pick({ shared: '0' }), ['b']);
  assert.deepEqual(pick({ tags: 't1,t2' }), ['b']);
  assert.deepEqual(pick({ 'tags-any': 't2,t1' }), ['a', 'b']);
  assert.deepEqual(pick({ 'not-tags': 't1' }), ['c']);
  assert.equal(status(() => pick({ subnets: 'x' })), 400);
  const page = paginate(NETWORK, nets.map((n) => ({ ...n })), { limit: '2', sort_key: 'name', sort_dir: 'desc' }, 'http://h/v2.0/networks');
  assert.deepEqual(page.items.map((n) => n.id), ['c', 'b']);
  assert.equal(page.links.length, 1);
  assert.match(page.links[0]!.href, /marker=b/);
  const back = paginate(NETWORK, nets.map((n) => ({ ...n })), { limit: '2', marker: 'c', page_reverse: 'True' }, 'http://h/v2.0/networks');
  assert.deepEqual(back.items.map((n) => n.id), ['a', 'b']);
});

test('security group rules become OVN matches as ML2/OVN writes them', () => {
  const r = (x: Partial<SecurityGroupRule>): SecurityGroupRule => ({
    id: 'r', project_id: 'p', description: '', tags: [], revision_number: 0, created_at: '', updated_at: '',
    security_group_id: '11111111-2222-3333-4444-555555555555', direction: 'ingress', ethertype: 'IPv4', protocol: null,
    port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, ...x,
  });
  const pg = 'pg_11111111_2222_3333_4444_555555555555';
  assert.equal(ruleMatch(r({})), `outport == @${pg} && ip4`);
  assert.equal(ruleMatch(r({ direction: 'egress', ethertype: 'IPv6' })), `inport == @${pg} && ip6`);
  assert.equal(ruleMatch(r({ protocol: 'tcp', port_range_min: 1000, port_range_max: 2000 })), `outport == @${pg} && ip4 && tcp && tcp.dst >= 1000 && tcp.dst <= 2000`);
  assert.equal(ruleMatch(r({ protocol: 'icmp', port_range_min: 8, port_range_max: 0 })), `outport == @${pg} && ip4 && icmp4 && icmp4.type == 8 && icmp4.code == 0`);
  assert.equal(ruleMatch(r({ protocol: '47' })), `outport == @${pg} && ip4 && ip.proto == 47`);
  assert.equal(ruleMatch(r({ remote_group_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })), `outport == @${pg} && ip4 && ip4.src == $pg_aaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee_ip4`);
  assert.equal(ruleMatch(r({ remote_ip_prefix: '0.0.0.0/0', protocol: 'udp', port_range_min: 53, port_range_max: 53 })), `outport == @${pg} && ip4 && udp && udp.dst == 53`);
});

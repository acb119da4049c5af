/**
 * What the API made, seen with the real `ovn-nbctl` against the same
 * database (the embedded store's unix socket), row by row as Neutron's OVN
 * driver (ML2/OVN's ovn_client.py and acl.py) writes it:
 *   - a network is the Logical_Switch `neutron-<id>` with its name, MTU
 *     and AZ hints in external_ids; a provider network has a `localnet`
 *     port `provnet-<segment>` with `network_name` and, for a VLAN, `tag`;
 *   - a port is the LSP named by its id: `addresses` and `port_security`
 *     from its MAC, fixed IPs and address pairs, `requested-chassis`, its
 *     subnet's DHCP_Options, and the port groups of its security groups plus
 *     neutron_pg_drop while port security is on;
 *   - a security group is the Port_Group `pg_<id>` with one ACL per rule
 *     (priority 1002, allow-related, or allow-stateless for a stateless
 *     group), and neutron_pg_drop's two drop ACLs at 1001 behind them;
 *   - a router is the Logical_Router `neutron-<id>` with an LRP `lrp-<port>`
 *     per interface and for the gateway, a default route via the external
 *     subnet's gateway, its extra routes, one SNAT row per interface subnet
 *     when SNAT is on, and a stateless dnat_and_snat row per floating IP;
 *   - a subnet is a DHCP_Options row with OVN's native DHCP options.
 * Columns are read with `ovn-nbctl --format=json list`; `show`, `acl-list`,
 * `lr-route-list` and `lr-nat-list` are checked as an operator reads them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Api, buildWorld, startDaemon, stopDaemon, WORLD_CONFIG, type Daemon, type World } from './controller-world.js';

const skip = spawnSync('sh', ['-c', 'command -v ovn-nbctl']).status === 0 ? false : 'needs ovn-nbctl (apt-get install ovn-common)';

let dir = '';
let d: Daemon;
let w: World;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ctl-nb-'));
  fs.writeFileSync(path.join(dir, 'controller.ini'), WORLD_CONFIG);
  d = await startDaemon([`--dir=${dir}`, `--config=${path.join(dir, 'controller.ini')}`]);
  w = await buildWorld(new Api(d.url));
});
after(async () => {
  if (skip) return;
  await stopDaemon(d);
  fs.rmSync(dir, { recursive: true, force: true });
});

function nbctl(...args: string[]): string {
  const r = spawnSync('ovn-nbctl', [`--db=unix:${path.join(dir, 'ovnnb_db.sock')}`, '--timeout=10', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ovn-nbctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

type Row = Record<string, any>;

/** An OVSDB JSON value as plain data: uuids and atoms as themselves, sets as arrays, maps as objects. */
function plain(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  if (v[0] === 'uuid' || v[0] === 'named-uuid') return v[1];
  if (v[0] === 'set') return (v[1] as unknown[]).map(plain);
  if (v[0] === 'map') return Object.fromEntries((v[1] as [unknown, unknown][]).map(([k, x]) => [plain(k), plain(x)]));
  return v;
}

/** Set columns read here (OVSDB's JSON writes a one-element set as its bare element). */
const SETS = new Set(['addresses', 'port_security', 'networks', 'ports', 'acls', 'static_routes', 'nat']);

/** Every row of `table`, as `ovn-nbctl --format=json list` prints it. */
function list(table: string): Row[] {
  const j = JSON.parse(nbctl('--format=json', 'list', table)) as { headings: string[]; data: unknown[][] };
  return j.data.map((r) => Object.fromEntries(j.headings.map((h, i) => {
    const v = plain(r[i]);
    return [h, SETS.has(h) && !Array.isArray(v) ? [v] : v];
  })));
}

/** An optional column's value (OVSDB JSON prints an empty optional as an empty set). */
const opt = (v: unknown): unknown => (Array.isArray(v) && v.length === 0 ? null : v);

function one(rows: Row[], pred: (r: Row) => boolean, what: string): Row {
  const found = rows.filter(pred);
  assert.equal(found.length, 1, `${what}: ${found.length} rows`);
  return found[0]!;
}

const pg = (sgId: string): string => `pg_${sgId.replace(/-/g, '_')}`;

test('networks: Logical_Switch neutron-<id>, localnet provnet port with network_name and VLAN tag', { skip }, async () => {
  const switches = list('Logical_Switch');
  const lsps = list('Logical_Switch_Port');
  const byUuid = new Map(lsps.map((p) => [p._uuid, p]));
  const vlan = one(switches, (s) => s.name === `neutron-${w.vlan.id}`, 'vlan204 switch');
  assert.equal(vlan.external_ids['neutron:network_name'], 'vlan204');
  assert.equal(vlan.external_ids['neutron:mtu'], '1400');
  assert.equal(vlan.external_ids['neutron:availability_zone_hints'], 'az1');
  const now = (await new Api(d.url).ok('GET', `/v2.0/networks/${w.vlan.id}`)).network;
  assert.equal(vlan.external_ids['neutron:revision_number'], String(now.revision_number));
  assert.equal(vlan.other_config.mcast_snoop, 'false');
  const localnet = (s: Row): Row[] => s.ports.map((u: string) => byUuid.get(u)!).filter((p: Row) => p.type === 'localnet');
  const [ln] = localnet(vlan);
  assert.match(ln!.name, /^provnet-[0-9a-f-]{36}$/);
  assert.deepEqual(ln!.addresses, ['unknown']);
  assert.deepEqual(ln!.options, { network_name: 'default', mcast_flood: 'false', mcast_flood_reports: 'true' });
  assert.equal(opt(ln!.tag), 204);
  const ext = one(switches, (s) => s.name === `neutron-${w.ext.id}`, 'public switch');
  const [extLn] = localnet(ext);
  assert.equal(extLn!.options.network_name, 'default');
  assert.equal(opt(extLn!.tag), null, 'a flat network has no VLAN tag');
  for (const overlay of [w.tenant, w.isolated, w.demoNet]) {
    const s = one(switches, (x) => x.name === `neutron-${overlay.id}`, overlay.name);
    assert.deepEqual(localnet(s), [], `${overlay.name} is an overlay network: no localnet port`);
  }
  // Every Neutron port is in its network's switch.
  const p1 = one(lsps, (p) => p.name === w.p1.id, 'p1');
  assert.ok(vlan.ports.includes(p1._uuid));
  const show = nbctl('show');
  assert.match(show, new RegExp(`switch [0-9a-f-]+ \\(neutron-${w.vlan.id}\\) \\(aka vlan204\\)`));
  assert.match(show, /port provnet-[0-9a-f-]+\n\s+type: localnet\n\s+tag: 204\n\s+addresses: \["unknown"\]/);
});

test('ports: addresses, port security, options and DHCP as ML2/OVN writes them', { skip }, () => {
  const lsps = list('Logical_Switch_Port');
  const dhcp = list('DHCP_Options');
  const lsp = (id: string): Row => one(lsps, (p) => p.name === id, id);
  const slaac = w.p1.fixed_ips.find((f: any) => f.subnet_id === w.v6.id).ip_address;
  assert.equal(slaac, '2001:db8:204:0:f816:3eff:fe12:3456', 'EUI-64 of the port MAC');
  const p1 = lsp(w.p1.id);
  assert.equal(p1.type, '');
  assert.deepEqual(p1.addresses.sort(), ['fa:16:3e:12:34:56 192.0.2.50 ' + slaac, 'fa:16:3e:aa:bb:cc'].sort());
  assert.deepEqual(p1.port_security.sort(), [`fa:16:3e:12:34:56 192.0.2.50 ${slaac} 192.0.2.200`, 'fa:16:3e:aa:bb:cc 192.0.2.16/28'].sort());
  assert.deepEqual(p1.options, { 'requested-chassis': 'hv1', mcast_flood_reports: 'true' });
  assert.equal(p1.enabled, true);
  const x = p1.external_ids;
  assert.equal(x['neutron:port_name'], 'host1-vlan204');
  assert.equal(x['neutron:network_name'], `neutron-${w.vlan.id}`);
  assert.equal(x['neutron:security_group_ids'], w.web.id);
  assert.equal(x['neutron:cidrs'], `192.0.2.50/24 ${slaac}/64`);
  assert.equal(x['neutron:device_owner'], '');
  assert.equal(x['neutron:port_fip'], w.fip1.floating_ip_address);
  assert.equal(x['neutron:project_id'], w.p1.project_id);
  const v4opts = one(dhcp, (r) => r.external_ids.subnet_id === w.v4.id, 'v4 DHCP_Options');
  assert.equal(opt(p1.dhcpv4_options), v4opts._uuid);
  // No port security: anything goes ("unknown"), no DHCP on that subnet, no port security column.
  const p2 = lsp(w.p2.id);
  assert.deepEqual(p2.addresses, ['unknown']);
  assert.deepEqual(p2.port_security, []);
  assert.equal(opt(p2.dhcpv4_options), null);
  assert.equal(lsp(w.p4.id).enabled, false);
  // Neutron's own ports: the metadata localport, router interfaces and gateway.
  const meta = one(lsps, (p) => p.external_ids['neutron:device_id'] === `ovnmeta-${w.vlan.id}`, 'metadata port');
  assert.equal(meta.type, 'localport');
  assert.deepEqual(meta.port_security, []);
  assert.equal(meta.external_ids['neutron:device_owner'], 'network:distributed');
  const routerPorts = lsps.filter((p) => p.external_ids['neutron:device_id'] === w.r1.id);
  assert.equal(routerPorts.length, 3);
  for (const p of routerPorts) {
    assert.equal(p.type, 'router');
    assert.deepEqual(p.addresses, ['router']);
    assert.equal(p.options['router-port'], `lrp-${p.name}`);
    assert.equal(p.options['nat-addresses'], p.external_ids['neutron:device_owner'] === 'network:router_gateway' ? 'router' : undefined);
  }
  const show = nbctl('show');
  assert.match(show, new RegExp(`port ${w.p1.id} \\(aka host1-vlan204\\)\\n\\s+addresses: \\["fa:16:3e:12:34:56 192\\.0\\.2\\.50 ${slaac.replace(/\./g, '\\.')}", "fa:16:3e:aa:bb:cc"\\]`));
  assert.equal(nbctl('lsp-get-port-security', w.p2.id).trim(), '');
});

test('security groups: Port_Group pg_<id> with one ACL per rule, neutron_pg_drop behind them', { skip }, () => {
  const groups = list('Port_Group');
  const acls = new Map(list('ACL').map((a) => [a._uuid, a]));
  const lsps = new Map(list('Logical_Switch_Port').map((p) => [p.name, p._uuid]));
  const web = one(groups, (g) => g.name === pg(w.web.id), 'web group');
  assert.equal(web.external_ids['neutron:security_group_id'], w.web.id);
  assert.deepEqual(web.ports.sort(), [lsps.get(w.p1.id), lsps.get(w.p4.id)].sort());
  const webAcls = web.acls.map((u: string) => acls.get(u)!);
  const byRule = (id: string): Row => one(webAcls, (a) => a.external_ids['neutron:security_group_rule_id'] === id, id);
  const p = pg(w.web.id);
  const expect: [string, string, string][] = [
    [w.ssh.id, 'to-lport', `outport == @${p} && ip4 && tcp && tcp.dst == 22`],
    [w.http.id, 'to-lport', `outport == @${p} && ip4 && tcp && tcp.dst >= 80 && tcp.dst <= 81`],
    [w.ping.id, 'to-lport', `outport == @${p} && ip4 && icmp4 && icmp4.type == 8 && icmp4.code == 0`],
    [w.peers.id, 'to-lport', `outport == @${p} && ip6 && ip6.src == $${pg(w.raw.id)}_ip6`],
  ];
  for (const [rule, direction, match] of expect) {
    const a = byRule(rule);
    assert.deepEqual({ priority: a.priority, direction: a.direction, match: a.match, action: a.action }, { priority: 1002, direction, match, action: 'allow-related' });
  }
  assert.equal(webAcls.filter((a: Row) => a.direction === 'from-lport').length, 2, 'the two default egress rules');
  // A stateless group's rules are allow-stateless.
  const raw = one(groups, (g) => g.name === pg(w.raw.id), 'raw group');
  const dns = one(raw.acls.map((u: string) => acls.get(u)!), (a) => a.external_ids['neutron:security_group_rule_id'] === w.dns.id, 'dns rule');
  assert.deepEqual([dns.direction, dns.match, dns.action], ['from-lport', `inport == @${pg(w.raw.id)} && ip4 && ip4.dst == 10.0.0.0/8 && udp && udp.dst == 53`, 'allow-stateless']);
  const vrrp = one(raw.acls.map((u: string) => acls.get(u)!), (a) => a.external_ids['neutron:security_group_rule_id'] === w.vrrp.id, 'vrrp rule');
  assert.equal(vrrp.match, `outport == @${pg(w.raw.id)} && ip4 && ip.proto == 112`);
  // neutron_pg_drop: every port with port security, none without; two drop ACLs at 1001.
  const drop = one(groups, (g) => g.name === 'neutron_pg_drop', 'neutron_pg_drop');
  for (const port of [w.p1, w.p3, w.p4]) assert.ok(drop.ports.includes(lsps.get(port.id)), `${port.name} in neutron_pg_drop`);
  for (const port of [w.p2, w.ifport]) assert.ok(!drop.ports.includes(lsps.get(port.id)), `${port.name} not in neutron_pg_drop`);
  const dropAcls = drop.acls.map((u: string) => acls.get(u)!).map((a: Row) => `${a.direction} ${a.priority} ${a.match} ${a.action}`).sort();
  assert.deepEqual(dropAcls, ['from-lport 1001 inport == @neutron_pg_drop && ip drop', 'to-lport 1001 outport == @neutron_pg_drop && ip drop']);
  const text = nbctl('acl-list', pg(w.web.id));
  assert.match(text, /to-lport +1002 \(outport == @pg_[0-9a-f_]+ && ip4 && tcp && tcp\.dst == 22\) allow-related/);
});

test('routers: LRPs, gateway and extra routes, SNAT and floating-IP NAT', { skip }, () => {
  const routers = list('Logical_Router');
  const lrps = new Map(list('Logical_Router_Port').map((p) => [p._uuid, p]));
  const routes = new Map(list('Logical_Router_Static_Route').map((r) => [r._uuid, r]));
  const nats = new Map(list('NAT').map((n) => [n._uuid, n]));
  const ports = (list('Logical_Switch_Port'));
  const r1 = one(routers, (r) => r.name === `neutron-${w.r1.id}`, 'r1');
  assert.equal(r1.external_ids['neutron:router_name'], 'r1');
  assert.equal(r1.external_ids['neutron:availability_zone_hints'], 'az1');
  assert.equal(r1.enabled, true);
  const r1ports = r1.ports.map((u: string) => lrps.get(u)!);
  const gwPort = ports.find((p) => p.external_ids['neutron:device_id'] === w.r1.id && p.external_ids['neutron:device_owner'] === 'network:router_gateway')!;
  const gw = one(r1ports, (p) => p.name === `lrp-${gwPort.name}`, 'gateway LRP');
  assert.deepEqual(gw.networks, ['203.0.113.10/24']);
  assert.equal(gw.external_ids['neutron:is_ext_gw'], 'True');
  assert.equal(gw.mac, gwPort.external_ids['neutron:mac_address']);
  const inside = one(r1ports, (p) => (p.networks as string[]).includes('192.0.2.1/24'), 'interface on sub204');
  assert.equal(inside.external_ids['neutron:subnet_ids'], w.v4.id);
  assert.equal(inside.external_ids['neutron:router_name'], w.r1.id);
  assert.ok(r1ports.some((p: Row) => (p.networks as string[]).includes('10.10.0.1/24')), 'interface made from a port');
  const r1routes = r1.static_routes.map((u: string) => routes.get(u)!).map((r: Row) => `${r.ip_prefix} ${r.nexthop}`).sort();
  assert.deepEqual(r1routes, ['0.0.0.0/0 203.0.113.1', '10.50.0.0/16 192.0.2.254']);
  const dflt = r1.static_routes.map((u: string) => routes.get(u)!).find((r: Row) => r.ip_prefix === '0.0.0.0/0');
  assert.deepEqual(dflt.external_ids, { 'neutron:is_ext_gw': 'true', 'neutron:subnet_id': w.extSub.id });
  const r1nats = r1.nat.map((u: string) => nats.get(u)!);
  assert.deepEqual(r1nats.filter((n: Row) => n.type === 'snat').map((n: Row) => `${n.external_ip} ${n.logical_ip}`).sort(), ['203.0.113.10 10.10.0.0/24', '203.0.113.10 192.0.2.0/24']);
  const fipPort = ports.find((p) => p.external_ids['neutron:device_id'] === w.fip1.id)!;
  const fip = one(r1nats, (n) => n.type === 'dnat_and_snat', 'floating IP NAT');
  assert.deepEqual(
    { external_ip: fip.external_ip, logical_ip: fip.logical_ip, logical_port: opt(fip.logical_port), options: fip.options },
    { external_ip: w.fip1.floating_ip_address, logical_ip: '192.0.2.50', logical_port: w.p1.id, options: { stateless: 'true' } },
  );
  assert.deepEqual(
    [fip.external_ids['neutron:fip_id'], fip.external_ids['neutron:fip_port_id'], fip.external_ids['neutron:router_name'], fip.external_ids['neutron:fip_external_mac'], fip.external_ids['neutron:fip_network_id']],
    [w.fip1.id, w.p1.id, `neutron-${w.r1.id}`, fipPort.external_ids['neutron:mac_address'], w.ext.id],
  );
  assert.deepEqual(fipPort.addresses, [], 'the floating IP holder claims no address; the NAT row answers for it');
  // r2: gateway with a fixed external address and SNAT off: a default route, no NAT.
  const r2 = one(routers, (r) => r.name === `neutron-${w.r2.id}`, 'r2');
  assert.deepEqual(r2.ports.map((u: string) => lrps.get(u)!.networks).flat(), ['203.0.113.99/24']);
  assert.deepEqual(r2.nat, []);
  assert.equal(r2.static_routes.length, 1);
  assert.match(nbctl('lr-route-list', `neutron-${w.r1.id}`), /10\.50\.0\.0\/16 +192\.0\.2\.254/);
  assert.match(nbctl('lr-nat-list', `neutron-${w.r1.id}`), new RegExp(`dnat_and_snat +${w.fip1.floating_ip_address.replace(/\./g, '\\.')} +192\\.0\\.2\\.50`));
  assert.match(nbctl('show'), new RegExp(`router [0-9a-f-]+ \\(neutron-${w.r1.id}\\) \\(aka r1\\)`));
});

test('subnets: DHCP_Options with OVN native DHCP options', { skip }, () => {
  const dhcp = list('DHCP_Options');
  const v4 = one(dhcp, (r) => r.external_ids.subnet_id === w.v4.id, 'v4');
  assert.equal(v4.cidr, '192.0.2.0/24');
  const { server_mac: mac, ...options } = v4.options;
  assert.match(mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
  assert.deepEqual(options, {
    lease_time: '43200', mtu: '1400', router: '192.0.2.1', server_id: '192.0.2.1', dns_server: '{8.8.8.8, 1.1.1.1}',
    classless_static_route: '{10.99.0.0/16,192.0.2.254, 0.0.0.0/0,192.0.2.1}',
  });
  const off = one(dhcp, (r) => r.external_ids.subnet_id === w.tenantSub.id, 'DHCP off');
  assert.deepEqual(off.options, {});
  const noGw = one(dhcp, (r) => r.external_ids.subnet_id === w.isolatedSub.id, 'no gateway');
  assert.equal(noGw.options.router, undefined);
  assert.match(nbctl('dhcp-options-get-options', v4._uuid), /lease_time=43200/);
});

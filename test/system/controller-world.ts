/**
 * Shared by the controller's system tests: `weft controller` as a child
 * process, a small HTTP client for its API, a "world" that exercises every
 * kind of resource and attribute the controller stores (so a test that
 * restarts the controller, or reads the northbound database with
 * ovn-nbctl, has something of everything), and a snapshot of everything
 * the API shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/controller-entry.js');

/** Hypervisor hv1 in az1 with physical network `default` on br-ex, and a Keystone user for the demo project. */
export const WORLD_CONFIG = '[hypervisor:hv1]\navailability_zone = az1\nbridge_mappings = default:br-ex\n';

export interface Daemon { proc: ChildProcess; url: string; stderr(): string }

export async function startDaemon(args: string[]): Promise<Daemon> {
  const proc = spawn(process.execPath, [ENTRY, '--listen=127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`controller did not start: ${err}`)), 20000);
    const onData = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(t); proc.stderr!.off('data', onData); resolve(m[1]!); }
    };
    proc.stderr!.on('data', onData);
    proc.once('exit', (c) => { clearTimeout(t); reject(new Error(`controller exited ${c}: ${err}`)); });
  });
  return { proc, url, stderr: () => err };
}

/** Stops the daemon: SIGTERM (a clean stop) or SIGKILL (a crash). */
export async function stopDaemon(d: Daemon, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
  const done = new Promise((r) => d.proc.once('exit', r));
  d.proc.kill(signal);
  await done;
}

export interface Reply { status: number; body: any }

export class Api {
  constructor(readonly url: string, readonly headers: Record<string, string> = {}) {}

  as(headers: Record<string, string>): Api {
    return new Api(this.url, { ...this.headers, ...headers });
  }

  async req(method: string, p: string, body?: unknown): Promise<Reply> {
    const r = await fetch(this.url + p, {
      method, headers: { 'content-type': 'application/json', ...this.headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  }

  /** A request that must answer `status` (default 2xx); returns the body. */
  async ok(method: string, p: string, body?: unknown, status?: number): Promise<any> {
    const r = await this.req(method, p, body);
    if (status !== undefined) assert.equal(r.status, status, `${method} ${p}: ${JSON.stringify(r.body)}`);
    else assert.ok(r.status >= 200 && r.status < 300, `${method} ${p} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async mk(coll: string, key: string, body: Record<string, unknown>): Promise<any> {
    return (await this.ok('POST', `/v2.0/${coll}`, { [key]: body }, 201))[key];
  }
}

const DEMO = { 'x-project-id': 'demo-project', 'x-roles': 'member' };

/** What `buildWorld` made, by name. */
export type World = Record<string, any>;

/**
 * Every kind of resource, with the attributes that take some effort to
 * keep: provider VLAN/flat/VXLAN networks with MTU, sharing, AZ hints and
 * port security off; IPv4 and IPv6 (SLAAC) subnets with pools, DNS, host
 * routes, DHCP off and no gateway; ports with fixed IPs and MACs, address
 * pairs, binding host and profile, port security off, admin down; stateful
 * and stateless groups with rules of every shape; routers with gateway
 * (SNAT on and off, fixed external IP), interfaces by subnet and by port,
 * extra routes; floating IPs associated and not; tags everywhere; quotas
 * for two projects; an agent changed by the admin; a second project's own
 * resources.
 */
export async function buildWorld(api: Api): Promise<World> {
  const w: World = {};
  w.ext = await api.mk('networks', 'network', { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'default' });
  w.extSub = await api.mk('subnets', 'subnet', { name: 'public-sub', network_id: w.ext.id, cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false, allocation_pools: [{ start: '203.0.113.10', end: '203.0.113.200' }] });
  w.vlan = await api.mk('networks', 'network', { name: 'vlan204', description: 'seed 003', mtu: 1400, availability_zone_hints: ['az1'], 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': '204' });
  w.v4 = await api.mk('subnets', 'subnet', {
    name: 'sub204', network_id: w.vlan.id, cidr: '192.0.2.0/24', ip_version: 4, allocation_pools: [{ start: '192.0.2.10', end: '192.0.2.100' }],
    dns_nameservers: ['8.8.8.8', '1.1.1.1'], host_routes: [{ destination: '10.99.0.0/16', nexthop: '192.0.2.254' }],
  });
  w.v6 = await api.mk('subnets', 'subnet', { name: 'sub204-v6', network_id: w.vlan.id, cidr: '2001:db8:204::/64', ip_version: 6, ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
  w.tenant = await api.mk('networks', 'network', { name: 'tenant', shared: true, port_security_enabled: false });
  w.tenantSub = await api.mk('subnets', 'subnet', { name: 'tenant-sub', network_id: w.tenant.id, cidr: '10.10.0.0/24', ip_version: 4, enable_dhcp: false });
  w.isolated = await api.mk('networks', 'network', { name: 'isolated', 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7000 });
  w.isolatedSub = await api.mk('subnets', 'subnet', { name: 'no-gw', network_id: w.isolated.id, cidr: '10.20.0.0/24', ip_version: 4, gateway_ip: null });

  w.web = await api.mk('security-groups', 'security_group', { name: 'web', description: 'web servers' });
  w.raw = await api.mk('security-groups', 'security_group', { name: 'raw', stateful: false });
  const rule = (sg: string, r: Record<string, unknown>): Promise<any> => api.mk('security-group-rules', 'security_group_rule', { security_group_id: sg, ...r });
  w.ssh = await rule(w.web.id, { direction: 'ingress', protocol: 'tcp', port_range_min: '22', port_range_max: '22', remote_ip_prefix: '0.0.0.0/0' });
  w.http = await rule(w.web.id, { direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 81, description: 'http' });
  w.ping = await rule(w.web.id, { direction: 'ingress', protocol: 'icmp', port_range_min: 8, port_range_max: 0 });
  w.peers = await rule(w.web.id, { direction: 'ingress', ethertype: 'IPv6', remote_group_id: w.raw.id });
  w.dns = await rule(w.raw.id, { direction: 'egress', protocol: 'udp', port_range_min: 53, port_range_max: 53, remote_ip_prefix: '10.0.0.0/8' });
  w.vrrp = await rule(w.raw.id, { direction: 'ingress', protocol: '112' });

  w.p1 = await api.mk('ports', 'port', {
    name: 'host1-vlan204', description: 'fixed', network_id: w.vlan.id, mac_address: 'fa:16:3e:12:34:56',
    fixed_ips: [{ subnet_id: w.v4.id, ip_address: '192.0.2.50' }], security_groups: [w.web.id],
    allowed_address_pairs: [{ ip_address: '192.0.2.200' }, { ip_address: '192.0.2.16/28', mac_address: 'fa:16:3e:aa:bb:cc' }],
    'binding:host_id': 'hv1', 'binding:profile': { capabilities: ['switchdev'] },
  });
  w.p2 = await api.mk('ports', 'port', { name: 'no-security', network_id: w.tenant.id });
  w.p3 = await api.mk('ports', 'port', { name: 'vm', network_id: w.vlan.id, device_id: 'b1d4c8e2-0000-4000-8000-000000000001', device_owner: 'compute:nova', 'binding:vnic_type': 'normal' });
  w.p4 = await api.mk('ports', 'port', { name: 'down', network_id: w.isolated.id, admin_state_up: false, security_groups: [w.raw.id, w.web.id] });
  w.ifport = await api.mk('ports', 'port', { name: 'r1-tenant', network_id: w.tenant.id, fixed_ips: [{ subnet_id: w.tenantSub.id, ip_address: '10.10.0.1' }] });

  w.r1 = await api.mk('routers', 'router', { name: 'r1', availability_zone_hints: ['az1'], external_gateway_info: { network_id: w.ext.id } });
  await api.ok('PUT', `/v2.0/routers/${w.r1.id}/add_router_interface`, { subnet_id: w.v4.id });
  await api.ok('PUT', `/v2.0/routers/${w.r1.id}/add_router_interface`, { port_id: w.ifport.id });
  await api.ok('PUT', `/v2.0/routers/${w.r1.id}/add_extraroutes`, { router: { routes: [{ destination: '10.50.0.0/16', nexthop: '192.0.2.254' }] } });
  w.r2 = await api.mk('routers', 'router', {
    name: 'r2', external_gateway_info: { network_id: w.ext.id, enable_snat: false, external_fixed_ips: [{ subnet_id: w.extSub.id, ip_address: '203.0.113.99' }] },
  });
  w.fip1 = await api.mk('floatingips', 'floatingip', { floating_network_id: w.ext.id, port_id: w.p1.id, description: 'host1' });
  w.fip2 = await api.mk('floatingips', 'floatingip', { floating_network_id: w.ext.id, floating_ip_address: '203.0.113.150' });

  for (const [coll, o] of [['networks', w.vlan], ['subnets', w.v4], ['ports', w.p1], ['security-groups', w.web], ['routers', w.r1], ['floatingips', w.fip2]] as const) {
    await api.ok('PUT', `/v2.0/${coll}/${o.id}/tags`, { tags: ['prod', `seed-${coll}`] });
  }
  const me = (await api.ok('GET', '/v2.0/quotas/tenant')).tenant.tenant_id;
  await api.ok('PUT', `/v2.0/quotas/${me}`, { quota: { network: 50, port: 1000 } });
  await api.ok('PUT', '/v2.0/quotas/demo-project', { quota: { router: 3, floatingip: 0 } });
  const agent = (await api.ok('GET', '/v2.0/agents')).agents[0];
  await api.ok('PUT', `/v2.0/agents/${agent.id}`, { agent: { description: 'rack 4', admin_state_up: false } });

  const demo = api.as(DEMO);
  w.demoNet = await demo.mk('networks', 'network', { name: 'demo-net' });
  w.demoPort = await demo.mk('ports', 'port', { name: 'demo-on-tenant', network_id: w.tenant.id });
  return w;
}

const COLLECTIONS = ['networks', 'subnets', 'ports', 'security-groups', 'security-group-rules', 'routers', 'floatingips', 'agents', 'availability_zones', 'quotas'];

/** Everything the API shows: every collection as the admin and as the demo project, quota details, router interfaces. */
export async function apiSnapshot(api: Api): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const who of ['admin', 'demo'] as const) {
    const a = who === 'admin' ? api : api.as(DEMO);
    for (const c of COLLECTIONS) out[`${who} ${c}`] = await a.ok('GET', `/v2.0/${c}`);
  }
  const me = (await api.ok('GET', '/v2.0/quotas/tenant')).tenant.tenant_id;
  for (const p of [me, 'demo-project']) out[`quota ${p}`] = await api.ok('GET', `/v2.0/quotas/${p}/details`);
  for (const r of (out['admin routers'] as any).routers) out[`router ${r.name} ports`] = await api.ok('GET', `/v2.0/ports?device_id=${r.id}`);
  return out;
}

/** After a restart the controller must not only show the same things but keep working: addresses, MACs, names stay taken. */
export async function checkStillWorking(api: Api, w: World): Promise<void> {
  const dup = await api.req('POST', '/v2.0/ports', { port: { network_id: w.vlan.id, mac_address: 'fa:16:3e:12:34:56' } });
  assert.equal(dup.status, 409, JSON.stringify(dup.body));
  const taken = await api.req('POST', '/v2.0/ports', { port: { network_id: w.vlan.id, fixed_ips: [{ ip_address: '192.0.2.50' }] } });
  assert.equal(taken.status, 409, JSON.stringify(taken.body));
  const vlan = await api.req('POST', '/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'default', 'provider:segmentation_id': 204 } });
  assert.equal(vlan.status, 409, JSON.stringify(vlan.body));
  const p = await api.mk('ports', 'port', { network_id: w.vlan.id });
  const used = (await api.ok('GET', `/v2.0/ports?network_id=${w.vlan.id}`)).ports.flatMap((x: any) => x.fixed_ips.map((f: any) => f.ip_address));
  assert.equal(new Set(used).size, used.length, `duplicate addresses after restart: ${used}`);
  await api.ok('DELETE', `/v2.0/ports/${p.id}`, undefined, 204);
}

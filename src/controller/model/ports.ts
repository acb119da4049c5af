/**
 * Ports: MAC and fixed-IP assignment, security groups and port security,
 * binding.
 *
 * Fixed IPs (Neutron's ipam_backend_mixin and pluggable IPAM backend):
 *   - no `fixed_ips` in the request: one address from the first IPv4
 *     subnet with room, one from the first stateful IPv6 subnet;
 *   - `fixed_ips: [...]`: each entry's `subnet_id` alone allocates from
 *     that subnet, `ip_address` alone finds the subnet holding it, both pin
 *     the address; `[]` asks for none;
 *   - either way, the SLAAC address of every auto-address IPv6 subnet not
 *     named, except on router interfaces (Neutron's implicit
 *     _get_auto_address_ips).
 * On update, addresses the port keeps stay; only new entries allocate.
 * Every address and MAC is checked against the draft, so concurrent and
 * bulk requests never hand out one twice.
 *
 * Ports owned by Neutron (router interfaces and gateways, floating-IP
 * holders) are made by routers.ts and floatingips.ts and cannot be deleted
 * through the port API (409 L3PortInUse), as in Neutron.
 *
 * Policy (Neutron's port policy): anyone who can see a network may make a
 * port on it, but on a network it does not own (a shared one) a project may
 * not choose the MAC, the fixed IP addresses, port security, address pairs
 * or a `network:` device owner (403); only an admin changes a MAC. A port's
 * owner changes it; its network's owner may also see and delete it. A
 * router-interface port may only name a router of its own project as
 * device (409 DeviceIDNotOwnedByTenant), so no project can plug into
 * another's router.
 */
import { randomUUID } from 'node:crypto';
import {
  ApiError, badRequest, conflict, forbidden, invalidInput, ipExhausted, ipInUse, macInUse, notFound,
} from '../errors.js';
import {
  type AddressPair, type Context, type FixedIp, type Network, type Port, isNetworkOwned, OWNER_FLOATINGIP,
  OWNER_ROUTER_INTERFACE, isRouterOwner,
} from './types.js';
import type { FixedIpRequest } from './attrs.js';
import type { Draft } from '../state/draft.js';
import { type Body, canSeeNetwork, checkQuota, generateMac, newStandard, owned, owns, pick, revise, visible } from './common.js';
import { allocate, checkFixedIp, inSubnet, isAutoAddress, slaacAddress } from '../ipam.js';
import { ensureDefaultSecurityGroup } from './secgroups.js';
import type { NetworkSource } from './subnets.js';
import { parseIp } from './ip.js';

export function portVisible(d: NetworkSource, ctx: Context, p: Port): boolean {
  if (owns(ctx, p)) return true;
  const n = d.networks.get(p.network_id);
  return !!n && owns(ctx, n);
}

function ipUsed(d: Draft, networkId: string, ip: string, self: string | null): boolean {
  return d.ports.lookup('ip', `${networkId}|${ip}`).some((p) => p.id !== self);
}

/** What a port's addresses are assigned from. */
export interface FixedIpAssignment {
  readonly net: Network;
  /** `fixed_ips` as sent; undefined when not sent. */
  readonly req: readonly FixedIpRequest[] | undefined;
  /** The port's MAC (SLAAC addresses derive from it). */
  readonly mac: string;
  /** The port's own id when it already exists (its addresses are not "in use" against itself). */
  readonly self: string | null;
  /** The addresses the port already holds (on update). */
  readonly keep?: readonly FixedIp[];
  /** The port's device owner: router interfaces get no implicit SLAAC address. */
  readonly owner: string;
}

/** Router interface owners (Neutron's ROUTER_INTERFACE_OWNERS_SNAT): no implicit SLAAC addresses. */
const NO_AUTO_ADDRESS = new Set([OWNER_ROUTER_INTERFACE, 'network:router_interface_distributed', 'network:ha_router_replicated_interface', 'network:router_centralized_snat']);

/** The fixed IPs of a port (see the module comment for the rules). */
export function assignFixedIps(d: Draft, a: FixedIpAssignment): FixedIp[] {
  const { net, req, mac, self } = a;
  const keep = a.keep ?? [];
  const subnets = d.subnets.lookup('network', net.id).sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id));
  const out: FixedIp[] = [];
  const taken = new Set<string>();
  const used = (ip: string): boolean => taken.has(ip) || (ipUsed(d, net.id, ip, self) && !keep.some((k) => k.ip_address === ip));
  const take = (subnet_id: string, ip_address: string): void => { out.push({ subnet_id, ip_address }); taken.add(ip_address); };
  if (req === undefined) {
    const v4 = subnets.filter((s) => s.ip_version === 4);
    for (const s of v4) {
      const ip = allocate(s, used);
      if (ip) { take(s.id, ip); break; }
    }
    if (v4.length && !out.length) throw ipExhausted(net.id);
    const v6 = subnets.filter((s) => s.ip_version === 6);
    let stateful = false;
    for (const s of v6) {
      if (isAutoAddress(s)) { if (!NO_AUTO_ADDRESS.has(a.owner)) take(s.id, slaacAddress(s, mac)); continue; }
      if (stateful) continue;
      const ip = allocate(s, used);
      if (ip) { take(s.id, ip); stateful = true; }
    }
    return out;
  }
  for (const r of req) {
    if (r.subnet_id !== undefined) {
      const s = d.subnets.get(r.subnet_id);
      if (!s) throw notFound('subnet', r.subnet_id);
      if (s.network_id !== net.id) throw invalidInput(`Failed to create port on network ${net.id}, because fixed_ips included invalid subnet ${r.subnet_id}`);
      if (r.ip_address !== undefined) {
        const ip = checkFixedIp(s, r.ip_address);
        if (taken.has(ip)) throw invalidInput(`Duplicate IP address '${ip}'`);
        if (used(ip)) throw ipInUse(ip, s.id);
        take(s.id, ip);
      } else if (isAutoAddress(s)) {
        take(s.id, slaacAddress(s, mac));
      } else {
        const kept = keep.find((k) => k.subnet_id === s.id && !taken.has(k.ip_address));
        const ip = kept?.ip_address ?? allocate(s, used);
        if (!ip) throw ipExhausted(net.id);
        take(s.id, ip);
      }
      continue;
    }
    if (r.ip_address === undefined) throw invalidInput('IP allocation requires subnet_id or ip_address');
    const s = subnets.find((x) => inSubnet(x, r.ip_address!));
    if (!s) throw badRequest(`IP address ${r.ip_address} is not a valid IP for any of the subnets on the specified network.`, 'InvalidIpForNetwork');
    const ip = checkFixedIp(s, r.ip_address);
    if (taken.has(ip)) throw invalidInput(`Duplicate IP address '${ip}'`);
    if (used(ip)) throw ipInUse(ip, s.id);
    take(s.id, ip);
  }
  // As Neutron does, a port also gets its SLAAC address on every auto-address subnet it did not name.
  if (!NO_AUTO_ADDRESS.has(a.owner)) {
    for (const s of subnets) if (isAutoAddress(s) && !out.some((f) => f.subnet_id === s.id)) take(s.id, slaacAddress(s, mac));
  }
  return out;
}

/** The attributes only the network's owner (or an admin) may set on a port (Neutron's port policy). */
const NET_OWNER_ONLY = ['mac_address', 'port_security_enabled', 'allowed_address_pairs'] as const;

function checkPolicy(ctx: Context, net: Network, body: Body, op: 'create' | 'update'): void {
  if (ctx.isAdmin) return;
  if (op === 'update' && body.mac_address !== undefined) throw forbidden('update_port:mac_address');
  if (owns(ctx, net)) return;
  for (const k of NET_OWNER_ONLY) if (body[k] !== undefined) throw forbidden(`${op}_port:${k}`);
  const fixed = body.fixed_ips as FixedIpRequest[] | undefined;
  if (fixed !== undefined && (op === 'update' || !net.shared)) throw forbidden(`${op}_port:fixed_ips`);
  if (fixed?.some((f) => f.ip_address !== undefined)) throw forbidden(`${op}_port:fixed_ips:ip_address`);
  if (typeof body.device_owner === 'string' && body.device_owner.startsWith('network:')) throw forbidden(`${op}_port:device_owner`);
}

/** A router-interface port names a router of the port's own project, or none that exists (Neutron's device-id check). */
function checkDevice(d: Draft, ctx: Context, owner: string, deviceId: string, project: string): void {
  if (ctx.isAdmin || !isRouterOwner(owner) || !deviceId) return;
  const r = d.routers.get(deviceId);
  if (r && r.project_id !== project) {
    throw conflict('DeviceIDNotOwnedByTenant', `The following device_id ${deviceId} is not owned by your tenant or matches another tenants router.`);
  }
}

function checkMac(d: Draft, networkId: string, mac: string, self: string | null): void {
  if (d.ports.lookup('mac', `${networkId}|${mac}`).some((p) => p.id !== self)) throw macInUse(networkId, mac);
}

function checkPairs(pairs: readonly Partial<AddressPair>[], mac: string): AddressPair[] {
  const seen = new Set<string>();
  return pairs.map((a) => {
    const pair = { ip_address: a.ip_address!, mac_address: a.mac_address ?? mac };
    const k = `${pair.mac_address} ${pair.ip_address}`;
    if (seen.has(k)) throw badRequest('Request contains duplicate address pair: ' + k, 'DuplicateAddressPairInRequest');
    seen.add(k);
    return pair;
  });
}

function checkSecurity(d: Draft, ctx: Context, p: Port): void {
  if (!p.port_security_enabled && p.security_groups.length) {
    throw badRequest('Port security must be enabled and port must have an IP address in order to use security groups.', 'PortSecurityAndIPRequiredForSecurityGroups');
  }
  if (!p.port_security_enabled && p.allowed_address_pairs.length) {
    throw conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
  }
  for (const sg of p.security_groups) {
    const g = d.securityGroups.get(sg);
    if (!g || (g.project_id !== p.project_id && !ctx.isAdmin)) throw notFound('security_group', sg);
  }
}

export function createPort(d: Draft, ctx: Context, body: Body): Port {
  const net = visible(d.networks, 'network', body.network_id as string, ctx, (n) => canSeeNetwork(ctx, n));
  checkPolicy(ctx, net, body, 'create');
  const std = newStandard(d, ctx, body);
  checkQuota(d, std.project_id, 'port');
  const mac = (body.mac_address as string | undefined) ?? generateMac(d, net.id);
  checkMac(d, net.id, mac, null);
  const owner = (body.device_owner as string | undefined) ?? '';
  checkDevice(d, ctx, owner, (body.device_id as string | undefined) ?? '', std.project_id);
  const portSecurity = (body.port_security_enabled as boolean | undefined) ?? net.port_security_enabled;
  let sgs = body.security_groups as string[] | undefined;
  if (sgs === undefined) sgs = portSecurity && !isNetworkOwned(owner) ? [ensureDefaultSecurityGroup(d, std.project_id).id] : [];
  const p: Port = {
    ...std,
    name: (body.name as string | undefined) ?? '',
    network_id: net.id,
    admin_state_up: (body.admin_state_up as boolean | undefined) ?? true,
    mac_address: mac,
    fixed_ips: assignFixedIps(d, { net, req: body.fixed_ips as FixedIpRequest[] | undefined, mac, self: null, owner }),
    device_id: (body.device_id as string | undefined) ?? '',
    device_owner: owner,
    security_groups: sgs,
    port_security_enabled: portSecurity,
    allowed_address_pairs: checkPairs((body.allowed_address_pairs as Partial<AddressPair>[] | undefined) ?? [], mac),
    'binding:host_id': (body['binding:host_id'] as string | undefined) ?? '',
    'binding:vnic_type': (body['binding:vnic_type'] as string | undefined) ?? 'normal',
    'binding:profile': (body['binding:profile'] as Record<string, unknown> | undefined) ?? {},
    up: false,
  };
  checkSecurity(d, ctx, p);
  d.ports.put(p);
  return p;
}

/** A port Neutron itself owns (router interface or gateway, floating IP holder). */
export function createServicePort(d: Draft, fields: { project_id: string; network: Network; device_owner: string; device_id: string; fixed_ips?: FixedIpRequest[] }): Port {
  const mac = generateMac(d, fields.network.id);
  const p: Port = {
    id: randomUUID(), project_id: fields.project_id, description: '', tags: [], revision_number: 0,
    created_at: d.now, updated_at: d.now, name: '', network_id: fields.network.id, admin_state_up: true,
    mac_address: mac, fixed_ips: [], device_id: fields.device_id, device_owner: fields.device_owner,
    security_groups: [], port_security_enabled: false, allowed_address_pairs: [], 'binding:host_id': '',
    'binding:vnic_type': 'normal', 'binding:profile': {}, up: false,
  };
  p.fixed_ips = assignFixedIps(d, { net: fields.network, req: fields.fixed_ips, mac, self: p.id, owner: fields.device_owner });
  d.ports.put(p);
  return p;
}

const UPDATABLE = ['name', 'description', 'admin_state_up', 'device_id', 'device_owner', 'security_groups', 'port_security_enabled',
  'binding:host_id', 'binding:vnic_type', 'binding:profile'] as const;

export function updatePort(d: Draft, ctx: Context, id: string, body: Body): Port {
  const p = owned(d.ports, 'port', id, ctx, (x) => portVisible(d, ctx, x));
  const net = d.networks.get(p.network_id);
  if (!net) throw notFound('network', p.network_id);
  checkPolicy(ctx, net, body, 'update');
  const changes: Partial<Port> = pick<Port>(body, [...UPDATABLE]);
  if (body.mac_address !== undefined && body.mac_address !== p.mac_address) {
    if (p['binding:host_id']) throw conflict('PortBound', `Unable to complete operation on port ${id}, port is already bound, port type: ovs, old_mac ${p.mac_address}, new_mac ${body.mac_address as string}.`);
    checkMac(d, p.network_id, body.mac_address as string, id);
    changes.mac_address = body.mac_address as string;
  }
  const mac = changes.mac_address ?? p.mac_address;
  if (body.fixed_ips !== undefined) {
    changes.fixed_ips = assignFixedIps(d, { net, req: body.fixed_ips as FixedIpRequest[], mac, self: id, keep: p.fixed_ips, owner: (body.device_owner as string | undefined) ?? p.device_owner });
  }
  if (body.allowed_address_pairs !== undefined) changes.allowed_address_pairs = checkPairs(body.allowed_address_pairs as AddressPair[], mac);
  if (body.port_security_enabled === false && body.security_groups === undefined && p.security_groups.length) {
    throw badRequest('Port security must be enabled and port must have an IP address in order to use security groups.', 'PortSecurityAndIPRequiredForSecurityGroups');
  }
  const next = revise(d, p, changes);
  if (next === p) return p;
  checkDevice(d, ctx, next.device_owner, next.device_id, next.project_id);
  checkSecurity(d, ctx, next);
  if (changes.fixed_ips) {
    const removed = p.fixed_ips.filter((f) => !next.fixed_ips.some((g) => g.ip_address === f.ip_address));
    for (const f of d.floatingips.lookup('port', id)) {
      if (removed.some((r) => r.ip_address === f.fixed_ip_address)) throw conflict('FloatingIpSetupException', `Port ${id} has a floating IP on fixed IP ${f.fixed_ip_address}; disassociate it first.`);
    }
  }
  d.ports.put(next);
  if (isRouterOwner(next.device_owner)) d.markRouter(next.device_id);
  for (const f of d.floatingips.lookup('port', id)) d.markRouter(f.router_id);
  return next;
}

export function deletePort(d: Draft, ctx: Context, id: string): void {
  const p = visible(d.ports, 'port', id, ctx, (x) => portVisible(d, ctx, x));
  if (isRouterOwner(p.device_owner) || p.device_owner === OWNER_FLOATINGIP) {
    throw new ApiError(409, 'L3PortInUse', `Port ${id} has owner ${p.device_owner} and therefore cannot be deleted directly via the port API.`);
  }
  removePort(d, id);
}

/** Deletes a port and undoes what hangs on it: floating IPs are disassociated. */
export function removePort(d: Draft, id: string): void {
  const p = d.ports.get(id);
  if (!p) return;
  for (const f of d.floatingips.lookup('port', id)) {
    d.markRouter(f.router_id);
    d.floatingips.put({ ...f, port_id: null, fixed_ip_address: null, router_id: null, revision_number: f.revision_number + 1, updated_at: d.now });
    d.dirtyPorts.add(f.floating_port_id);
  }
  if (isRouterOwner(p.device_owner)) d.markRouter(p.device_id);
  d.ports.delete(id);
}

/** The first IPv4 address of a port, for NAT. */
export function firstV4(p: Port): FixedIp | undefined {
  return p.fixed_ips.find((f) => parseIp(f.ip_address)?.version === 4);
}

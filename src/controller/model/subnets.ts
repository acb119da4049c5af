/**
 * Subnets: cidr, gateway and pools checked as Neutron does (ipam.ts), no
 * overlap with another subnet of the same network, IPv6 modes consistent,
 * DNS servers and host routes bounded. Updating `enable_dhcp` or anything
 * the DHCP options carry rewrites the ports that point at them; deleting
 * is refused while any port holds an address on the subnet.
 */
import { badRequest, forbidden, invalidInput, notFound, subnetInUse } from '../errors.js';
import type { AllocationPool, Context, HostRoute, Network, Subnet } from './types.js';
import type { Draft } from '../state/draft.js';
import { type Body, canSeeNetwork, checkQuota, newStandard, owned, owns, pick, randomMac, revise, visible } from './common.js';
import { cidrContains, cidrsOverlap, formatCidr, ipText, parseCidr, parseIp, type Cidr } from './ip.js';
import { defaultPools, forgetSubnet, subnetCidr, usableRange, validatePools } from '../ipam.js';
import { addMetadataAddress, isAutoPort, releaseMetadataAddress } from './dhcp.js';

export const MAX_DNS_NAMESERVERS = 5;
export const MAX_HOST_ROUTES = 20;

function checkGateway(cidr: Cidr, gw: string | null): bigint | null {
  if (gw === null) return null;
  const a = parseIp(gw)!;
  if (a.version !== cidr.version) throw invalidInput(`gateway_ip ${gw} does not match the subnet IP version`);
  if (cidrContains(cidr, a)) {
    const u = usableRange(cidr);
    if (a.value < u.start || a.value > u.end) throw badRequest(`Gateway is not valid on subnet: Gateway IP ${gw} is the network or broadcast address of subnet`, 'InvalidInput');
  }
  return a.value;
}

function checkLists(cidr: Cidr, dns: readonly string[] | undefined, routes: readonly HostRoute[] | undefined): void {
  if (dns && dns.length > MAX_DNS_NAMESERVERS) throw badRequest(`Number of DNS nameservers exceeds the limit ${MAX_DNS_NAMESERVERS}`, 'DNSNameServersExhausted');
  if (routes) {
    if (routes.length > MAX_HOST_ROUTES) throw badRequest(`Unable to complete operation for subnet. The number of host routes exceeds the limit ${MAX_HOST_ROUTES}.`, 'HostRoutesExhausted');
    for (const r of routes) {
      if (parseCidr(r.destination, false)!.version !== cidr.version || parseIp(r.nexthop)!.version !== cidr.version) {
        throw invalidInput(`host route ${r.destination} via ${r.nexthop} does not match the subnet IP version`);
      }
    }
  }
}

function checkOverlap(d: Draft, networkId: string, cidr: Cidr, self: string | null): void {
  for (const s of d.subnets.lookup('network', networkId)) {
    if (s.id !== self && cidrsOverlap(subnetCidr(s), cidr)) {
      throw invalidInput(`Requested subnet with cidr: ${formatCidr(cidr)} for network: ${networkId} overlaps with another subnet`);
    }
  }
}

function checkV6Modes(version: number, ra: string | null, addr: string | null): void {
  if (version === 4 && (ra || addr)) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False or for IPv4 subnets');
  if (ra && addr && ra !== addr) throw invalidInput(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${addr}' is not valid. If both attributes are set, they must be the same value`);
}

export function createSubnet(d: Draft, ctx: Context, body: Body): Subnet {
  const networkId = body.network_id as string;
  const net = visible(d.networks, 'network', networkId, ctx, (n) => canSeeNetwork(ctx, n));
  if (!owns(ctx, net)) throw forbidden('create_subnet');
  const std = newStandard(d, ctx, body);
  checkQuota(d, std.project_id, 'subnet');
  const cidr = parseCidr(body.cidr as string, true)!;
  const version = body.ip_version as 4 | 6;
  if (cidr.version !== version) throw invalidInput(`Cidr ${body.cidr as string} does not match ip_version ${version}`);
  if (cidr.prefix === 0) throw invalidInput(`Cidr ${body.cidr as string} covers the whole address space`);
  checkOverlap(d, networkId, cidr, null);
  const u = usableRange(cidr);
  const gwText = 'gateway_ip' in body ? body.gateway_ip as string | null : (u.start <= u.end ? ipText(version, u.start) : null);
  const gw = checkGateway(cidr, gwText);
  const pools = (body.allocation_pools as AllocationPool[] | undefined) ?? defaultPools(cidr, gw);
  validatePools(cidr, pools, gw);
  const dns = (body.dns_nameservers as string[] | undefined) ?? [];
  const routes = (body.host_routes as HostRoute[] | undefined) ?? [];
  checkLists(cidr, dns, routes);
  const ra = (body.ipv6_ra_mode as string | null | undefined) ?? null, addr = (body.ipv6_address_mode as string | null | undefined) ?? null;
  checkV6Modes(version, ra, addr);
  const s: Subnet = {
    ...std,
    name: (body.name as string | undefined) ?? '',
    network_id: networkId,
    ip_version: version,
    cidr: formatCidr(cidr),
    gateway_ip: gwText === null ? null : ipText(version, gw!),
    allocation_pools: pools.map((p) => ({ start: p.start, end: p.end })),
    dns_nameservers: dns,
    host_routes: routes,
    enable_dhcp: (body.enable_dhcp as boolean | undefined) ?? true,
    ipv6_ra_mode: ra,
    ipv6_address_mode: addr,
    server_mac: randomMac(),
  };
  d.subnets.put(s);
  addMetadataAddress(d, net, s);
  return s;
}

export function updateSubnet(d: Draft, ctx: Context, id: string, body: Body): Subnet {
  const s = owned(d.subnets, 'subnet', id, ctx, (x) => subnetVisible(d, ctx, x));
  const cidr = subnetCidr(s);
  const gwText = 'gateway_ip' in body ? body.gateway_ip as string | null : s.gateway_ip;
  const gw = checkGateway(cidr, gwText);
  const pools = (body.allocation_pools as AllocationPool[] | undefined) ?? s.allocation_pools;
  if ('gateway_ip' in body || 'allocation_pools' in body) validatePools(cidr, pools, gw);
  checkLists(cidr, body.dns_nameservers as string[] | undefined, body.host_routes as HostRoute[] | undefined);
  const changes: Partial<Subnet> = pick<Subnet>(body, ['name', 'description', 'dns_nameservers', 'host_routes', 'enable_dhcp']);
  if ('gateway_ip' in body) changes.gateway_ip = gwText === null ? null : ipText(cidr.version, gw!);
  if ('allocation_pools' in body) changes.allocation_pools = pools;
  const next = revise(d, s, changes);
  if (next === s) return s;
  d.subnets.put(next);
  if (next.enable_dhcp !== s.enable_dhcp) {
    for (const p of d.ports.lookup('subnet', id)) d.dirtyPorts.add(p.id);
    const net = d.networks.get(s.network_id);
    if (next.enable_dhcp && net) addMetadataAddress(d, net, next); else releaseMetadataAddress(d, s.network_id, id);
  }
  return next;
}

export interface NetworkSource { readonly networks: { get(id: string): Network | undefined } }

export function subnetVisible(d: NetworkSource, ctx: Context, s: Subnet): boolean {
  if (owns(ctx, s)) return true;
  const n = d.networks.get(s.network_id);
  return !!n && (n.shared || n['router:external'] || owns(ctx, n));
}

export function deleteSubnet(d: Draft, ctx: Context, id: string): void {
  const s = owned(d.subnets, 'subnet', id, ctx, (x) => subnetVisible(d, ctx, x), 'delete_subnet');
  if (d.ports.lookup('subnet', id).some((p) => !isAutoPort(p))) throw subnetInUse(id);
  releaseMetadataAddress(d, s.network_id, id);
  deleteSubnetRows(d, id);
}

/** Removes a subnet that no port uses (also when its network goes). */
export function deleteSubnetRows(d: Draft, id: string): void {
  d.subnets.delete(id);
  forgetSubnet(id);
}

export function requireSubnet(d: Draft, ctx: Context, id: string): Subnet {
  const s = d.subnets.get(id);
  if (!s || !subnetVisible(d, ctx, s)) throw notFound('subnet', id);
  return s;
}

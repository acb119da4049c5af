/**
 * subnet <-> DHCP_Options, as ML2/OVN maps it: one DHCP_Options row per
 * subnet with `cidr`, `external_ids:subnet_id`, and — when DHCP is enabled
 * — the options OVN's native DHCP server answers with (router, server_id,
 * server_mac, lease_time, mtu, dns_server, classless_static_route; for
 * IPv6 server_id and dhcpv6_stateless). A subnet without DHCP keeps its
 * row with empty options, so the row still holds the subnet.
 *
 * A port's `dhcpv4_options`/`dhcpv6_options` points at its subnet's row
 * (nb/port.ts), which is how OVN knows what to offer that port.
 */
import type { AllocationPool, HostRoute, Network, Subnet } from '../model/types.js';
import { ExtIds, bstr, decodeStandard, encodeStandard, isObjectList, UUID_NAME_RE } from './extids.js';
import { omap, smap, str } from './txn.js';
import type { NbRow } from './store.js';
import { subnetCidr, usableRange } from '../ipam.js';
import { ipText } from '../model/ip.js';

export const DHCP_LEASE_TIME = '43200';

export function decodeSubnet(row: NbRow): Subnet | null {
  const x = new ExtIds(smap(row, 'external_ids'));
  const id = x.str('subnet_id');
  if (!UUID_NAME_RE.test(id) || x.has('port_id') || !x.has('neutron:network_id')) return null;
  const version = x.int('neutron:ip_version', str(row, 'cidr').includes(':') ? 6 : 4) === 6 ? 6 : 4;
  const pools: AllocationPool[] = x.list('neutron:allocation_pools').map((p) => {
    const [start, end] = p.split('-') as [string, string | undefined];
    return { start, end: end ?? start };
  });
  return {
    ...decodeStandard(x, id),
    name: x.str('neutron:subnet_name'),
    network_id: x.str('neutron:network_id'),
    ip_version: version,
    cidr: str(row, 'cidr'),
    gateway_ip: x.optStr('neutron:gateway_ip'),
    allocation_pools: pools,
    dns_nameservers: x.list('neutron:dns_nameservers'),
    host_routes: x.json<HostRoute[]>('neutron:host_routes', [], isObjectList),
    enable_dhcp: x.bool('neutron:enable_dhcp', true),
    ipv6_ra_mode: x.optStr('neutron:ipv6_ra_mode'),
    ipv6_address_mode: x.optStr('neutron:ipv6_address_mode'),
    server_mac: x.str('neutron:server_mac'),
  };
}

function dhcpV4(s: Subnet, net: Network): Record<string, string> {
  const u = usableRange(subnetCidr(s));
  const server = s.gateway_ip ?? ipText(4, u.start);
  const o: Record<string, string> = {
    lease_time: DHCP_LEASE_TIME,
    mtu: String(net.mtu),
    server_id: server,
    server_mac: s.server_mac,
  };
  if (s.gateway_ip) o.router = s.gateway_ip;
  if (s.dns_nameservers.length) o.dns_server = `{${s.dns_nameservers.join(', ')}}`;
  if (s.host_routes.length) {
    const routes = s.host_routes.map((r) => `${r.destination},${r.nexthop}`);
    if (s.gateway_ip) routes.push(`0.0.0.0/0,${s.gateway_ip}`);
    o.classless_static_route = `{${routes.join(', ')}}`;
  }
  return o;
}

function dhcpV6(s: Subnet): Record<string, string> {
  if (s.ipv6_address_mode === 'slaac') return {};
  const o: Record<string, string> = { server_id: s.server_mac };
  if (s.ipv6_address_mode === 'dhcpv6-stateless') o.dhcpv6_stateless = 'true';
  if (s.dns_nameservers.length) o.dns_server = `{${s.dns_nameservers.join(', ')}}`;
  return o;
}

/** The DHCP_Options row of `s` on `net`. */
export function encodeSubnet(s: Subnet, net: Network): Record<string, unknown> {
  const options = !s.enable_dhcp ? {} : s.ip_version === 4 ? dhcpV4(s, net) : dhcpV6(s);
  return {
    cidr: s.cidr,
    options: omap(options),
    external_ids: omap({
      subnet_id: s.id,
      'neutron:network_id': s.network_id,
      'neutron:subnet_name': s.name,
      'neutron:ip_version': String(s.ip_version),
      ...(s.gateway_ip ? { 'neutron:gateway_ip': s.gateway_ip } : {}),
      ...(s.allocation_pools.length ? { 'neutron:allocation_pools': s.allocation_pools.map((p) => `${p.start}-${p.end}`).join(',') } : {}),
      ...(s.dns_nameservers.length ? { 'neutron:dns_nameservers': s.dns_nameservers.join(',') } : {}),
      ...(s.host_routes.length ? { 'neutron:host_routes': JSON.stringify(s.host_routes) } : {}),
      'neutron:enable_dhcp': bstr(s.enable_dhcp),
      ...(s.ipv6_ra_mode ? { 'neutron:ipv6_ra_mode': s.ipv6_ra_mode } : {}),
      ...(s.ipv6_address_mode ? { 'neutron:ipv6_address_mode': s.ipv6_address_mode } : {}),
      'neutron:server_mac': s.server_mac,
      ...encodeStandard(s),
    }),
  };
}

/** True if ports on `s` get `s` as their DHCP options (IPv6 SLAAC needs no DHCP server). */
export function servesDhcp(s: Subnet): boolean {
  return s.enable_dhcp && (s.ip_version === 4 || s.ipv6_address_mode !== 'slaac');
}

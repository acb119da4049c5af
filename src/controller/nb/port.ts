/**
 * port <-> Logical_Switch_Port, as ML2/OVN maps it:
 *   - the LSP is named by the port id and sits in its network's switch;
 *   - `port_security`, when port security is on and the port is not
 *     Neutron's own, is "MAC IP…" with the addresses of allowed address
 *     pairs on the port's MAC appended, plus one "MAC IP" entry per pair
 *     with another MAC, so the data plane drops spoofed traffic;
 *   - `addresses` is "MAC IP…" and the pairs' other MACs ("router" for a
 *     router port) when the port has port security, a type or DHCP, plus
 *     "unknown" when it has neither port security nor a type, so it also
 *     receives unknown destinations (ML2/OVN's _get_port_options, with
 *     OVN's FDB present);
 *   - a floating IP's address holder, which ML2/OVN keeps out of OVN
 *     altogether, is an LSP with no addresses (its row stores the floating
 *     IP; the router's NAT row is what answers for the address);
 *   - `dhcpv4_options`/`dhcpv6_options` point at the DHCP_Options of the
 *     port's first DHCP-enabled subnet of each family;
 *   - router ports are `type=router` with `options:router-port=lrp-<id>`;
 *   - `options:requested-chassis` carries binding:host_id (empty while
 *     unbound), so only that hypervisor binds the port, and ports that are
 *     neither localports nor router ports get `mcast_flood_reports=true`;
 *   - `external_ids` carries ML2/OVN's keys (neutron:cidrs, device_id,
 *     device_owner, network_name = neutron-<net>, port_name, project_id,
 *     revision_number, security_group_ids, host_id, vnic_type, port_fip)
 *     and the attributes the real driver keeps in SQL (MAC, fixed IPs with
 *     their subnets, address pairs, …).
 * Security group membership is not a column of the LSP but of each
 * Port_Group (nb/secgroup.ts).
 */
import {
  type FloatingIp, type Port, type Subnet, isNetworkOwned, isRouterOwner, OWNER_ROUTER_GATEWAY, OWNER_DHCP, OWNER_FLOATINGIP,
} from '../model/types.js';
import { ExtIds, bstr, decodeStandard, encodeStandard, isObjectList, UUID_NAME_RE, NEUTRON_NAME_RE } from './extids.js';
import { type Ref, omap, optBool, refJson, smap, str } from './txn.js';
import type { NbRow } from './store.js';
import { servesDhcp } from './subnet.js';
import { encodeFipKeys } from './floatingip.js';

export const lrpName = (portId: string): string => `lrp-${portId}`;

export function decodePort(row: NbRow): Port | null {
  const id = str(row, 'name');
  if (!UUID_NAME_RE.test(id)) return null;
  const x = new ExtIds(smap(row, 'external_ids'));
  const net = NEUTRON_NAME_RE.exec(x.str('neutron:network_name'));
  if (!net) return null;
  const mac = x.str('neutron:mac_address') || (str(row, 'addresses').split(' ')[0] ?? '');
  return {
    ...decodeStandard(x, id),
    name: x.str('neutron:port_name'),
    network_id: net[1]!,
    admin_state_up: optBool(row, 'enabled') ?? true,
    mac_address: mac,
    fixed_ips: x.json('neutron:fixed_ips', [], isObjectList),
    device_id: x.str('neutron:device_id'),
    device_owner: x.str('neutron:device_owner'),
    security_groups: x.list('neutron:security_group_ids', ' '),
    port_security_enabled: x.bool('neutron:port_security_enabled', true),
    allowed_address_pairs: x.json('neutron:allowed_address_pairs', [], isObjectList),
    'binding:host_id': x.str('neutron:host_id'),
    'binding:vnic_type': x.str('neutron:vnic_type', 'normal'),
    'binding:profile': x.json('neutron:binding_profile', {}, (v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
    up: optBool(row, 'up') ?? false,
  };
}

export interface PortEncodeContext {
  subnet(id: string): Subnet | undefined;
  /** The DHCP_Options row of a subnet. */
  dhcpRef(subnetId: string): Ref | null;
  /** The floating IP this port holds the address of (device_owner network:floatingip). */
  ownFip: FloatingIp | null;
  /** Floating IP addresses associated with this port (ML2/OVN's neutron:port_fip). */
  fipAddresses: readonly string[];
}

function lspType(p: Port): string {
  if (isRouterOwner(p.device_owner)) return 'router';
  if (p.device_owner === OWNER_DHCP || p.device_owner === 'network:distributed') return 'localport';
  return '';
}

/** `port_security` and the extra MACs of `addresses` (ML2/OVN's _get_allowed_addresses_from_port). */
function allowedAddresses(p: Port, macIps: string): { portSecurity: string[]; otherMacs: string[] } {
  if (!p.port_security_enabled || isNetworkOwned(p.device_owner)) return { portSecurity: [], otherMacs: [] };
  let own = macIps;
  const others: string[] = [], macs: string[] = [];
  for (const a of p.allowed_address_pairs) {
    if (a.mac_address === p.mac_address) { own += ` ${a.ip_address}`; continue; }
    const entry = `${a.mac_address} ${a.ip_address}`;
    if (!others.includes(entry)) others.push(entry);
    if (!macs.includes(a.mac_address)) macs.push(a.mac_address);
  }
  return { portSecurity: [...others, own], otherMacs: macs };
}

/** The Logical_Switch_Port columns the controller owns (never `up`, `tag`, `dynamic_addresses`). */
export function encodePort(p: Port, ctx: PortEncodeContext): Record<string, unknown> {
  const type = lspType(p);
  const ips = p.fixed_ips.map((f) => f.ip_address);
  const macIps = [p.mac_address, ...ips].join(' ');
  const owned = isNetworkOwned(p.device_owner);
  const { portSecurity, otherMacs } = allowedAddresses(p, macIps);
  const options: Record<string, string> = {};
  if (type === 'router') {
    options['router-port'] = lrpName(p.id);
    if (p.device_owner === OWNER_ROUTER_GATEWAY) options['nat-addresses'] = 'router';
  } else {
    options['requested-chassis'] = p['binding:host_id'];
    if (type !== 'localport') options.mcast_flood_reports = 'true';
  }
  let dhcp4: Ref | null = null, dhcp6: Ref | null = null;
  const cidrs: string[] = [];
  for (const f of p.fixed_ips) {
    const s = ctx.subnet(f.subnet_id);
    if (!s) continue;
    cidrs.push(`${f.ip_address}/${s.cidr.split('/')[1]}`);
    if (owned || !servesDhcp(s)) continue;
    if (s.ip_version === 4 && !dhcp4) dhcp4 = ctx.dhcpRef(s.id);
    if (s.ip_version === 6 && !dhcp6) dhcp6 = ctx.dhcpRef(s.id);
  }
  let addresses: string[];
  if (type === 'router') addresses = ['router'];
  else if (p.device_owner === OWNER_FLOATINGIP) addresses = [];
  else {
    addresses = portSecurity.length || type || dhcp4 || dhcp6 ? [macIps, ...otherMacs] : [];
    if (!portSecurity.length && !type) addresses.push('unknown');
  }
  return {
    name: p.id,
    type,
    addresses: ['set', addresses],
    port_security: ['set', portSecurity],
    enabled: p.admin_state_up,
    dhcpv4_options: dhcp4 ? refJson(dhcp4) : ['set', []],
    dhcpv6_options: dhcp6 ? refJson(dhcp6) : ['set', []],
    options: omap(options),
    external_ids: omap({
      'neutron:cidrs': cidrs.join(' '),
      'neutron:device_id': p.device_id,
      'neutron:device_owner': p.device_owner,
      'neutron:network_name': `neutron-${p.network_id}`,
      'neutron:port_name': p.name,
      'neutron:security_group_ids': p.security_groups.join(' '),
      ...(p['binding:host_id'] ? { 'neutron:host_id': p['binding:host_id'] } : {}),
      'neutron:vnic_type': p['binding:vnic_type'],
      ...(ctx.fipAddresses.length ? { 'neutron:port_fip': ctx.fipAddresses.join(' ') } : {}),
      'neutron:mac_address': p.mac_address,
      'neutron:fixed_ips': JSON.stringify(p.fixed_ips),
      ...(p.allowed_address_pairs.length ? { 'neutron:allowed_address_pairs': JSON.stringify(p.allowed_address_pairs) } : {}),
      'neutron:port_security_enabled': bstr(p.port_security_enabled),
      ...(Object.keys(p['binding:profile']).length ? { 'neutron:binding_profile': JSON.stringify(p['binding:profile']) } : {}),
      ...encodeStandard(p),
      ...(ctx.ownFip ? encodeFipKeys(ctx.ownFip) : {}),
    }),
  };
}

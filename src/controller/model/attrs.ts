/**
 * The attribute maps: what a client may send on create (POST) and update
 * (PUT) for each resource, how each value is converted, which attributes
 * only an admin may set, and what may be filtered and sorted on. This is
 * the same table-of-attributes shape as neutron-lib's
 * RESOURCE_ATTRIBUTE_MAP, and one table serves request validation
 * (api/body.ts), list queries (api/query.ts) and the OpenAPI description
 * (openapi.ts), so the three cannot disagree.
 */
import {
  type Converter, toName, toString, toBool, toInt, nullable, toUuid, toMac, toIp, toIpOrPrefix, toSubnetCidr, toPrefix,
  toEnum, toList, toUniqueList, toDict, toStringMap,
} from './convert.js';
import type { AddressPair, AllocationPool, FixedIp, GatewayInfo, HostRoute } from './types.js';

/** How a query-string value is compared with an attribute (and what OpenAPI says the attribute is). */
export type AttrType = 'string' | 'boolean' | 'integer' | 'list' | 'object';

export interface Attr {
  readonly type: AttrType;
  /** Accepted in a create body. */
  readonly post?: boolean;
  /** Accepted in an update body. */
  readonly put?: boolean;
  /** Must be present in a create body. */
  readonly required?: boolean;
  readonly convert?: Converter<unknown>;
  /** Only an admin may set it (on create and update). */
  readonly adminOnly?: boolean;
  /** May be used as a filter (default: every scalar attribute). */
  readonly filter?: boolean;
  /** May be used as a sort key (default: every scalar attribute). */
  readonly sort?: boolean;
  readonly doc?: string;
}

export interface ResourceDef {
  /** Singular body key: `network`, `security_group`. */
  readonly name: string;
  /** Plural body key: `networks`, `security_groups`. */
  readonly plural: string;
  /** URL collection: `networks`, `security-groups`. */
  readonly path: string;
  readonly attrs: Readonly<Record<string, Attr>>;
  /** The policy target name for 403 messages (`create_network`). */
  readonly policy: string;
}

const ro = (type: AttrType, doc?: string): Attr => ({ type, doc });
const STANDARD: Record<string, Attr> = {
  id: ro('string', 'UUID of the resource'),
  project_id: { type: 'string', post: true, convert: toString(255), doc: 'owner project' },
  tenant_id: { type: 'string', post: true, convert: toString(255), doc: 'owner project (deprecated name)' },
  description: { type: 'string', post: true, put: true, convert: toString(255) },
  tags: { type: 'list', filter: false, sort: false },
  revision_number: ro('integer'),
  created_at: ro('string'),
  updated_at: ro('string'),
};

const hostRoute = toDict<HostRoute>({ destination: toPrefix, nexthop: toIp }, ['destination', 'nexthop'],
  (o) => ({ destination: o.destination as string, nexthop: o.nexthop as string }));
const pool = toDict<AllocationPool>({ start: toIp, end: toIp }, ['start', 'end'],
  (o) => ({ start: o.start as string, end: o.end as string }));
/** A fixed_ips entry: either key may be missing (allocate from the subnet; find the subnet of the address). */
export interface FixedIpRequest { subnet_id?: string; ip_address?: string }
const fixedIp = toDict<FixedIpRequest>({ subnet_id: toUuid, ip_address: toIp }, [], (o) => {
  const r: FixedIpRequest = {};
  if (o.subnet_id !== undefined) r.subnet_id = o.subnet_id as string;
  if (o.ip_address !== undefined) r.ip_address = o.ip_address as string;
  return r;
});
const addressPair = toDict<Partial<AddressPair>>({ ip_address: toIpOrPrefix, mac_address: toMac }, ['ip_address'],
  (o) => ({ ip_address: o.ip_address as string, ...(o.mac_address !== undefined ? { mac_address: o.mac_address as string } : {}) }));
export interface GatewayRequest { network_id?: string; enable_snat?: boolean; external_fixed_ips?: FixedIpRequest[] }
const gatewayInfo: Converter<GatewayRequest | null> = nullable(toDict<GatewayRequest>({
  network_id: toUuid, enable_snat: toBool, external_fixed_ips: toList(fixedIp, 16),
}, [], (o) => o as GatewayRequest));

const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed'] as const;
export const NETWORK_TYPES = ['flat', 'vlan', 'vxlan', 'geneve', 'local', 'gre'] as const;
export const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const;

export const NETWORK: ResourceDef = {
  name: 'network', plural: 'networks', path: 'networks', policy: 'network',
  attrs: {
    ...STANDARD,
    name: { type: 'string', post: true, put: true, convert: toName },
    admin_state_up: { type: 'boolean', post: true, put: true, convert: toBool },
    shared: { type: 'boolean', post: true, put: true, convert: toBool, adminOnly: true },
    'router:external': { type: 'boolean', post: true, put: true, convert: toBool, adminOnly: true },
    mtu: { type: 'integer', post: true, put: true, convert: toInt(68, 65535) },
    port_security_enabled: { type: 'boolean', post: true, put: true, convert: toBool },
    availability_zone_hints: { type: 'list', post: true, convert: toUniqueList(toString(255), 64), filter: false },
    'provider:network_type': { type: 'string', post: true, put: true, adminOnly: true, convert: toEnum(NETWORK_TYPES) },
    'provider:physical_network': { type: 'string', post: true, put: true, adminOnly: true, convert: nullable(toString(64)) },
    'provider:segmentation_id': { type: 'integer', post: true, put: true, adminOnly: true, convert: nullable(toInt(0, 2 ** 32)) },
    status: ro('string'), subnets: { type: 'list', filter: false }, availability_zones: { type: 'list', filter: false },
    ipv4_address_scope: ro('string'), ipv6_address_scope: ro('string'), is_default: ro('boolean'),
    l2_adjacency: ro('boolean'), qos_policy_id: ro('string'), dns_domain: ro('string'),
  },
};

export const SUBNET: ResourceDef = {
  name: 'subnet', plural: 'subnets', path: 'subnets', policy: 'subnet',
  attrs: {
    ...STANDARD,
    name: { type: 'string', post: true, put: true, convert: toName },
    network_id: { type: 'string', post: true, required: true, convert: toUuid },
    ip_version: { type: 'integer', post: true, required: true, convert: (v, a) => { const n = toInt(4, 6)(v, a); if (n !== 4 && n !== 6) throw toEnum(['4', '6'])(String(n), a); return n; } },
    cidr: { type: 'string', post: true, required: true, convert: toSubnetCidr },
    gateway_ip: { type: 'string', post: true, put: true, convert: nullable(toIp) },
    allocation_pools: { type: 'list', post: true, put: true, convert: toList(pool, 256), filter: false },
    dns_nameservers: { type: 'list', post: true, put: true, convert: toUniqueList(toIp, 16), filter: false },
    host_routes: { type: 'list', post: true, put: true, convert: toUniqueList(hostRoute, 64), filter: false },
    enable_dhcp: { type: 'boolean', post: true, put: true, convert: toBool },
    ipv6_ra_mode: { type: 'string', post: true, convert: nullable(toEnum(IPV6_MODES)) },
    ipv6_address_mode: { type: 'string', post: true, convert: nullable(toEnum(IPV6_MODES)) },
    subnetpool_id: { type: 'string', post: true, convert: (v, a) => { if (v !== null) throw toEnum(['null'])(v, a); return null; } },
    use_default_subnetpool: { type: 'boolean', post: true, filter: false, convert: (v, a) => { if (toBool(v, a)) throw toEnum(['false'])(v, a); return false; } },
    segment_id: { type: 'string', post: true, convert: (v, a) => { if (v !== null) throw toEnum(['null'])(v, a); return null; } },
    service_types: { type: 'list', post: true, filter: false, convert: toList(toString(255), 0) },
    dns_publish_fixed_ip: ro('boolean'),
  },
};

export const PORT: ResourceDef = {
  name: 'port', plural: 'ports', path: 'ports', policy: 'port',
  attrs: {
    ...STANDARD,
    name: { type: 'string', post: true, put: true, convert: toName },
    network_id: { type: 'string', post: true, required: true, convert: toUuid },
    admin_state_up: { type: 'boolean', post: true, put: true, convert: toBool },
    mac_address: { type: 'string', post: true, put: true, convert: toMac },
    fixed_ips: { type: 'list', post: true, put: true, convert: toList(fixedIp, 64), filter: true, sort: false },
    device_id: { type: 'string', post: true, put: true, convert: toString(255) },
    device_owner: { type: 'string', post: true, put: true, convert: toString(255) },
    security_groups: { type: 'list', post: true, put: true, convert: toUniqueList(toUuid, 64), filter: true, sort: false },
    port_security_enabled: { type: 'boolean', post: true, put: true, convert: toBool },
    allowed_address_pairs: { type: 'list', post: true, put: true, convert: toList(addressPair, 64), filter: false },
    'binding:host_id': { type: 'string', post: true, put: true, adminOnly: true, convert: toString(255) },
    'binding:vnic_type': { type: 'string', post: true, put: true, convert: toEnum(VNIC_TYPES) },
    'binding:profile': { type: 'object', post: true, put: true, adminOnly: true, convert: toStringMap, filter: false },
    'binding:vif_type': ro('string'), 'binding:vif_details': { type: 'object', filter: false },
    status: ro('string'), ip_allocation: ro('string'), dns_name: ro('string'), dns_assignment: { type: 'list', filter: false },
    extra_dhcp_opts: { type: 'list', filter: false }, propagate_uplink_status: ro('boolean'), qos_policy_id: ro('string'),
    qos_network_policy_id: ro('string'), data_plane_status: ro('string'),
  },
};

export const SECURITY_GROUP: ResourceDef = {
  name: 'security_group', plural: 'security_groups', path: 'security-groups', policy: 'security_group',
  attrs: {
    ...STANDARD,
    name: { type: 'string', post: true, put: true, convert: toName },
    stateful: { type: 'boolean', post: true, put: true, convert: toBool },
    security_group_rules: { type: 'list', filter: false },
    shared: ro('boolean'),
  },
};

export const PROTOCOL_NAMES: Readonly<Record<string, number>> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, icmpv6: 58, igmp: 2, ipip: 4, ipv6: 41,
  'ipv6-encap': 41, 'ipv6-frag': 44, 'ipv6-icmp': 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, 'ipv6-route': 43,
  ospf: 89, pgm: 113, rsvp: 46, sctp: 132, tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};
const protocol: Converter<string | null> = (v, attr) => {
  if (v === null || v === 'any' || v === '') return null;
  if (typeof v === 'number' || (typeof v === 'string' && /^[0-9]{1,3}$/.test(v))) return String(toInt(0, 255)(v, attr));
  if (typeof v === 'string' && v.toLowerCase() in PROTOCOL_NAMES) return v.toLowerCase();
  throw toEnum(['tcp', 'udp', 'icmp', 'icmpv6', '0-255', 'null'])(v, attr);
};

export const SECURITY_GROUP_RULE: ResourceDef = {
  name: 'security_group_rule', plural: 'security_group_rules', path: 'security-group-rules', policy: 'security_group_rule',
  attrs: {
    ...STANDARD,
    security_group_id: { type: 'string', post: true, required: true, convert: toUuid },
    direction: { type: 'string', post: true, required: true, convert: toEnum(['ingress', 'egress']) },
    ethertype: { type: 'string', post: true, convert: (v, a) => toEnum(['IPv4', 'IPv6'])(typeof v === 'string' && /^ipv[46]$/i.test(v) ? `IPv${v.slice(3)}` : v, a) },
    protocol: { type: 'string', post: true, convert: protocol },
    port_range_min: { type: 'integer', post: true, convert: nullable(toInt(0, 65535)) },
    port_range_max: { type: 'integer', post: true, convert: nullable(toInt(0, 65535)) },
    remote_ip_prefix: { type: 'string', post: true, convert: nullable(toPrefix) },
    remote_group_id: { type: 'string', post: true, convert: nullable(toUuid) },
    remote_address_group_id: { type: 'string', post: true, convert: (v, a) => { if (v !== null) throw toEnum(['null'])(v, a); return null; } },
    belongs_to_default_sg: ro('boolean'),
  },
};

export const ROUTER: ResourceDef = {
  name: 'router', plural: 'routers', path: 'routers', policy: 'router',
  attrs: {
    ...STANDARD,
    name: { type: 'string', post: true, put: true, convert: toName },
    admin_state_up: { type: 'boolean', post: true, put: true, convert: toBool },
    external_gateway_info: { type: 'object', post: true, put: true, convert: gatewayInfo, filter: false },
    routes: { type: 'list', put: true, convert: toUniqueList(hostRoute, 128), filter: false },
    distributed: { type: 'boolean', post: true, put: true, adminOnly: true, convert: toBool },
    ha: { type: 'boolean', post: true, put: true, adminOnly: true, convert: toBool },
    availability_zone_hints: { type: 'list', post: true, convert: toUniqueList(toString(255), 64), filter: false },
    flavor_id: { type: 'string', post: true, convert: (v, a) => { if (v !== null) throw toEnum(['null'])(v, a); return null; } },
    status: ro('string'), availability_zones: { type: 'list', filter: false },
  },
};

export const FLOATINGIP: ResourceDef = {
  name: 'floatingip', plural: 'floatingips', path: 'floatingips', policy: 'floatingip',
  attrs: {
    ...STANDARD,
    floating_network_id: { type: 'string', post: true, required: true, convert: toUuid },
    floating_ip_address: { type: 'string', post: true, adminOnly: true, convert: toIp },
    subnet_id: { type: 'string', post: true, convert: nullable(toUuid), filter: false },
    port_id: { type: 'string', post: true, put: true, convert: nullable(toUuid) },
    fixed_ip_address: { type: 'string', post: true, put: true, convert: nullable(toIp) },
    router_id: ro('string'), status: ro('string'), port_details: { type: 'object', filter: false },
    port_forwardings: { type: 'list', filter: false }, dns_name: ro('string'), dns_domain: ro('string'), qos_policy_id: ro('string'),
  },
};

export const AGENT: ResourceDef = {
  name: 'agent', plural: 'agents', path: 'agents', policy: 'agent',
  attrs: {
    id: ro('string'), agent_type: ro('string'), binary: ro('string'), host: ro('string'), topic: ro('string'),
    availability_zone: ro('string'), alive: ro('boolean'), created_at: ro('string'), started_at: ro('string'),
    heartbeat_timestamp: ro('string'), configurations: { type: 'object', filter: false }, resources_synced: ro('boolean'),
    admin_state_up: { type: 'boolean', put: true, convert: toBool },
    description: { type: 'string', put: true, convert: toString(255) },
  },
};

export const AVAILABILITY_ZONE: ResourceDef = {
  name: 'availability_zone', plural: 'availability_zones', path: 'availability_zones', policy: 'availability_zone',
  attrs: { name: ro('string'), resource: ro('string'), state: ro('string') },
};

export const RESOURCES: readonly ResourceDef[] = [NETWORK, SUBNET, PORT, SECURITY_GROUP, SECURITY_GROUP_RULE, ROUTER, FLOATINGIP, AGENT, AVAILABILITY_ZONE];

/** Resources that carry tags, by URL collection name. */
export const TAGGABLE: Readonly<Record<string, ResourceDef>> = {
  networks: NETWORK, subnets: SUBNET, ports: PORT, 'security-groups': SECURITY_GROUP, security_groups: SECURITY_GROUP,
  routers: ROUTER, floatingips: FLOATINGIP,
};

export function isFilterable(a: Attr): boolean {
  return a.filter ?? (a.type !== 'list' && a.type !== 'object');
}

export function isSortable(a: Attr): boolean {
  return a.sort ?? (a.type !== 'list' && a.type !== 'object');
}

export type { AddressPair, FixedIp, GatewayInfo };

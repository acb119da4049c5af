/**
 * The Neutron resources as the controller keeps them: exactly the stored
 * attributes, with Neutron's names. Attributes Neutron computes on the fly
 * (a network's `subnets`, a port's `status`, a security group's rules,
 * `tenant_id`) are added when a resource is rendered (api/render.ts), never
 * stored, so they cannot go stale.
 *
 * Every resource is decoded from one northbound row (nb/*.ts) and encoded
 * back into it: the northbound database is the only store, and a controller
 * restarted on it sees exactly what it had.
 */

export interface Standard {
  id: string;
  project_id: string;
  description: string;
  tags: string[];
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface Network extends Standard {
  name: string;
  admin_state_up: boolean;
  shared: boolean;
  'router:external': boolean;
  mtu: number;
  port_security_enabled: boolean;
  availability_zone_hints: string[];
  'provider:network_type': string;
  'provider:physical_network': string | null;
  'provider:segmentation_id': number | null;
  /** Id of the provider segment (names the localnet port `provnet-<segment>`). */
  segment_id: string;
}

export interface AllocationPool { start: string; end: string }
export interface HostRoute { destination: string; nexthop: string }

export interface Subnet extends Standard {
  name: string;
  network_id: string;
  ip_version: 4 | 6;
  cidr: string;
  gateway_ip: string | null;
  allocation_pools: AllocationPool[];
  dns_nameservers: string[];
  host_routes: HostRoute[];
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  /** The MAC the DHCP server answers from (DHCP_Options server_mac). */
  server_mac: string;
}

export interface FixedIp { subnet_id: string; ip_address: string }
export interface AddressPair { ip_address: string; mac_address: string }

export interface Port extends Standard {
  name: string;
  network_id: string;
  admin_state_up: boolean;
  mac_address: string;
  fixed_ips: FixedIp[];
  device_id: string;
  device_owner: string;
  security_groups: string[];
  port_security_enabled: boolean;
  allowed_address_pairs: AddressPair[];
  'binding:host_id': string;
  'binding:vnic_type': string;
  'binding:profile': Record<string, unknown>;
  /** From the northbound row's `up` column (written by the data plane), not by the API. */
  up: boolean;
}

export interface SecurityGroup extends Standard {
  name: string;
  stateful: boolean;
}

export interface SecurityGroupRule extends Standard {
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface GatewayInfo {
  network_id: string;
  enable_snat: boolean;
  external_fixed_ips: FixedIp[];
}

export interface Router extends Standard {
  name: string;
  admin_state_up: boolean;
  external_gateway_info: GatewayInfo | null;
  routes: HostRoute[];
  distributed: boolean;
  ha: boolean;
  availability_zone_hints: string[];
  /** The gateway port on the external network, when there is a gateway. */
  gw_port_id: string | null;
}

export interface FloatingIp extends Standard {
  floating_network_id: string;
  floating_ip_address: string;
  /** The port on the external network that holds the address (device_owner network:floatingip). */
  floating_port_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
}

export interface Agent {
  id: string;
  agent_type: string;
  binary: string;
  host: string;
  availability_zone: string;
  admin_state_up: boolean;
  description: string;
  topic: string;
  configurations: Record<string, unknown>;
  created_at: string;
  started_at: string;
  heartbeat_timestamp: string;
}

export const QUOTA_RESOURCES = ['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
export type Quota = Partial<Record<QuotaResource, number>>;

/** Device owners Neutron itself manages (router ports, floating IP ports). */
export const OWNER_ROUTER_INTERFACE = 'network:router_interface';
export const OWNER_ROUTER_GATEWAY = 'network:router_gateway';
export const OWNER_FLOATINGIP = 'network:floatingip';
export const OWNER_DHCP = 'network:dhcp';

export function isRouterOwner(owner: string): boolean {
  return owner === OWNER_ROUTER_INTERFACE || owner === OWNER_ROUTER_GATEWAY
    || owner === 'network:router_interface_distributed' || owner === 'network:ha_router_replicated_interface';
}

/** Ports owned by Neutron ("network:…") get no port security and no security groups. */
export function isNetworkOwned(owner: string): boolean {
  return owner.startsWith('network:');
}

/** The request's identity: which project it acts for, and whether it is admin. */
export interface Context {
  readonly projectId: string;
  readonly userId: string;
  readonly isAdmin: boolean;
  readonly roles: readonly string[];
}

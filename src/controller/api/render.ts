/**
 * Resources as the API returns them: the stored attributes plus what
 * Neutron computes (tenant_id, status, a network's subnets, a group's
 * rules, a port's binding result, …), with every list-valued attribute
 * present as a list, because the CLIs iterate over them.
 *
 * Port binding: a port with `binding:host_id` on a flat or VLAN network is
 * bound (`ovs`) only if that host's agent maps the network's physical
 * network to a bridge; otherwise `binding_failed`, as ML2 reports when no
 * mechanism driver can bind. A host with no registered agent is taken at
 * its word (the agent may register later).
 */
import type {
  Agent, FloatingIp, Network, Port, Router, SecurityGroup, SecurityGroupRule, Subnet,
} from '../model/types.js';
import { isNetworkOwned } from '../model/types.js';
import type { View } from '../state/view.js';
import { bridgeMappingsOf } from '../model/agents.js';
import { DEFAULT_SG } from '../model/secgroups.js';

type Dict = Record<string, unknown>;

function standard(o: { project_id: string }): Dict {
  return { tenant_id: o.project_id };
}

function zonesFor(v: View, hints: readonly string[]): string[] {
  const zones = new Set([...v.agents.values()].map((a) => a.availability_zone));
  return hints.length ? hints.filter((h) => zones.has(h)) : [...zones].sort();
}

export function renderNetwork(v: View, n: Network): Dict {
  const { segment_id: _seg, ...rest } = n;
  return {
    ...rest, ...standard(n),
    status: n.admin_state_up ? 'ACTIVE' : 'DOWN',
    subnets: v.subnets.lookup('network', n.id).map((s) => s.id).sort(),
    availability_zones: zonesFor(v, n.availability_zone_hints),
    ipv4_address_scope: null, ipv6_address_scope: null, is_default: false, l2_adjacency: true,
    qos_policy_id: null, dns_domain: '',
  };
}

export function renderSubnet(_v: View, s: Subnet): Dict {
  const { server_mac: _m, ...rest } = s;
  return { ...rest, ...standard(s), subnetpool_id: null, segment_id: null, service_types: [], dns_publish_fixed_ip: false };
}

const agentsByHost = new WeakMap<object, Map<string, Agent>>();

function agentOn(v: View, host: string): Agent | undefined {
  let m = agentsByHost.get(v.agents);
  if (!m) agentsByHost.set(v.agents, m = new Map([...v.agents.values()].map((a) => [a.host, a])));
  return m.get(host);
}

function binding(v: View, p: Port): { vifType: string; details: Dict } {
  const host = p['binding:host_id'];
  if (!host || isNetworkOwned(p.device_owner)) return { vifType: 'unbound', details: {} };
  const net = v.networks.get(p.network_id);
  const physnet = net?.['provider:physical_network'];
  const agent = agentOn(v, host);
  if (physnet && agent && !bridgeMappingsOf(agent).has(physnet)) return { vifType: 'binding_failed', details: {} };
  return { vifType: 'ovs', details: { port_filter: true, connectivity: 'l2', bridge_name: 'br-int', datapath_type: 'system' } };
}

/**
 * Rendered ports are cached by port object (a changed port is a new object)
 * and agent registry (binding results depend on it): listing 10,000 ports
 * then renders only what changed since the last listing. Callers must not
 * modify the returned object.
 */
const portCache = new WeakMap<Port, { agents: object; dict: Dict }>();

export function renderPort(v: View, p: Port): Dict {
  const c = portCache.get(p);
  if (c && c.agents === v.agents) return c.dict;
  const dict = renderPortNow(v, p);
  portCache.set(p, { agents: v.agents, dict });
  return dict;
}

function renderPortNow(v: View, p: Port): Dict {
  const { up, ...rest } = p;
  const b = binding(v, p);
  return {
    ...rest, ...standard(p),
    status: up ? 'ACTIVE' : p.device_owner === 'network:floatingip' ? 'N/A' : 'DOWN',
    'binding:vif_type': b.vifType,
    'binding:vif_details': b.details,
    ip_allocation: 'immediate', dns_name: '', dns_assignment: [], extra_dhcp_opts: [],
    propagate_uplink_status: false, qos_policy_id: null, qos_network_policy_id: null, data_plane_status: null,
  };
}

export function renderRule(v: View, r: SecurityGroupRule): Dict {
  const g = v.securityGroups.get(r.security_group_id);
  return { ...r, ...standard(r), remote_address_group_id: null, belongs_to_default_sg: g?.name === DEFAULT_SG };
}

export function renderSecurityGroup(v: View, g: SecurityGroup): Dict {
  const rules = v.rules.lookup('sg', g.id).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  return { ...g, ...standard(g), shared: false, security_group_rules: rules.map((r) => renderRule(v, r)) };
}

export function renderRouter(v: View, r: Router): Dict {
  const { gw_port_id: _g, ...rest } = r;
  return { ...rest, ...standard(r), status: 'ACTIVE', availability_zones: zonesFor(v, r.availability_zone_hints), flavor_id: null };
}

export function renderFloatingIp(v: View, f: FloatingIp): Dict {
  const { floating_port_id: _p, ...rest } = f;
  const port = f.port_id ? v.ports.get(f.port_id) : undefined;
  return {
    ...rest, ...standard(f),
    status: f.port_id ? 'ACTIVE' : 'DOWN',
    port_details: port ? {
      name: port.name, network_id: port.network_id, mac_address: port.mac_address, admin_state_up: port.admin_state_up,
      status: port.up ? 'ACTIVE' : 'DOWN', device_id: port.device_id, device_owner: port.device_owner,
    } : null,
    port_forwardings: [], dns_name: '', dns_domain: '', qos_policy_id: null, qos_network_policy_id: null,
  };
}

export function renderAgent(_v: View, a: Agent): Dict {
  return { ...a, alive: true, resources_synced: null };
}

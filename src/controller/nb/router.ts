/**
 * router <-> Logical_Router and the rows hanging off it, as ML2/OVN maps
 * them:
 *   - the router is the Logical_Router `neutron-<id>`;
 *   - each interface is a Logical_Router_Port `lrp-<port id>` with the
 *     port's MAC and "IP/prefix" networks, peered by the switch-side LSP of
 *     `type=router` (nb/port.ts);
 *   - the external gateway is one more LRP (`neutron:is_ext_gw`), a default
 *     static route via the external subnet's gateway, and, with SNAT
 *     enabled, one `snat` NAT row per IPv4 interface subnet;
 *   - extra routes are static routes; floating IPs are `dnat_and_snat` NAT
 *     rows (nb/floatingip.ts).
 * The ports, routes and NAT rows are derived, never read back: the
 * router's own attributes (routes and gateway info included) live in the
 * Logical_Router's external_ids, and `routerChildren` recomputes the rest
 * whenever anything they depend on changes.
 */
import type { FloatingIp, GatewayInfo, HostRoute, Port, Router, Subnet } from '../model/types.js';
import { ExtIds, NEUTRON_NAME_RE, bstr, decodeStandard, encodeStandard, isObjectList } from './extids.js';
import { omap, optBool, smap, str } from './txn.js';
import type { NbRow } from './store.js';
import { lrpName } from './port.js';
import { encodeFipNat } from './floatingip.js';

export function decodeRouter(row: NbRow): Router | null {
  const m = NEUTRON_NAME_RE.exec(str(row, 'name'));
  if (!m) return null;
  const x = new ExtIds(smap(row, 'external_ids'));
  if (!x.has('neutron:router_name')) return null;
  const gw = x.json<GatewayInfo | null>('neutron:external_gateway_info', null, (v) => typeof v === 'object');
  return {
    ...decodeStandard(x, m[1]!),
    name: x.str('neutron:router_name'),
    admin_state_up: optBool(row, 'enabled') ?? true,
    external_gateway_info: gw,
    routes: x.json<HostRoute[]>('neutron:routes', [], isObjectList),
    distributed: x.bool('neutron:distributed', false),
    ha: x.bool('neutron:ha', false),
    availability_zone_hints: x.list('neutron:availability_zone_hints'),
    gw_port_id: x.optStr('neutron:gw_port_id'),
  };
}

export function encodeRouter(r: Router): Record<string, unknown> {
  return {
    name: `neutron-${r.id}`,
    enabled: r.admin_state_up,
    options: omap({ always_learn_from_arp_request: 'false', dynamic_neigh_routers: 'true' }),
    external_ids: omap({
      'neutron:router_name': r.name,
      ...(r.gw_port_id ? { 'neutron:gw_port_id': r.gw_port_id } : {}),
      ...(r.external_gateway_info ? {
        'neutron:gw_network_id': r.external_gateway_info.network_id,
        'neutron:external_gateway_info': JSON.stringify(r.external_gateway_info),
      } : {}),
      ...(r.availability_zone_hints.length ? { 'neutron:availability_zone_hints': r.availability_zone_hints.join(',') } : {}),
      ...(r.routes.length ? { 'neutron:routes': JSON.stringify(r.routes) } : {}),
      'neutron:distributed': bstr(r.distributed),
      'neutron:ha': bstr(r.ha),
      ...encodeStandard(r),
    }),
  };
}

export interface RouterPort { readonly port: Port; readonly subnets: readonly Subnet[] }

export interface RouterParts {
  readonly interfaces: readonly RouterPort[];
  readonly gateway: RouterPort | null;
  readonly fips: readonly FloatingIp[];
  /** The MAC of a port (a floating IP's address holder). */
  macOf(portId: string): string;
}

export interface RouterChildren {
  /** Keyed by LRP name. */
  readonly lrps: ReadonlyMap<string, Record<string, unknown>>;
  /** Keyed by "prefix nexthop". */
  readonly routes: ReadonlyMap<string, Record<string, unknown>>;
  /** Keyed by "type external_ip logical_ip". */
  readonly nats: ReadonlyMap<string, Record<string, unknown>>;
}

const prefixLen = (s: Subnet): string => s.cidr.split('/')[1]!;

function lrp(r: Router, rp: RouterPort, gateway: boolean): Record<string, unknown> {
  const p = rp.port;
  const networks = p.fixed_ips.map((f) => {
    const s = rp.subnets.find((x) => x.id === f.subnet_id);
    return s ? `${f.ip_address}/${prefixLen(s)}` : null;
  }).filter((x): x is string => x !== null);
  const ra = rp.subnets.find((s) => s.ip_version === 6 && s.ipv6_ra_mode);
  return {
    name: lrpName(p.id),
    mac: p.mac_address,
    networks: ['set', networks],
    enabled: true,
    ...(ra && !gateway ? {
      ipv6_ra_configs: omap({ address_mode: ra.ipv6_ra_mode!.replace('-', '_'), send_periodic: 'true', mtu: '1500' }),
    } : {}),
    external_ids: omap({
      'neutron:network_name': `neutron-${p.network_id}`,
      'neutron:revision_number': String(p.revision_number),
      'neutron:router_name': r.id,
      'neutron:subnet_ids': rp.subnets.map((s) => s.id).join(' '),
      ...(gateway ? { 'neutron:is_ext_gw': 'True' } : {}),
    }),
  };
}

/** The LRPs, static routes and NAT rows `r` should have. */
export function routerChildren(r: Router, parts: RouterParts): RouterChildren {
  const lrps = new Map<string, Record<string, unknown>>();
  const routes = new Map<string, Record<string, unknown>>();
  const nats = new Map<string, Record<string, unknown>>();
  for (const i of parts.interfaces) lrps.set(lrpName(i.port.id), lrp(r, i, false));
  const gw = parts.gateway;
  if (gw) {
    lrps.set(lrpName(gw.port.id), lrp(r, gw, true));
    for (const s of gw.subnets) {
      if (!s.gateway_ip) continue;
      const prefix = s.ip_version === 6 ? '::/0' : '0.0.0.0/0';
      routes.set(`${prefix} ${s.gateway_ip}`, {
        ip_prefix: prefix, nexthop: s.gateway_ip,
        external_ids: omap({ 'neutron:is_ext_gw': 'true', 'neutron:subnet_id': s.id }),
      });
    }
    const v4 = gw.port.fixed_ips.find((f) => !f.ip_address.includes(':'));
    if (v4 && r.external_gateway_info?.enable_snat) {
      for (const i of parts.interfaces) {
        for (const s of i.subnets) {
          if (s.ip_version !== 4) continue;
          nats.set(`snat ${v4.ip_address} ${s.cidr}`, {
            type: 'snat', external_ip: v4.ip_address, logical_ip: s.cidr,
            external_ids: omap({ 'neutron:router_name': `neutron-${r.id}`, 'neutron:subnet_id': s.id }),
          });
        }
      }
    }
  }
  for (const rt of r.routes) {
    routes.set(`${rt.destination} ${rt.nexthop}`, { ip_prefix: rt.destination, nexthop: rt.nexthop, external_ids: omap({ 'neutron:router_id': r.id }) });
  }
  for (const f of parts.fips) {
    if (!f.fixed_ip_address) continue;
    nats.set(`dnat_and_snat ${f.floating_ip_address} ${f.fixed_ip_address}`, encodeFipNat(f, parts.macOf(f.floating_port_id)));
  }
  return { lrps, routes, nats };
}

/** The key `routerChildren` uses for an existing row, so rows can be matched and kept. */
export function childKey(table: string, row: NbRow): string {
  switch (table) {
    case 'Logical_Router_Port': return str(row, 'name');
    case 'Logical_Router_Static_Route': return `${str(row, 'ip_prefix')} ${str(row, 'nexthop')}`;
    default: return `${str(row, 'type')} ${str(row, 'external_ip')} ${str(row, 'logical_ip')}`;
  }
}


/**
 * network <-> Logical_Switch, as ML2/OVN maps it: the switch is named
 * `neutron-<network id>`, carries the Neutron name, MTU, revision and AZ
 * hints in `external_ids`, and a provider network (flat or VLAN) gets a
 * `localnet` port `provnet-<segment id>` with `options:network_name` set to
 * the physical network, which is how a chassis' bridge mapping
 * (`physnet:br-ex`) finds its bridge, and the VLAN in `tag` (as ML2/OVN
 * writes it) and `tag_request` (where OVN's documentation asks a CMS to put
 * a localnet port's VLAN; northd copies it to `tag`, so both agree).
 *
 * Attributes the real driver keeps in Neutron's SQL database (shared,
 * router:external, the provider triple, timestamps, …) are kept here under
 * further `neutron:` keys, so the switch row alone is the whole network.
 */
import type { Network } from '../model/types.js';
import { ExtIds, NEUTRON_NAME_RE, bstr, decodeStandard, encodeStandard } from './extids.js';
import { omap, smap, str } from './txn.js';
import type { NbRow } from './store.js';

export const lsName = (networkId: string): string => `neutron-${networkId}`;
export const provnetName = (segmentId: string): string => `provnet-${segmentId}`;

export function decodeNetwork(row: NbRow): Network | null {
  const m = NEUTRON_NAME_RE.exec(str(row, 'name'));
  if (!m) return null;
  const x = new ExtIds(smap(row, 'external_ids'));
  if (!x.has('neutron:network_name')) return null;
  return {
    ...decodeStandard(x, m[1]!),
    name: x.str('neutron:network_name'),
    admin_state_up: x.bool('neutron:admin_state_up', true),
    shared: x.bool('neutron:shared', false),
    'router:external': x.bool('neutron:router_external', false),
    mtu: x.int('neutron:mtu', 1500),
    port_security_enabled: x.bool('neutron:port_security_enabled', true),
    availability_zone_hints: x.list('neutron:availability_zone_hints'),
    'provider:network_type': x.str('neutron:provnet-network-type', 'local'),
    'provider:physical_network': x.optStr('neutron:provnet-physical-network'),
    'provider:segmentation_id': x.optInt('neutron:provnet-segmentation-id'),
    segment_id: x.str('neutron:segment_id'),
  };
}

function providerIds(n: Network): Record<string, string> {
  return {
    'neutron:provnet-network-type': n['provider:network_type'],
    ...(n['provider:physical_network'] !== null ? { 'neutron:provnet-physical-network': n['provider:physical_network'] } : {}),
    ...(n['provider:segmentation_id'] !== null ? { 'neutron:provnet-segmentation-id': String(n['provider:segmentation_id']) } : {}),
  };
}

/** The Logical_Switch columns the controller owns (never `ports`, which changes by deltas). */
export function encodeNetwork(n: Network): Record<string, unknown> {
  return {
    name: lsName(n.id),
    external_ids: omap({
      'neutron:network_name': n.name,
      'neutron:mtu': String(n.mtu),
      ...(n.availability_zone_hints.length ? { 'neutron:availability_zone_hints': n.availability_zone_hints.join(',') } : {}),
      ...providerIds(n),
      'neutron:segment_id': n.segment_id,
      'neutron:admin_state_up': bstr(n.admin_state_up),
      'neutron:shared': bstr(n.shared),
      'neutron:router_external': bstr(n['router:external']),
      'neutron:port_security_enabled': bstr(n.port_security_enabled),
      ...encodeStandard(n),
    }),
    other_config: omap({ mcast_snoop: 'false', mcast_flood_unregistered: 'false' }),
  };
}

/** The localnet port of a flat or VLAN network; null for overlay networks. */
export function encodeLocalnet(n: Network): Record<string, unknown> | null {
  const type = n['provider:network_type'];
  if ((type !== 'flat' && type !== 'vlan') || !n['provider:physical_network']) return null;
  return {
    name: provnetName(n.segment_id),
    type: 'localnet',
    addresses: ['set', ['unknown']],
    options: omap({ network_name: n['provider:physical_network'], mcast_flood: 'false', mcast_flood_reports: 'true' }),
    ...(type === 'vlan' && n['provider:segmentation_id'] !== null ? { tag: n['provider:segmentation_id'], tag_request: n['provider:segmentation_id'] } : {}),
    external_ids: omap(providerIds(n)),
  };
}

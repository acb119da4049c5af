/**
 * floatingip <-> northbound. A floating IP lives in two places, as in
 * Neutron: its address is held by a port on the external network
 * (device_owner network:floatingip, device_id = the floating IP's id), and
 * while it is associated, a `dnat_and_snat` NAT row on the router maps it
 * to the fixed IP (ML2/OVN's mapping, with `neutron:fip_id`,
 * `neutron:fip_port_id`, `neutron:fip_network_id`, `neutron:router_name`,
 * `neutron:fip_external_mac`, the internal port as `logical_port`).
 *
 * The NAT row exists only while associated, so the floating IP's own
 * attributes are kept on its address port's LSP under `neutron:fip_*`
 * keys: that row exists from create to delete and alone yields the whole
 * floating IP.
 */
import type { FloatingIp } from '../model/types.js';
import { ExtIds, decodeStandard, encodeStandard, UUID_NAME_RE } from './extids.js';
import { omap, smap, str } from './txn.js';
import type { NbRow } from './store.js';

export function decodeFip(row: NbRow): FloatingIp | null {
  const x = new ExtIds(smap(row, 'external_ids'));
  const id = x.str('neutron:fip_id');
  if (!UUID_NAME_RE.test(id)) return null;
  return {
    ...decodeStandard(x, id, 'neutron:fip_'),
    floating_network_id: x.str('neutron:fip_network_id'),
    floating_ip_address: x.str('neutron:fip_address'),
    floating_port_id: str(row, 'name'),
    port_id: x.optStr('neutron:fip_port_id'),
    fixed_ip_address: x.optStr('neutron:fip_fixed_ip'),
    router_id: x.optStr('neutron:fip_router_id'),
  };
}

export function encodeFipKeys(f: FloatingIp): Record<string, string> {
  return {
    'neutron:fip_id': f.id,
    'neutron:fip_network_id': f.floating_network_id,
    'neutron:fip_address': f.floating_ip_address,
    ...(f.port_id ? { 'neutron:fip_port_id': f.port_id } : {}),
    ...(f.fixed_ip_address ? { 'neutron:fip_fixed_ip': f.fixed_ip_address } : {}),
    ...(f.router_id ? { 'neutron:fip_router_id': f.router_id } : {}),
    ...encodeStandard(f, 'neutron:fip_'),
  };
}

/**
 * The router's NAT row for an associated floating IP, as ML2/OVN writes it:
 * stateless, naming the internal port (`logical_port`) and, in
 * `neutron:fip_external_mac`, the MAC of the port holding the address.
 */
export function encodeFipNat(f: FloatingIp, externalMac: string): Record<string, unknown> {
  return {
    type: 'dnat_and_snat',
    external_ip: f.floating_ip_address,
    logical_ip: f.fixed_ip_address ?? '',
    logical_port: f.port_id ? ['set', [f.port_id]] : ['set', []],
    options: omap({ stateless: 'true' }),
    external_ids: omap({
      'neutron:fip_id': f.id,
      'neutron:fip_port_id': f.port_id ?? '',
      'neutron:fip_network_id': f.floating_network_id,
      'neutron:fip_external_mac': externalMac,
      'neutron:revision_number': String(f.revision_number),
      'neutron:router_name': `neutron-${f.router_id}`,
    }),
  };
}

/**
 * The network's DHCP/metadata port, as ML2/OVN keeps one: a port owned by
 * Neutron (device_owner `network:distributed`, device_id
 * `ovnmeta-<network id>`, an OVN `localport`) holding one address on every
 * DHCP-enabled IPv4 subnet of the network. It is made with the network's
 * first such subnet, gains and loses addresses as subnets come, go or
 * change `enable_dhcp`, never counts as "in use" for deleting a subnet or
 * the network, and goes with the network.
 *
 * When a subnet's pool has no address left for it, the subnet is made
 * anyway and the port simply has no address there (ML2/OVN logs and goes
 * on); DHCP is answered by OVN itself and does not depend on it.
 */
import type { Draft } from '../state/draft.js';
import type { FixedIp, Network, Port, Subnet } from './types.js';
import { createServicePort } from './ports.js';
import { allocate } from '../ipam.js';

export const OWNER_DISTRIBUTED = 'network:distributed';

export const metadataDeviceId = (networkId: string): string => `ovnmeta-${networkId}`;

/** Ports Neutron makes and removes by itself with their network or subnet. */
export function isAutoPort(p: Port): boolean {
  return p.device_owner === OWNER_DISTRIBUTED || p.device_owner === 'network:dhcp';
}

export function metadataPort(d: Draft, networkId: string): Port | undefined {
  return d.ports.lookup('device', metadataDeviceId(networkId)).find((p) => p.device_owner === OWNER_DISTRIBUTED && p.network_id === networkId);
}

function wants(s: Subnet): boolean {
  return s.enable_dhcp && s.ip_version === 4;
}

/** Gives the metadata port an address on `s` (making the port if needed), if `s` serves DHCP. */
export function addMetadataAddress(d: Draft, net: Network, s: Subnet): void {
  if (!wants(s)) return;
  const used = (ip: string): boolean => d.ports.count('ip', `${net.id}|${ip}`) > 0;
  const port = metadataPort(d, net.id);
  if (port?.fixed_ips.some((f) => f.subnet_id === s.id)) return;
  const ip = allocate(s, used);
  if (!ip) return;
  const fixed: FixedIp = { subnet_id: s.id, ip_address: ip };
  if (!port) {
    createServicePort(d, { project_id: net.project_id, network: net, device_owner: OWNER_DISTRIBUTED, device_id: metadataDeviceId(net.id), fixed_ips: [fixed] });
    return;
  }
  d.ports.put({ ...port, fixed_ips: [...port.fixed_ips, fixed], revision_number: port.revision_number + 1, updated_at: d.now });
}

/** Takes the metadata port's address on subnet `subnetId` back. */
export function releaseMetadataAddress(d: Draft, networkId: string, subnetId: string): void {
  const port = metadataPort(d, networkId);
  if (!port || !port.fixed_ips.some((f) => f.subnet_id === subnetId)) return;
  d.ports.put({ ...port, fixed_ips: port.fixed_ips.filter((f) => f.subnet_id !== subnetId), revision_number: port.revision_number + 1, updated_at: d.now });
}

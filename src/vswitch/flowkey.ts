/**
 * The datapath's flow key, for the switch core: what `extractFlowKey`
 * returns is the packet layer's full key in the shape translation reads
 * (src/openflow/odp-key.ts), the same for a received packet (dpif), a
 * packet the switch originates (an ARP request for a VTEP) and an
 * OpenFlow packet-out, so OpenFlow rules on L3/L4 fields treat them alike.
 *
 * `vlan_tci` follows OpenFlow/OVS: 0 when the frame has no 802.1Q tag,
 * otherwise PCP<<13 | 0x1000 (the "tag present" bit) | VID, so VID 0 with the
 * bit set is a priority-tagged frame.
 *
 * Also here: the MAC helpers the switch core shares (MACs are 48-bit numbers).
 */
import { datapathFlowKey, type DatapathFlow, type DatapathTunnel } from '../openflow/odp-key.js';

/** Flow fields by name (L2, VLAN, L3/L4, tunnel metadata); see odp-key.ts for the IPv6 fields' real type. */
export type FlowKey = DatapathFlow;

export type TunnelMetadata = DatapathTunnel;

export const VLAN_CFI = 0x1000;
/** Extracts the key; null for a frame too short to hold an Ethernet header (a counted drop). */
export function extractFlowKey(frame: Buffer, inPort: number, tun?: TunnelMetadata): FlowKey | null {
  return datapathFlowKey(frame, inPort, tun);
}

export function formatMac(mac: number): string {
  const hex = mac.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

export function parseMacKey(s: string): number | null {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s)) return null;
  return s.split(':').reduce((acc, p) => acc * 256 + parseInt(p, 16), 0);
}

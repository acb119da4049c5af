/**
 * The datapath's flow key: the packet layer's full extraction
 * (src/packet/flow.ts — L2, VLANs, IPv4/IPv6 with TTL, TOS, label and
 * fragments, ARP, TCP/UDP/SCTP ports and TCP flags, ICMP/ICMPv6 type and
 * code, ND target and link-layer options), the same key `ofproto/trace`
 * builds from its flow text, so a rule behaves on live packets exactly as
 * the trace says it does.
 *
 * Two shapes of the same key:
 * - the packet layer's `FlowKey`, refilled in place for every frame
 *   (`extractFlowInto`), is what the megaflow cache looks up: it is never
 *   kept, and the cache copies the IPv6 arrays it matches on;
 * - the *datapath flow* (`DatapathFlow`) is what translation reads and
 *   may keep (in learned flows, set actions, packet-ins): a copy that
 *   shares nothing with the frame's key, with the 64-bit fields (tun_id,
 *   metadata) as numbers, as the switch core has always read them. IPv6
 *   addresses stay 16-byte arrays; the record is typed `number` per field
 *   for the core's sake, and the OpenFlow layers (classifier, flow-edit,
 *   odp-commit) read every field by its real type.
 */
import { extractFlow, type FlowKey, type PacketMetadata } from '../packet/flow.js';
import { IPV6_ZERO, type Ipv4, type Ipv6 } from '../packet/types.js';

export interface DatapathTunnel { readonly tun_id: number; readonly tun_src: number; readonly tun_dst: number }

/** The key translation reads: flow fields by name (see the module comment for the IPv6 fields' real type). */
export type DatapathFlow = Record<string, number>;

/** The extraction metadata of a frame received on datapath port `odp`, decapsulated or not. */
export function packetMetadata(odp: number, tun?: DatapathTunnel): PacketMetadata | number {
  if (!tun) return odp;
  return { in_port: odp, tunnel: { tun_id: BigInt(tun.tun_id), tun_src: tun.tun_src as Ipv4, tun_dst: tun.tun_dst as Ipv4 } };
}

function own(a: Ipv6): Ipv6 {
  return a === IPV6_ZERO ? a : a.slice() as Ipv6;
}

/** A datapath flow from an extracted key: a copy sharing nothing with `key`, 64-bit fields as numbers. */
export function datapathFlow(key: FlowKey): DatapathFlow {
  const out = { ...key } as unknown as Record<string, unknown>;
  out.tun_id = Number(key.tun_id);
  out.metadata = Number(key.metadata);
  out.ipv6_src = own(key.ipv6_src);
  out.ipv6_dst = own(key.ipv6_dst);
  out.nd_target = own(key.nd_target);
  out.tun_ipv6_src = own(key.tun_ipv6_src);
  out.tun_ipv6_dst = own(key.tun_ipv6_dst);
  return out as DatapathFlow;
}

/** The datapath flow of `frame` received on datapath port `odp`; null for a frame shorter than Ethernet. */
export function datapathFlowKey(frame: Uint8Array, odp: number, tun?: DatapathTunnel): DatapathFlow | null {
  const { key, status } = extractFlow(frame, packetMetadata(odp, tun));
  if (status === 'short_frame') return null;
  return datapathFlow(key);
}

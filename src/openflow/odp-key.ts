/**
 * The flow key the datapath should hand to translation once OpenFlow
 * rules can match and rewrite L3/L4 fields: the packet layer's full
 * extraction (src/packet/flow.ts — TTL, TOS, IPv6, ARP, ICMP, ND, TCP
 * flags, fragments), in the numeric shape the switch core reads today
 * (vswitch/flowkey.ts): the tunnel id and metadata as numbers, the
 * tunnel endpoints from the decapsulating port.
 *
 * `dpif.receive` can call `datapathFlowKey(frame, odp, tun)` where it now
 * calls `extractFlowKey`; every field the old key had keeps its name and
 * meaning, so NORMAL, tunnels and megaflows work unchanged, and rules on
 * nw_ttl, nw_tos, IPv6 or ARP fields (and dec_ttl) see real values.
 */
import { extractFlow } from '../packet/flow.js';
import type { Ipv4 } from '../packet/types.js';

export interface DatapathTunnel { readonly tun_id: number; readonly tun_src: number; readonly tun_dst: number }

/** The full key of `frame` received on datapath port `odp`; null for a frame shorter than Ethernet. */
export function datapathFlowKey(frame: Uint8Array, odp: number, tun?: DatapathTunnel): Record<string, number> | null {
  const { key, status } = extractFlow(frame, {
    in_port: odp,
    tunnel: tun ? { tun_id: BigInt(tun.tun_id), tun_src: tun.tun_src as Ipv4, tun_dst: tun.tun_dst as Ipv4 } : null,
  });
  if (status === 'short_frame') return null;
  const out = key as unknown as Record<string, unknown>;
  out.tun_id = Number(key.tun_id);
  out.metadata = Number(key.metadata);
  return out as Record<string, number>;
}

/**
 * Tunnel decapsulation: from an outer frame addressed to a tunnel endpoint
 * to the inner Ethernet frame plus the tunnel metadata (tun_id, tun_src,
 * tun_dst, tun_tos, tun_ttl) that the receiving tunnel port hands to flow
 * extraction.
 *
 * Recognised: VXLAN (UDP 4789, RFC 7348), Geneve (UDP 6081, RFC 8926) and
 * GRE carrying Ethernet (IP protocol 47, type 0x6558, RFC 2784/2890), over
 * IPv4 or IPv6, the outer frame optionally VLAN-tagged. A frame that is not
 * one of those returns null; one that is but is malformed raises the
 * codec's DecodeError, for the caller to count as a drop reason.
 * UDP ports are configurable per tunnel port (options:dst_port), hence
 * the `ports` option.
 */
import { reader } from './reader.js';
import { decodeEthernet } from './ethernet.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6, walkIpv6Extensions } from './ipv6.js';
import { decodeUdp, UDP_PORT } from './udp.js';
import { decodeVxlan } from './vxlan.js';
import { decodeGeneve, type GeneveOption } from './geneve.js';
import { decodeGre } from './gre.js';
import { Reader } from './reader.js';
import type { TunnelMetadata } from './flow.js';
import { type Ipv4, IPV6_ZERO, ETH_TYPE, IP_PROTO } from './types.js';

export type TunnelKind = 'vxlan' | 'geneve' | 'gre';

export interface Decapsulated {
  readonly kind: TunnelKind;
  readonly tunnel: TunnelMetadata;
  /** The inner Ethernet frame (a view into the outer one). */
  readonly inner: Uint8Array;
  /** Geneve options, for tun_metadata. */
  readonly options: readonly GeneveOption[];
}

export interface DecapOptions {
  readonly vxlanPort?: number;
  readonly genevePort?: number;
}

export function decapsulate(frame: Uint8Array, opts: DecapOptions = {}): Decapsulated | null {
  const eth = decodeEthernet(reader(frame));
  const base = frame.length - eth.payload.length;
  const r = new Reader(frame, base, frame.length);
  let proto: number, l4: Reader;
  let meta: { tun_src?: Ipv4; tun_dst?: Ipv4; tun_ipv6_src?: Uint8Array; tun_ipv6_dst?: Uint8Array; tun_tos: number; tun_ttl: number };
  if (eth.type === ETH_TYPE.IPV4) {
    const ip = decodeIpv4(r);
    if (ip.fragOffset !== 0 || ip.flags & 1) return null;
    proto = ip.protocol;
    const at = ip.payload.byteOffset - frame.byteOffset;
    l4 = new Reader(frame, at, at + ip.payload.length);
    meta = { tun_src: ip.src, tun_dst: ip.dst, tun_tos: ip.tos, tun_ttl: ip.ttl };
  } else if (eth.type === ETH_TYPE.IPV6) {
    const ip = decodeIpv6(r);
    const at = ip.payload.byteOffset - frame.byteOffset;
    const pr = new Reader(frame, at, at + ip.payload.length);
    const walk = walkIpv6Extensions(pr, ip.nextHeader);
    if (walk.fragment) return null;
    proto = walk.protocol;
    l4 = pr;
    meta = { tun_ipv6_src: ip.src, tun_ipv6_dst: ip.dst, tun_tos: ip.trafficClass, tun_ttl: ip.hopLimit };
  } else {
    return null;
  }
  const tun = (id: bigint): TunnelMetadata => ({
    tun_id: id, tun_src: meta.tun_src ?? 0 as Ipv4, tun_dst: meta.tun_dst ?? 0 as Ipv4,
    tun_ipv6_src: (meta.tun_ipv6_src ?? IPV6_ZERO) as TunnelMetadata['tun_ipv6_src'],
    tun_ipv6_dst: (meta.tun_ipv6_dst ?? IPV6_ZERO) as TunnelMetadata['tun_ipv6_dst'],
    tun_tos: meta.tun_tos, tun_ttl: meta.tun_ttl,
  });
  if (proto === IP_PROTO.UDP) {
    const udp = decodeUdp(l4);
    const at = udp.payload.byteOffset - frame.byteOffset;
    const ur = new Reader(frame, at, at + udp.payload.length);
    if (udp.dstPort === (opts.vxlanPort ?? UDP_PORT.VXLAN)) {
      const vx = decodeVxlan(ur);
      return { kind: 'vxlan', tunnel: tun(BigInt(vx.vni)), inner: vx.payload, options: [] };
    }
    if (udp.dstPort === (opts.genevePort ?? UDP_PORT.GENEVE)) {
      const gn = decodeGeneve(ur);
      if (gn.protocol !== ETH_TYPE.TEB) return null;
      return { kind: 'geneve', tunnel: tun(BigInt(gn.vni)), inner: gn.payload, options: gn.options };
    }
    return null;
  }
  if (proto === IP_PROTO.GRE) {
    const gre = decodeGre(l4);
    if (gre.protocol !== ETH_TYPE.TEB) return null;
    return { kind: 'gre', tunnel: tun(BigInt(gre.key ?? 0)), inner: gre.payload, options: [] };
  }
  return null;
}

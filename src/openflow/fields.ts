/**
 * The fields OpenFlow can match and set (OVS's meta-flow), each with its
 * NXM and OXM wire identity and where it lives in a flow key.
 *
 * A field is a run of `nBits` bits at bit `shift` of one FlowKey field:
 * `ip_dscp` is bits 2..7 of nw_tos, `vlan_vid` bits 0..12 of vlan_tci
 * (its 0x1000 bit is OpenFlow's OFPVID_PRESENT, which is exactly the
 * tag-present bit of the key), `vlan_pcp` bits 13..15. So a match or a
 * set_field on any field is a masked write into the key's bits, and
 * prerequisites, widths and writability are data, not code.
 *
 * Values travel as bigints here (up to 128 bits), whatever the key's own
 * representation: `toBig`/`fromBig` convert at the edge.
 *
 * Wire identities: an NXM/OXM header is class(16) field(7) hasmask(1)
 * length(8); experimenter OXMs (class 0xffff) carry a 32-bit experimenter
 * id after it. `nxm` is the identity OVS uses in the NXM flow format and
 * in NX actions (and the name OVS prints for subfields); `oxm` the one it
 * uses in OXM from version `oxmSince` on.
 */
import { FIELD_WIDTH } from '../packet/match.js';
import type { FlowField } from '../packet/flow.js';
import { OFP12, OFP13, ONF_VENDOR_ID } from './constants.js';

export type Prereq =
  | 'none' | 'arp' | 'ipv4' | 'ipv6' | 'ip' | 'tcp' | 'udp' | 'sctp' | 'icmpv4' | 'icmpv6'
  | 'nd' | 'nd_solicit' | 'nd_advert' | 'vlan';

export interface WireId {
  readonly name: string;
  readonly cls: number;
  readonly field: number;
  readonly experimenter?: number;
}

export interface MfField {
  /** OVS's field name, as in set_field and ovs-fields(7). */
  readonly name: string;
  readonly nxm: WireId | null;
  readonly oxm: WireId | null;
  readonly oxmSince: number;
  /** Bytes of the value on the wire. */
  readonly bytes: number;
  /** Meaningful bits (a subfield [a..b] must lie within them). */
  readonly nBits: number;
  readonly maskable: boolean;
  readonly writable: boolean;
  readonly prereq: Prereq;
  readonly flow: FlowField;
  readonly shift: number;
  /** Bits of the field that a match or a write may touch (nw_tos: the DSCP bits only). */
  readonly writeMask: bigint;
}

const NXM0 = 0x0000, NXM1 = 0x0001, OXM = 0x8000, EXP = 0xffff;

const nx = (name: string, field: number): WireId => ({ name, cls: name.startsWith('NXM_OF') ? NXM0 : NXM1, field });
const ox = (name: string, field: number): WireId => ({ name, cls: OXM, field });

interface Spec {
  nxm?: WireId; oxm?: WireId; since?: number; bytes: number; nBits?: number; mask?: boolean; ro?: boolean;
  pre?: Prereq; flow: FlowField; shift?: number; writeMask?: number;
}

const SPECS: Record<string, Spec> = {
  tun_id: { nxm: nx('NXM_NX_TUN_ID', 16), oxm: ox('OXM_OF_TUNNEL_ID', 38), since: OFP13, bytes: 8, mask: true, flow: 'tun_id' },
  tun_src: { nxm: nx('NXM_NX_TUN_IPV4_SRC', 31), bytes: 4, mask: true, flow: 'tun_src' },
  tun_dst: { nxm: nx('NXM_NX_TUN_IPV4_DST', 32), bytes: 4, mask: true, flow: 'tun_dst' },
  tun_ipv6_src: { nxm: nx('NXM_NX_TUN_IPV6_SRC', 109), bytes: 16, mask: true, flow: 'tun_ipv6_src' },
  tun_ipv6_dst: { nxm: nx('NXM_NX_TUN_IPV6_DST', 110), bytes: 16, mask: true, flow: 'tun_ipv6_dst' },
  metadata: { oxm: ox('OXM_OF_METADATA', 2), since: OFP12, bytes: 8, mask: true, flow: 'metadata' },
  in_port: { nxm: nx('NXM_OF_IN_PORT', 0), bytes: 2, flow: 'in_port' },
  in_port_oxm: { oxm: ox('OXM_OF_IN_PORT', 0), since: OFP12, bytes: 4, flow: 'in_port' },
  pkt_mark: { nxm: nx('NXM_NX_PKT_MARK', 33), bytes: 4, mask: true, flow: 'pkt_mark' },
  eth_src: { nxm: nx('NXM_OF_ETH_SRC', 2), oxm: ox('OXM_OF_ETH_SRC', 4), since: OFP12, bytes: 6, mask: true, flow: 'dl_src' },
  eth_dst: { nxm: nx('NXM_OF_ETH_DST', 1), oxm: ox('OXM_OF_ETH_DST', 3), since: OFP12, bytes: 6, mask: true, flow: 'dl_dst' },
  eth_type: { nxm: nx('NXM_OF_ETH_TYPE', 3), oxm: ox('OXM_OF_ETH_TYPE', 5), since: OFP12, bytes: 2, ro: true, flow: 'dl_type' },
  vlan_tci: { nxm: nx('NXM_OF_VLAN_TCI', 4), bytes: 2, mask: true, flow: 'vlan_tci' },
  vlan_vid: { oxm: ox('OXM_OF_VLAN_VID', 6), since: OFP12, bytes: 2, nBits: 12, mask: true, flow: 'vlan_tci' },
  vlan_pcp: { oxm: ox('OXM_OF_VLAN_PCP', 7), since: OFP12, bytes: 1, nBits: 3, pre: 'vlan', flow: 'vlan_tci', shift: 13 },
  ip_src: { nxm: nx('NXM_OF_IP_SRC', 7), oxm: ox('OXM_OF_IPV4_SRC', 11), since: OFP12, bytes: 4, mask: true, pre: 'ipv4', flow: 'nw_src' },
  ip_dst: { nxm: nx('NXM_OF_IP_DST', 8), oxm: ox('OXM_OF_IPV4_DST', 12), since: OFP12, bytes: 4, mask: true, pre: 'ipv4', flow: 'nw_dst' },
  ipv6_src: { nxm: nx('NXM_NX_IPV6_SRC', 19), oxm: ox('OXM_OF_IPV6_SRC', 26), since: OFP12, bytes: 16, mask: true, pre: 'ipv6', flow: 'ipv6_src' },
  ipv6_dst: { nxm: nx('NXM_NX_IPV6_DST', 20), oxm: ox('OXM_OF_IPV6_DST', 27), since: OFP12, bytes: 16, mask: true, pre: 'ipv6', flow: 'ipv6_dst' },
  ipv6_label: { nxm: nx('NXM_NX_IPV6_LABEL', 27), oxm: ox('OXM_OF_IPV6_FLABEL', 28), since: OFP12, bytes: 4, nBits: 20, mask: true, pre: 'ipv6', flow: 'ipv6_label' },
  nw_proto: { nxm: nx('NXM_OF_IP_PROTO', 6), oxm: ox('OXM_OF_IP_PROTO', 10), since: OFP12, bytes: 1, ro: true, pre: 'ip', flow: 'nw_proto' },
  nw_tos: { nxm: nx('NXM_OF_IP_TOS', 5), bytes: 1, pre: 'ip', flow: 'nw_tos', writeMask: 0xfc },
  ip_dscp: { oxm: ox('OXM_OF_IP_DSCP', 8), since: OFP12, bytes: 1, nBits: 6, pre: 'ip', flow: 'nw_tos', shift: 2 },
  nw_ecn: { nxm: nx('NXM_NX_IP_ECN', 28), oxm: ox('OXM_OF_IP_ECN', 9), since: OFP12, bytes: 1, nBits: 2, pre: 'ip', flow: 'nw_tos' },
  nw_ttl: { nxm: nx('NXM_NX_IP_TTL', 29), bytes: 1, pre: 'ip', flow: 'nw_ttl' },
  ip_frag: { nxm: nx('NXM_NX_IP_FRAG', 26), bytes: 1, nBits: 2, mask: true, ro: true, pre: 'ip', flow: 'nw_frag' },
  arp_op: { nxm: nx('NXM_OF_ARP_OP', 15), oxm: ox('OXM_OF_ARP_OP', 21), since: OFP12, bytes: 2, pre: 'arp', flow: 'nw_proto' },
  arp_spa: { nxm: nx('NXM_OF_ARP_SPA', 16), oxm: ox('OXM_OF_ARP_SPA', 22), since: OFP12, bytes: 4, mask: true, pre: 'arp', flow: 'nw_src' },
  arp_tpa: { nxm: nx('NXM_OF_ARP_TPA', 17), oxm: ox('OXM_OF_ARP_TPA', 23), since: OFP12, bytes: 4, mask: true, pre: 'arp', flow: 'nw_dst' },
  arp_sha: { nxm: nx('NXM_NX_ARP_SHA', 17), oxm: ox('OXM_OF_ARP_SHA', 24), since: OFP12, bytes: 6, mask: true, pre: 'arp', flow: 'arp_sha' },
  arp_tha: { nxm: nx('NXM_NX_ARP_THA', 18), oxm: ox('OXM_OF_ARP_THA', 25), since: OFP12, bytes: 6, mask: true, pre: 'arp', flow: 'arp_tha' },
  tcp_src: { nxm: nx('NXM_OF_TCP_SRC', 9), oxm: ox('OXM_OF_TCP_SRC', 13), since: OFP12, bytes: 2, mask: true, pre: 'tcp', flow: 'tp_src' },
  tcp_dst: { nxm: nx('NXM_OF_TCP_DST', 10), oxm: ox('OXM_OF_TCP_DST', 14), since: OFP12, bytes: 2, mask: true, pre: 'tcp', flow: 'tp_dst' },
  tcp_flags: { nxm: nx('NXM_NX_TCP_FLAGS', 34), oxm: { name: 'ONFOXM_ET_TCP_FLAGS', cls: EXP, field: 42, experimenter: ONF_VENDOR_ID }, since: OFP13, bytes: 2, nBits: 12, mask: true, ro: true, pre: 'tcp', flow: 'tcp_flags' },
  udp_src: { nxm: nx('NXM_OF_UDP_SRC', 11), oxm: ox('OXM_OF_UDP_SRC', 15), since: OFP12, bytes: 2, mask: true, pre: 'udp', flow: 'tp_src' },
  udp_dst: { nxm: nx('NXM_OF_UDP_DST', 12), oxm: ox('OXM_OF_UDP_DST', 16), since: OFP12, bytes: 2, mask: true, pre: 'udp', flow: 'tp_dst' },
  sctp_src: { oxm: ox('OXM_OF_SCTP_SRC', 17), since: OFP12, bytes: 2, mask: true, pre: 'sctp', flow: 'tp_src' },
  sctp_dst: { oxm: ox('OXM_OF_SCTP_DST', 18), since: OFP12, bytes: 2, mask: true, pre: 'sctp', flow: 'tp_dst' },
  icmp_type: { nxm: nx('NXM_OF_ICMP_TYPE', 13), oxm: ox('OXM_OF_ICMPV4_TYPE', 19), since: OFP12, bytes: 1, pre: 'icmpv4', flow: 'tp_src' },
  icmp_code: { nxm: nx('NXM_OF_ICMP_CODE', 14), oxm: ox('OXM_OF_ICMPV4_CODE', 20), since: OFP12, bytes: 1, pre: 'icmpv4', flow: 'tp_dst' },
  icmpv6_type: { nxm: nx('NXM_NX_ICMPV6_TYPE', 21), oxm: ox('OXM_OF_ICMPV6_TYPE', 29), since: OFP12, bytes: 1, pre: 'icmpv6', flow: 'tp_src' },
  icmpv6_code: { nxm: nx('NXM_NX_ICMPV6_CODE', 22), oxm: ox('OXM_OF_ICMPV6_CODE', 30), since: OFP12, bytes: 1, pre: 'icmpv6', flow: 'tp_dst' },
  nd_target: { nxm: nx('NXM_NX_ND_TARGET', 23), oxm: ox('OXM_OF_IPV6_ND_TARGET', 31), since: OFP12, bytes: 16, mask: true, pre: 'nd', flow: 'nd_target' },
  nd_sll: { nxm: nx('NXM_NX_ND_SLL', 24), oxm: ox('OXM_OF_IPV6_ND_SLL', 32), since: OFP12, bytes: 6, mask: true, pre: 'nd_solicit', flow: 'arp_sha' },
  nd_tll: { nxm: nx('NXM_NX_ND_TLL', 25), oxm: ox('OXM_OF_IPV6_ND_TLL', 33), since: OFP12, bytes: 6, mask: true, pre: 'nd_advert', flow: 'arp_tha' },
};
for (let i = 0; i < 16; i++) SPECS[`reg${i}`] = { nxm: nx(`NXM_NX_REG${i}`, i), bytes: 4, mask: true, flow: `reg${i}` as FlowField };

/** Aliases accepted by set_field and name lookups. */
const ALIASES: Record<string, string> = {
  tunnel_id: 'tun_id', dl_src: 'eth_src', dl_dst: 'eth_dst', dl_type: 'eth_type', nw_src: 'ip_src', nw_dst: 'ip_dst',
  ip_proto: 'nw_proto', ip_ecn: 'nw_ecn', ip_ttl: 'nw_ttl', nw_frag: 'ip_frag', tp_src: 'tcp_src', tp_dst: 'tcp_dst',
  icmpv4_type: 'icmp_type', icmpv4_code: 'icmp_code',
};

export const FIELDS: ReadonlyMap<string, MfField> = new Map(Object.entries(SPECS).map(([name, s]) => [name, {
  name, nxm: s.nxm ?? null, oxm: s.oxm ?? null, oxmSince: s.since ?? 99, bytes: s.bytes,
  nBits: s.nBits ?? Math.min(s.bytes * 8, FIELD_WIDTH[s.flow]), maskable: s.mask ?? false, writable: !s.ro,
  prereq: s.pre ?? 'none', flow: s.flow, shift: s.shift ?? 0,
  writeMask: s.writeMask !== undefined ? BigInt(s.writeMask) : onesBig(s.nBits ?? Math.min(s.bytes * 8, FIELD_WIDTH[s.flow])),
}]));

export function fieldByName(name: string): MfField | undefined {
  return FIELDS.get(name) ?? FIELDS.get(ALIASES[name] ?? '') ?? NXM_BY_NAME.get(name);
}

const NXM_BY_NAME = new Map<string, MfField>();
const BY_HEADER = new Map<string, MfField>();
const wireKey = (cls: number, field: number, exp = 0) => `${cls}/${field}/${exp}`;
for (const f of FIELDS.values()) {
  for (const id of [f.nxm, f.oxm]) {
    if (!id) continue;
    NXM_BY_NAME.set(id.name, f);
    BY_HEADER.set(wireKey(id.cls, id.field, id.experimenter), f);
  }
}

export function fieldByWire(cls: number, field: number, experimenter = 0): MfField | undefined {
  return BY_HEADER.get(wireKey(cls, field, experimenter));
}

/** The identity OVS writes for `f`: OXM from its first OXM version, else NXM (NXM format is version 0). */
export function wireIdFor(f: MfField, oxmVersion: number): WireId {
  if (oxmVersion > 0 && f.oxm && oxmVersion >= f.oxmSince) return f.oxm;
  return f.nxm ?? f.oxm!;
}

/** The name OVS prints for a subfield of `f` (its NXM-format identity). */
export function subfieldName(f: MfField): string {
  return wireIdFor(f, 0).name;
}

// ---- values ----

export type KeyValue = number | bigint | Uint8Array;

export function toBig(v: KeyValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  let b = 0n;
  for (const x of v) b = (b << 8n) | BigInt(x);
  return b;
}

/** A bigint in the representation of flow field `flow` (128-bit fields become 16 bytes). */
export function fromBig(flow: FlowField, v: bigint): KeyValue {
  const w = FIELD_WIDTH[flow];
  if (w === 128) {
    const out = new Uint8Array(16);
    for (let i = 15; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
    return out;
  }
  if (w === 64) return v;
  return Number(v);
}

export function onesBig(n: number): bigint {
  return (1n << BigInt(n)) - 1n;
}

/** The field's bits of a key value (already shifted down). */
export function fieldFromKey(f: MfField, keyValue: KeyValue): bigint {
  return (toBig(keyValue) >> BigInt(f.shift)) & onesBig(f.nBits);
}

/** Writes `value` under `mask` (field-relative) into a key value; returns the new key value. */
export function writeKeyBits(f: MfField, keyValue: KeyValue, value: bigint, mask: bigint): KeyValue {
  const sh = BigInt(f.shift);
  const m = (mask & f.writeMask) << sh;
  const nv = (toBig(keyValue) & ~m) | ((value << sh) & m);
  return fromBig(f.flow, nv);
}

/** Bytes of a value, big-endian, `n` long. */
export function bigToBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

export function bytesToBig(b: Uint8Array): bigint {
  return toBig(b);
}

// ---- prerequisites ----

/** The dl_type/nw_proto/tp_src facts a match (or a flow) establishes, for prerequisite checks. */
export interface PrereqFacts {
  readonly dlType: number | null;
  readonly nwProto: number | null;
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
  readonly vlanPresent: boolean;
}

export function prereqMet(p: Prereq, k: PrereqFacts): boolean {
  const ip4 = k.dlType === 0x0800, ip6 = k.dlType === 0x86dd;
  switch (p) {
    case 'none': return true;
    case 'arp': return k.dlType === 0x0806 || k.dlType === 0x8035;
    case 'ipv4': return ip4;
    case 'ipv6': return ip6;
    case 'ip': return ip4 || ip6;
    case 'tcp': return (ip4 || ip6) && k.nwProto === 6;
    case 'udp': return (ip4 || ip6) && k.nwProto === 17;
    case 'sctp': return (ip4 || ip6) && k.nwProto === 132;
    case 'icmpv4': return ip4 && k.nwProto === 1;
    case 'icmpv6': return ip6 && k.nwProto === 58;
    case 'nd': return ip6 && k.nwProto === 58 && (k.icmpType === 135 || k.icmpType === 136) && k.icmpCode === 0;
    case 'nd_solicit': return ip6 && k.nwProto === 58 && k.icmpType === 135 && k.icmpCode === 0;
    case 'nd_advert': return ip6 && k.nwProto === 58 && k.icmpType === 136 && k.icmpCode === 0;
    case 'vlan': return k.vlanPresent;
  }
}

const PLAIN: Partial<Record<FlowField, string>> = {
  dl_src: 'eth_src', dl_dst: 'eth_dst', dl_type: 'eth_type', nw_ttl: 'nw_ttl', nw_frag: 'ip_frag',
};

/** The field whose wire identity OVS uses for flow field `flow` given the protocol facts (nw_src is ip_src or arp_spa...). */
export function matchFieldFor(flow: FlowField, k: PrereqFacts): MfField | undefined {
  const arp = k.dlType === 0x0806 || k.dlType === 0x8035;
  const get = (n: string) => FIELDS.get(n);
  switch (flow) {
    case 'nw_src': return get(arp ? 'arp_spa' : 'ip_src');
    case 'nw_dst': return get(arp ? 'arp_tpa' : 'ip_dst');
    case 'nw_proto': return get(arp ? 'arp_op' : 'nw_proto');
    case 'arp_sha': return get(k.dlType === 0x86dd ? 'nd_sll' : 'arp_sha');
    case 'arp_tha': return get(k.dlType === 0x86dd ? 'nd_tll' : 'arp_tha');
    case 'tp_src': case 'tp_dst': {
      const src = flow === 'tp_src';
      const p = k.nwProto;
      if (p === 1) return get(src ? 'icmp_type' : 'icmp_code');
      if (p === 58) return get(src ? 'icmpv6_type' : 'icmpv6_code');
      if (p === 17) return get(src ? 'udp_src' : 'udp_dst');
      if (p === 132) return get(src ? 'sctp_src' : 'sctp_dst');
      return get(src ? 'tcp_src' : 'tcp_dst');
    }
    default:
      return get(PLAIN[flow] ?? flow);
  }
}

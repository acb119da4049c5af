/**
 * Flow keys: everything the switch classifies a packet by, extracted in one
 * pass over the frame (after Open vSwitch's miniflow_extract).
 *
 * Field names and meanings are those of OVS's `struct flow`, so that the
 * match syntax (flow-syntax.ts), the classifier and `ofproto/trace` all
 * speak of the same thing:
 *
 * - `vlan_tci` is the outer tag's TCI with bit 0x1000 (the old CFI bit)
 *   repurposed as "a tag is present": 0 means untagged, 0x1000 a
 *   priority tag (VID 0) with PCP 0. `vlan_tci1` is the second tag, for
 *   802.1ad (QinQ); `vlan_tpid`/`vlan_tpid1` say which TPID each had.
 *   Beyond two tags, the next TPID becomes `dl_type`, as in OVS.
 * - ARP and RARP put the opcode in `nw_proto` (when it fits in 8 bits),
 *   SPA/TPA in `nw_src`/`nw_dst`, SHA/THA in `arp_sha`/`arp_tha`.
 * - ICMP, IGMP and ICMPv6 put type and code in `tp_src`/`tp_dst`; Neighbor
 *   Discovery puts the target in `nd_target` and the source/target
 *   link-layer options in `arp_sha`/`arp_tha` (nd_sll, nd_tll).
 * - `nw_tos` is the whole TOS/Traffic Class byte (DSCP and ECN);
 *   `nw_frag` is 0, or 1 (FRAG_ANY) for a fragment, plus 2 (FRAG_LATER) for
 *   a fragment other than the first; later fragments have no L4 fields.
 * - 802.3 frames without SNAP get `dl_type` 0x05ff (FLOW_DL_TYPE_NONE).
 *
 * Representation, chosen for the per-packet path: every field is a plain
 * number except the 64-bit ones (`tun_id`, `metadata`: bigint, exact) and
 * the IPv6 addresses (16-byte Uint8Arrays, copied out of the frame, never
 * views of it; the shared IPV6_ZERO stands for "none" and is never written
 * to). Keys always have every field in the same order, so they stay
 * monomorphic. `extractFlowInto` refills a key in place so a batch can
 * reuse one, and reuses that key's own IPv6 arrays (allocating a typed
 * array costs more than the rest of an extraction): whoever keeps a key
 * past the next refill keeps `copyFlowKey(key)`, which copies them.
 *
 * Tunnel fields, registers, metadata and pkt_mark are not in the frame:
 * they come from the caller (`PacketMetadata`, e.g. a tunnel port's
 * decapsulation) or are filled in later by the pipeline.
 *
 * Malformed and truncated frames never throw. Extraction fills what is
 * whole and stops; the returned status names the first layer that was
 * not, so the datapath can count it and `ofproto/trace` can say it. A
 * frame shorter than an Ethernet header is the only status that leaves
 * the packet fields unset (`short_frame`: a counted drop).
 */
import { IPV6_ZERO, type EthType, type Ipv4, type Ipv6, type Mac } from './types.js';

export interface FlowKey {
  // Metadata, given by the caller or the pipeline.
  in_port: number;
  tun_id: bigint;
  tun_src: Ipv4;
  tun_dst: Ipv4;
  tun_ipv6_src: Ipv6;
  tun_ipv6_dst: Ipv6;
  tun_tos: number;
  tun_ttl: number;
  metadata: bigint;
  pkt_mark: number;
  reg0: number; reg1: number; reg2: number; reg3: number;
  reg4: number; reg5: number; reg6: number; reg7: number;
  reg8: number; reg9: number; reg10: number; reg11: number;
  reg12: number; reg13: number; reg14: number; reg15: number;
  // L2.
  dl_dst: Mac;
  dl_src: Mac;
  dl_type: EthType;
  vlan_tci: number;
  vlan_tpid: number;
  vlan_tci1: number;
  vlan_tpid1: number;
  // L3.
  nw_src: Ipv4;
  nw_dst: Ipv4;
  ipv6_src: Ipv6;
  ipv6_dst: Ipv6;
  ipv6_label: number;
  nw_proto: number;
  nw_tos: number;
  nw_ttl: number;
  nw_frag: number;
  arp_sha: Mac;
  arp_tha: Mac;
  nd_target: Ipv6;
  // L4.
  tp_src: number;
  tp_dst: number;
  tcp_flags: number;
}

export type FlowField = keyof FlowKey;

/** Tunnel metadata a tunnel port attaches to a decapsulated packet. */
export interface TunnelMetadata {
  readonly tun_id: bigint;
  readonly tun_src?: Ipv4;
  readonly tun_dst?: Ipv4;
  readonly tun_ipv6_src?: Ipv6;
  readonly tun_ipv6_dst?: Ipv6;
  readonly tun_tos?: number;
  readonly tun_ttl?: number;
}

export interface PacketMetadata {
  readonly in_port: number;
  readonly tunnel?: TunnelMetadata | null;
  readonly pkt_mark?: number;
}

/** Where extraction stopped; 'ok' when every layer present was whole. */
export type ExtractStatus =
  | 'ok'
  | 'short_frame'
  | 'truncated_vlan'
  | 'truncated_llc'
  | 'truncated_arp'
  | 'bad_ipv4'
  | 'bad_ipv6'
  | 'bad_ipv6_ext'
  | 'truncated_l4'
  | 'bad_nd';

export interface FlowExtraction {
  readonly key: FlowKey;
  readonly status: ExtractStatus;
}

export const VLAN_CFI = 0x1000;
export const VLAN_VID_MASK = 0x0fff;
export const VLAN_PCP_MASK = 0xe000;
export const FLOW_NW_FRAG_ANY = 1;
export const FLOW_NW_FRAG_LATER = 2;
export const FLOW_MAX_VLAN_HEADERS = 2;

/** A key with every field zero. */
export function newFlowKey(): FlowKey {
  return {
    in_port: 0, tun_id: 0n, tun_src: 0 as Ipv4, tun_dst: 0 as Ipv4, tun_ipv6_src: IPV6_ZERO, tun_ipv6_dst: IPV6_ZERO,
    tun_tos: 0, tun_ttl: 0, metadata: 0n, pkt_mark: 0,
    reg0: 0, reg1: 0, reg2: 0, reg3: 0, reg4: 0, reg5: 0, reg6: 0, reg7: 0,
    reg8: 0, reg9: 0, reg10: 0, reg11: 0, reg12: 0, reg13: 0, reg14: 0, reg15: 0,
    dl_dst: 0 as Mac, dl_src: 0 as Mac, dl_type: 0 as EthType, vlan_tci: 0, vlan_tpid: 0, vlan_tci1: 0, vlan_tpid1: 0,
    nw_src: 0 as Ipv4, nw_dst: 0 as Ipv4, ipv6_src: IPV6_ZERO, ipv6_dst: IPV6_ZERO, ipv6_label: 0,
    nw_proto: 0, nw_tos: 0, nw_ttl: 0, nw_frag: 0, arp_sha: 0 as Mac, arp_tha: 0 as Mac, nd_target: IPV6_ZERO,
    tp_src: 0, tp_dst: 0, tcp_flags: 0,
  };
}

/** A copy that shares nothing mutable with `k` (IPv6 arrays included). */
export function copyFlowKey(k: FlowKey): FlowKey {
  const c = { ...k };
  if (k.ipv6_src !== IPV6_ZERO) c.ipv6_src = k.ipv6_src.slice() as Ipv6;
  if (k.ipv6_dst !== IPV6_ZERO) c.ipv6_dst = k.ipv6_dst.slice() as Ipv6;
  if (k.nd_target !== IPV6_ZERO) c.nd_target = k.nd_target.slice() as Ipv6;
  return c;
}

/** Extracts a fresh key from `frame`. */
export function extractFlow(frame: Uint8Array, md: PacketMetadata | number): FlowExtraction {
  const key = newFlowKey();
  const status = extractFlowInto(key, frame, md);
  return { key, status };
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

function u48(b: Uint8Array, o: number): number {
  return ((b[o]! << 8) | b[o + 1]!) * 0x100000000 + u32(b, o + 2);
}

/** Copies an address into `cur` when the key owns one (not IPV6_ZERO), else into a new array. */
function ip6(cur: Ipv6, b: Uint8Array, o: number): Ipv6 {
  const a = cur === IPV6_ZERO ? new Uint8Array(16) : cur;
  a[0] = b[o]!; a[1] = b[o + 1]!; a[2] = b[o + 2]!; a[3] = b[o + 3]!;
  a[4] = b[o + 4]!; a[5] = b[o + 5]!; a[6] = b[o + 6]!; a[7] = b[o + 7]!;
  a[8] = b[o + 8]!; a[9] = b[o + 9]!; a[10] = b[o + 10]!; a[11] = b[o + 11]!;
  a[12] = b[o + 12]!; a[13] = b[o + 13]!; a[14] = b[o + 14]!; a[15] = b[o + 15]!;
  return a as Ipv6;
}

function setMetadata(k: FlowKey, md: PacketMetadata | number): void {
  k.metadata = 0n; k.pkt_mark = 0;
  k.reg0 = k.reg1 = k.reg2 = k.reg3 = k.reg4 = k.reg5 = k.reg6 = k.reg7 = 0;
  k.reg8 = k.reg9 = k.reg10 = k.reg11 = k.reg12 = k.reg13 = k.reg14 = k.reg15 = 0;
  if (typeof md === 'number') {
    k.in_port = md;
    k.tun_id = 0n; k.tun_src = 0 as Ipv4; k.tun_dst = 0 as Ipv4;
    k.tun_ipv6_src = IPV6_ZERO; k.tun_ipv6_dst = IPV6_ZERO; k.tun_tos = 0; k.tun_ttl = 0;
    return;
  }
  k.in_port = md.in_port;
  k.pkt_mark = md.pkt_mark ?? 0;
  const t = md.tunnel;
  k.tun_id = t?.tun_id ?? 0n;
  k.tun_src = t?.tun_src ?? 0 as Ipv4;
  k.tun_dst = t?.tun_dst ?? 0 as Ipv4;
  k.tun_ipv6_src = t?.tun_ipv6_src ?? IPV6_ZERO;
  k.tun_ipv6_dst = t?.tun_ipv6_dst ?? IPV6_ZERO;
  k.tun_tos = t?.tun_tos ?? 0;
  k.tun_ttl = t?.tun_ttl ?? 0;
}

/** A loop: TypedArray#fill is a builtin call that costs more than 16 stores. */
function zero16(a: Uint8Array): void {
  for (let i = 0; i < 16; i++) a[i] = 0;
}

function clearPacketFields(k: FlowKey): void {
  k.dl_dst = 0 as Mac; k.dl_src = 0 as Mac; k.dl_type = 0 as EthType;
  k.vlan_tci = 0; k.vlan_tpid = 0; k.vlan_tci1 = 0; k.vlan_tpid1 = 0;
  k.nw_src = 0 as Ipv4; k.nw_dst = 0 as Ipv4; k.ipv6_label = 0;
  // The key's own IPv6 arrays are zeroed in place and kept for the next IPv6 packet.
  if (k.ipv6_src !== IPV6_ZERO) zero16(k.ipv6_src);
  if (k.ipv6_dst !== IPV6_ZERO) zero16(k.ipv6_dst);
  if (k.nd_target !== IPV6_ZERO) zero16(k.nd_target);
  k.nw_proto = 0; k.nw_tos = 0; k.nw_ttl = 0; k.nw_frag = 0;
  k.arp_sha = 0 as Mac; k.arp_tha = 0 as Mac;
  k.tp_src = 0; k.tp_dst = 0; k.tcp_flags = 0;
}

/** Refills `key` from `frame`; returns where extraction stopped. Never throws. */
export function extractFlowInto(key: FlowKey, frame: Uint8Array, md: PacketMetadata | number): ExtractStatus {
  setMetadata(key, md);
  clearPacketFields(key);
  const end = frame.length;
  // IEEE 802.3 §3.1.1: destination, source, type/length.
  if (end < 14) return 'short_frame';
  key.dl_dst = u48(frame, 0) as Mac;
  key.dl_src = u48(frame, 6) as Mac;
  let o = 12;
  let type = u16(frame, o);
  // Up to two VLAN tags (IEEE 802.1Q §9.3, 802.1ad); a third TPID stays as dl_type.
  for (let i = 0; i < FLOW_MAX_VLAN_HEADERS && (type === 0x8100 || type === 0x88a8); i++) {
    if (o + 6 > end) { key.dl_type = type as EthType; return 'truncated_vlan'; }
    const tci = u16(frame, o + 2) | VLAN_CFI;
    if (i === 0) { key.vlan_tci = tci; key.vlan_tpid = type; } else { key.vlan_tci1 = tci; key.vlan_tpid1 = type; }
    o += 4;
    type = u16(frame, o);
  }
  o += 2;
  if (type < 0x0600) {
    // 802.3 length field: SNAP (IEEE 802 §10.3) carries an EtherType; plain LLC does not.
    if (o + 8 <= end && frame[o] === 0xaa && frame[o + 1] === 0xaa && frame[o + 2] === 0x03
        && frame[o + 3] === 0 && frame[o + 4] === 0 && frame[o + 5] === 0 && u16(frame, o + 6) >= 0x0600) {
      type = u16(frame, o + 6);
      o += 8;
    } else {
      key.dl_type = 0x05ff as EthType;
      return o + 3 <= end ? 'ok' : 'truncated_llc';
    }
  }
  key.dl_type = type as EthType;
  switch (type) {
    case 0x0800: return extractIpv4(key, frame, o, end);
    case 0x86dd: return extractIpv6(key, frame, o, end);
    case 0x0806: case 0x8035: return extractArp(key, frame, o, end);
    default: return 'ok';
  }
}

function extractArp(key: FlowKey, b: Uint8Array, o: number, end: number): ExtractStatus {
  // RFC 826, Ethernet/IPv4 only: 28 bytes.
  if (o + 28 > end) return 'truncated_arp';
  if (u16(b, o) !== 1 || u16(b, o + 2) !== 0x0800 || b[o + 4] !== 6 || b[o + 5] !== 4) return 'ok';
  const op = u16(b, o + 6);
  key.nw_proto = op <= 0xff ? op : 0;
  key.arp_sha = u48(b, o + 8) as Mac;
  key.nw_src = u32(b, o + 14) as Ipv4;
  key.arp_tha = u48(b, o + 18) as Mac;
  key.nw_dst = u32(b, o + 24) as Ipv4;
  return 'ok';
}

function extractIpv4(key: FlowKey, b: Uint8Array, o: number, end: number): ExtractStatus {
  // RFC 791 §3.1: IHL >= 5, total length covers the header and fits in the frame.
  // Like OVS, the version nibble is not checked: the EtherType said IPv4.
  if (o + 20 > end) return 'bad_ipv4';
  const hlen = (b[o]! & 0xf) * 4;
  const tot = u16(b, o + 2);
  if (hlen < 20 || o + hlen > end || tot < hlen || o + tot > end) return 'bad_ipv4';
  key.nw_src = u32(b, o + 12) as Ipv4;
  key.nw_dst = u32(b, o + 16) as Ipv4;
  key.nw_tos = b[o + 1]!;
  key.nw_ttl = b[o + 8]!;
  const proto = b[o + 9]!;
  key.nw_proto = proto;
  const frag = u16(b, o + 6);
  if (frag & 0x3fff) {
    key.nw_frag = (frag & 0x1fff) ? FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER : FLOW_NW_FRAG_ANY;
    if (frag & 0x1fff) return 'ok';
  }
  return extractL4(key, b, o + hlen, o + tot, proto, false);
}

function extractIpv6(key: FlowKey, b: Uint8Array, o: number, end: number): ExtractStatus {
  // RFC 8200 §3: 40-byte header; the payload length must fit in what arrived.
  if (o + 40 > end) return 'bad_ipv6';
  const w0 = u32(b, o);
  const plen = u16(b, o + 4);
  if (o + 40 + plen > end) return 'bad_ipv6';
  key.ipv6_src = ip6(key.ipv6_src, b, o + 8);
  key.ipv6_dst = ip6(key.ipv6_dst, b, o + 24);
  let nh = b[o + 6]!;
  let p = o + 40;
  const stop = p + plen;
  let frag = 0;
  // RFC 8200 §4: the extension headers OVS walks (not Mobility), at most 16 of them.
  for (let n = 0; ; n++) {
    if (nh !== 0 && nh !== 43 && nh !== 44 && nh !== 60 && nh !== 51) break;
    if (n === 16 || p + 8 > stop) return 'bad_ipv6_ext';
    const next = b[p]!;
    if (nh === 44) {
      const offlg = u16(b, p + 2);
      p += 8;
      nh = next;
      if (offlg !== 0) {
        frag = FLOW_NW_FRAG_ANY;
        if (offlg & 0xfff8) { frag |= FLOW_NW_FRAG_LATER; nh = 44; break; }
      }
    } else {
      const len = nh === 51 ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
      if (p + len > stop) return 'bad_ipv6_ext';
      p += len;
      nh = next;
    }
  }
  key.ipv6_label = w0 & 0xfffff;
  key.nw_tos = (w0 >>> 20) & 0xff;
  key.nw_ttl = b[o + 7]!;
  key.nw_proto = nh;
  key.nw_frag = frag;
  if (frag & FLOW_NW_FRAG_LATER) return 'ok';
  return extractL4(key, b, p, stop, nh, true);
}

function extractL4(key: FlowKey, b: Uint8Array, o: number, end: number, proto: number, v6: boolean): ExtractStatus {
  const size = end - o;
  switch (proto) {
    case 6: {
      // RFC 9293 §3.1: 20 bytes at least, data offset >= 5 and within the segment.
      if (size < 20) return 'truncated_l4';
      const off = u16(b, o + 12);
      const hl = (off >>> 12) * 4;
      if (hl < 20 || hl > size) return 'truncated_l4';
      key.tp_src = u16(b, o);
      key.tp_dst = u16(b, o + 2);
      key.tcp_flags = off & 0x0fff;
      return 'ok';
    }
    case 17: case 132: {
      // UDP (RFC 768) 8 bytes; SCTP common header (RFC 9260 §3) 12 bytes.
      if (size < (proto === 17 ? 8 : 12)) return 'truncated_l4';
      key.tp_src = u16(b, o);
      key.tp_dst = u16(b, o + 2);
      return 'ok';
    }
    case 1: case 2: {
      // ICMP (RFC 792) and IGMP (RFC 2236 §2): type and code in tp_src/tp_dst, over IPv4 only.
      if (v6) return 'ok';
      if (size < 8) return 'truncated_l4';
      key.tp_src = b[o]!;
      key.tp_dst = b[o + 1]!;
      return 'ok';
    }
    case 58: {
      if (!v6) return 'ok';
      if (size < 8) return 'truncated_l4';   // RFC 4443 §2.1 header plus the 32-bit word OVS requires
      const type = b[o]!, code = b[o + 1]!;
      key.tp_src = type;
      key.tp_dst = code;
      if ((type === 135 || type === 136) && code === 0) return extractNd(key, b, o + 4, end);
      return 'ok';
    }
    default:
      return 'ok';
  }
}

function extractNd(key: FlowKey, b: Uint8Array, o: number, end: number): ExtractStatus {
  // RFC 4861 §4.3/§4.4: reserved/flags word, target, then options in 8-octet units.
  if (o + 20 > end) return 'bad_nd';
  key.nd_target = ip6(key.nd_target, b, o + 4);
  let p = o + 20;
  let sll = 0, tll = 0;
  let status: ExtractStatus = 'ok';
  while (p + 8 <= end) {
    const ot = b[p]!, ol = b[p + 1]! * 8;
    // RFC 4861 §4.6: a zero length is invalid; OVS keeps what it found before it.
    if (ol === 0 || p + ol > end) { status = 'bad_nd'; break; }
    // A second link-layer option of the same kind invalidates all ND fields, as in OVS.
    if ((ot === 1 && ol === 8 && sll !== 0) || (ot === 2 && ol === 8 && tll !== 0)) {
      zero16(key.nd_target);
      return 'bad_nd';
    }
    if (ot === 1 && ol === 8) sll = u48(b, p + 2);
    else if (ot === 2 && ol === 8) tll = u48(b, p + 2);
    p += ol;
  }
  key.arp_sha = sll as Mac;
  key.arp_tha = tll as Mac;
  return status;
}

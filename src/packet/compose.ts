/**
 * Packet composition from a flow (after OVS's flow_compose): the frame
 * `ofproto/trace` runs through the pipeline when it is given a flow
 * string rather than a packet. The contract is that extracting the
 * composed frame gives back the flow's packet fields: dl_*, VLAN tags,
 * ARP fields, nw_*, IPv6 addresses and label, fragment state, ports, ICMP
 * type/code, tcp_flags, ND target and link-layer options. (Metadata such
 * as in_port, tunnel fields and registers is not in a frame.)
 *
 * Choices where the flow says nothing: VLAN tags use TPID 0x8100 unless
 * the flow names one; a later fragment gets offset 100 (in 8-byte units,
 * as OVS picks) and no L4 header; checksums are correct; SCTP's CRC32c
 * is left zero (extraction does not look at it); an 802.3 frame
 * (dl_type 0x05ff) carries a bare LLC header; an unknown EtherType has
 * an empty payload. The frame is not padded unless `pad` is set.
 */
import { Writer } from './writer.js';
import { padFrame } from './ethernet.js';
import { checksum } from './checksum.js';
import { l4Checksum, type Pseudo } from './l4sum.js';
import { FLOW_NW_FRAG_ANY, FLOW_NW_FRAG_LATER, type FlowKey } from './flow.js';
import { ipv6IsZero } from './types.js';

export interface ComposeOptions {
  /** Bytes after the L4 header (or after L3 when there is none). */
  readonly payload?: Uint8Array;
  /** Pad to the 60-byte Ethernet minimum. */
  readonly pad?: boolean;
}

/** A frame whose extracted key has `flow`'s packet fields. */
export function composePacket(flow: FlowKey, opts: ComposeOptions = {}): Uint8Array {
  const w = new Writer(128);
  const payload = opts.payload ?? new Uint8Array(0);
  w.u48(flow.dl_dst).u48(flow.dl_src);
  if (flow.vlan_tci !== 0) {
    w.u16(flow.vlan_tpid || 0x8100).u16(flow.vlan_tci & ~0x1000 & 0xffff);
    if (flow.vlan_tci1 !== 0) w.u16(flow.vlan_tpid1 || 0x8100).u16(flow.vlan_tci1 & ~0x1000 & 0xffff);
  }
  const type = flow.dl_type as number;
  if (type === 0x05ff) {
    // IEEE 802.3 length field followed by an LLC header that is not SNAP.
    w.u16(3 + payload.length).u8(0x42).u8(0x42).u8(0x03).bytes(payload);
  } else {
    w.u16(type);
    if (type === 0x0800) composeIpv4(w, flow, payload);
    else if (type === 0x86dd) composeIpv6(w, flow, payload);
    else if (type === 0x0806 || type === 0x8035) composeArp(w, flow);
    else w.bytes(payload);
  }
  const frame = w.finish();
  return opts.pad ? padFrame(frame) : frame;
}

function composeArp(w: Writer, f: FlowKey): void {
  w.u16(1).u16(0x0800).u8(6).u8(4).u16(f.nw_proto);
  w.u48(f.arp_sha).u32(f.nw_src).u48(f.arp_tha).u32(f.nw_dst);
}

function composeIpv4(w: Writer, f: FlowKey, payload: Uint8Array): void {
  const later = (f.nw_frag & FLOW_NW_FRAG_LATER) !== 0;
  const l4 = later ? payload : composeL4(f, payload, { v: 4, src: f.nw_src, dst: f.nw_dst });
  let frag = 0;
  if (f.nw_frag & FLOW_NW_FRAG_ANY) frag = 0x2000 | (later ? 100 : 0);
  const at = w.length;
  w.u8(0x45).u8(f.nw_tos).u16(20 + l4.length).u16(0).u16(frag).u8(f.nw_ttl).u8(f.nw_proto).u16(0).u32(f.nw_src).u32(f.nw_dst);
  w.set16(at + 10, checksum(w.view(at, at + 20)));
  w.bytes(l4);
}

function composeIpv6(w: Writer, f: FlowKey, payload: Uint8Array): void {
  const later = (f.nw_frag & FLOW_NW_FRAG_LATER) !== 0;
  const l4 = later ? payload : composeL4(f, payload, { v: 6, src: f.ipv6_src, dst: f.ipv6_dst });
  const fragHdr = (f.nw_frag & FLOW_NW_FRAG_ANY) !== 0;
  w.u32(((6 << 28) >>> 0) + ((f.nw_tos << 20) | f.ipv6_label));
  w.u16(l4.length + (fragHdr ? 8 : 0)).u8(fragHdr ? 44 : f.nw_proto).u8(f.nw_ttl);
  w.bytes(f.ipv6_src).bytes(f.ipv6_dst);
  // RFC 8200 §4.5: next header, reserved, offset<<3 | M, identification.
  if (fragHdr) w.u8(f.nw_proto).u8(0).u16(later ? (100 << 3) | 1 : 1).u32(0);
  w.bytes(l4);
}

function composeL4(f: FlowKey, payload: Uint8Array, pseudo: Pseudo): Uint8Array {
  const w = new Writer(64);
  switch (f.nw_proto) {
    case 6:
      w.u16(f.tp_src).u16(f.tp_dst).u32(0).u32(0).u16((5 << 12) | f.tcp_flags).u16(65535).u16(0).u16(0).bytes(payload);
      w.set16(16, l4Checksum(pseudo, 6, w.view()));
      break;
    case 17:
      w.u16(f.tp_src).u16(f.tp_dst).u16(8 + payload.length).u16(0).bytes(payload);
      w.set16(6, l4Checksum(pseudo, 17, w.view()) || 0xffff);
      break;
    case 132:
      w.u16(f.tp_src).u16(f.tp_dst).u32(0).u32(0).bytes(payload);
      break;
    case 1: case 2:
      if (pseudo.v !== 4) return payload;
      w.u8(f.tp_src).u8(f.tp_dst).u16(0).u32(0).bytes(payload);
      w.set16(2, checksum(w.view()));
      break;
    case 58:
      if (pseudo.v !== 6) return payload;
      w.u8(f.tp_src).u8(f.tp_dst).u16(0).u32(0);
      if ((f.tp_src === 135 || f.tp_src === 136) && f.tp_dst === 0) {
        // RFC 4861 §4.3/4.4: target, then link-layer address options.
        w.bytes(f.nd_target);
        if (f.arp_sha !== 0) w.u8(1).u8(1).u48(f.arp_sha);
        if (f.arp_tha !== 0) w.u8(2).u8(1).u48(f.arp_tha);
      }
      w.bytes(payload);
      w.set16(2, l4Checksum(pseudo, 58, w.view()));
      break;
    default:
      return payload;
  }
  return w.finish();
}

/**
 * True when extracting the composed frame gives `flow`'s packet fields back.
 * Not so for an EtherType below 0x0600 other than 0x05ff (the frame would
 * read as 802.3), nor for ND fields on a packet that is not ND.
 */
export function composable(flow: FlowKey): boolean {
  if (flow.dl_type < 0x0600 && flow.dl_type !== 0x05ff) return false;
  const nd = flow.dl_type === 0x86dd && flow.nw_proto === 58 && (flow.tp_src === 135 || flow.tp_src === 136) && flow.tp_dst === 0;
  if (!nd && !ipv6IsZero(flow.nd_target)) return false;
  return true;
}

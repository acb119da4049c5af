/**
 * The flow key the datapath classifies packets by (OVS's "struct flow",
 * the subset the switch matches on today): input datapath port and the L2
 * header. Values are plain numbers so a megaflow key is a short string.
 *
 * `vlanTci` follows OpenFlow/OVS: 0 when the frame has no 802.1Q tag,
 * otherwise PCP<<13 | 0x1000 (the "tag present" bit) | VID, so VID 0 with the
 * bit set is a priority-tagged frame.
 *
 * This adapter reads only what NORMAL switching needs; the packet layer's
 * full extraction (src/packet/flow.ts) supersedes it for L3/L4 matches.
 */
export interface FlowKey {
  in_port: number;
  dl_dst: number;
  dl_src: number;
  vlan_tci: number;
  dl_type: number;
  /** IPv4 only (0 otherwise): what tunnel decapsulation and OpenFlow L3/L4 matches read. */
  nw_src: number;
  nw_dst: number;
  nw_proto: number;
  tp_src: number;
  tp_dst: number;
  /** Tunnel metadata of a decapsulated packet (0 otherwise). */
  tun_id: number;
  tun_src: number;
  tun_dst: number;
  [field: string]: number;
}

export interface TunnelMetadata { tun_id: number; tun_src: number; tun_dst: number }

export const VLAN_CFI = 0x1000;
export const MIN_FRAME = 14;

export function readMac(b: Buffer, off: number): number {
  return b.readUInt16BE(off) * 2 ** 32 + b.readUInt32BE(off + 2);
}

/** Extracts the key; null for a frame too short to hold an Ethernet header (a counted drop). */
export function extractFlowKey(frame: Buffer, inPort: number, tun?: TunnelMetadata): FlowKey | null {
  if (frame.length < MIN_FRAME) return null;
  let type = frame.readUInt16BE(12);
  let tci = 0, l3 = 14;
  if ((type === 0x8100 || type === 0x88a8) && frame.length >= 18) {
    tci = frame.readUInt16BE(14) | VLAN_CFI;
    type = frame.readUInt16BE(16);
    l3 = 18;
  }
  let nwSrc = 0, nwDst = 0, proto = 0, tpSrc = 0, tpDst = 0;
  // IPv4 (RFC 791 §3.1): a header shorter than 20 bytes or truncated leaves the L3 fields 0.
  if (type === 0x0800 && frame.length >= l3 + 20 && frame[l3]! >> 4 === 4) {
    const ihl = (frame[l3]! & 15) * 4;
    nwSrc = frame.readUInt32BE(l3 + 12);
    nwDst = frame.readUInt32BE(l3 + 16);
    proto = frame[l3 + 9]!;
    const l4 = l3 + ihl;
    const firstFragment = (frame.readUInt16BE(l3 + 6) & 0x1fff) === 0;
    if (firstFragment && (proto === 6 || proto === 17) && ihl >= 20 && frame.length >= l4 + 4) {
      tpSrc = frame.readUInt16BE(l4);
      tpDst = frame.readUInt16BE(l4 + 2);
    }
  }
  return {
    in_port: inPort, dl_dst: readMac(frame, 0), dl_src: readMac(frame, 6), vlan_tci: tci, dl_type: type,
    nw_src: nwSrc, nw_dst: nwDst, nw_proto: proto, tp_src: tpSrc, tp_dst: tpDst,
    tun_id: tun?.tun_id ?? 0, tun_src: tun?.tun_src ?? 0, tun_dst: tun?.tun_dst ?? 0,
  };
}

export function formatMac(mac: number): string {
  const hex = mac.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

export function parseMacKey(s: string): number | null {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s)) return null;
  return s.split(':').reduce((acc, p) => acc * 256 + parseInt(p, 16), 0);
}

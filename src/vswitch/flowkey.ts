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
  [field: string]: number;
}

export const VLAN_CFI = 0x1000;
export const MIN_FRAME = 14;

export function readMac(b: Buffer, off: number): number {
  return b.readUInt16BE(off) * 2 ** 32 + b.readUInt32BE(off + 2);
}

/** Extracts the key; null for a frame too short to hold an Ethernet header (a counted drop). */
export function extractFlowKey(frame: Buffer, inPort: number): FlowKey | null {
  if (frame.length < MIN_FRAME) return null;
  let type = frame.readUInt16BE(12);
  let tci = 0;
  if ((type === 0x8100 || type === 0x88a8) && frame.length >= 18) {
    tci = frame.readUInt16BE(14) | VLAN_CFI;
    type = frame.readUInt16BE(16);
  }
  return { in_port: inPort, dl_dst: readMac(frame, 0), dl_src: readMac(frame, 6), vlan_tci: tci, dl_type: type };
}

export function formatMac(mac: number): string {
  const hex = mac.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

export function parseMacKey(s: string): number | null {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s)) return null;
  return s.split(':').reduce((acc, p) => acc * 256 + parseInt(p, 16), 0);
}

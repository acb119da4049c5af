/**
 * Ethernet II / IEEE 802.3 frames with any number of stacked VLAN tags.
 *
 * A tag is recognised by its TPID: 0x8100 (IEEE 802.1Q C-tag) or 0x88a8
 * (IEEE 802.1ad S-tag); a tag's TCI holds PCP (3 bits), DEI (1 bit, the old
 * CFI) and VID (12 bits) (IEEE 802.1Q-2018 §9.6). Tags are listed outermost
 * first. The frame check sequence is not part of the frame here: capture
 * and the datapath both see frames without it.
 *
 * `type` is what follows the tags: an EtherType (>= 0x0600) or, for an
 * 802.3 frame, the length of its LLC payload (< 0x0600, IEEE 802.3 §3.2.6);
 * the codec keeps it verbatim and leaves LLC to its users (stp.ts).
 * The payload is a view into the frame, not a copy, and keeps any padding.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { EncodeError } from './errors.js';
import { type EthType, type Mac, type Vid, ETH_TYPE } from './types.js';

export const ETH_HEADER_LEN = 14;
export const VLAN_HEADER_LEN = 4;

export interface VlanTag {
  /** 0x8100 (802.1Q) or 0x88a8 (802.1ad). */
  readonly tpid: number;
  readonly pcp: number;
  readonly dei: number;
  readonly vid: Vid;
}

export interface EthernetFrame {
  readonly dst: Mac;
  readonly src: Mac;
  /** Outermost first. */
  readonly tags: readonly VlanTag[];
  readonly type: EthType;
  readonly payload: Uint8Array;
}

export function isVlanTpid(t: number): boolean {
  return t === ETH_TYPE.VLAN || t === ETH_TYPE.QINQ;
}

export function decodeEthernet(r: Reader): EthernetFrame {
  r.need(ETH_HEADER_LEN, 'eth', 'IEEE 802.3 §3.1.1');
  const dst = r.u48('eth.dst') as Mac;
  const src = r.u48('eth.src') as Mac;
  let type = r.u16('eth.type');
  const tags: VlanTag[] = [];
  while (isVlanTpid(type)) {
    r.need(VLAN_HEADER_LEN, 'vlan.tci', 'IEEE 802.1Q §9.3');
    const tci = r.u16('vlan.tci');
    tags.push({ tpid: type, pcp: tci >>> 13, dei: (tci >>> 12) & 1, vid: (tci & 0xfff) as Vid });
    type = r.u16('vlan.type');
  }
  return { dst, src, tags, type: type as EthType, payload: r.rest() };
}

export function encodeEthernet(w: Writer, f: EthernetFrame): void {
  w.u48(f.dst, 'eth.dst').u48(f.src, 'eth.src');
  for (const t of f.tags) {
    if (!isVlanTpid(t.tpid)) throw new EncodeError('vlan.tpid', `0x${t.tpid.toString(16)} is not a VLAN TPID`);
    if (t.pcp > 7 || t.dei > 1 || t.vid > 4095) throw new EncodeError('vlan.tci', `pcp=${t.pcp} dei=${t.dei} vid=${t.vid} out of range`);
    w.u16(t.tpid, 'vlan.tpid').u16((t.pcp << 13) | (t.dei << 12) | t.vid, 'vlan.tci');
  }
  w.u16(f.type, 'eth.type');
  w.bytes(f.payload);
}

/** The 16-bit TCI of a tag. */
export function vlanTci(t: { readonly pcp: number; readonly dei?: number; readonly vid: number }): number {
  return ((t.pcp & 7) << 13) | ((t.dei ?? 0) << 12) | (t.vid & 0xfff);
}

/** Pads a frame to the 60-byte Ethernet minimum (64 with the FCS, IEEE 802.3 §4.4.2), as a NIC would on send. */
export function padFrame(frame: Uint8Array, min = 60): Uint8Array {
  if (frame.length >= min) return frame;
  const out = new Uint8Array(min);
  out.set(frame);
  return out;
}

/** Inserts a VLAN tag right after the MAC addresses (outermost), as push_vlan does. */
export function pushVlan(frame: Uint8Array, tag: { readonly vid: number; readonly pcp: number; readonly dei?: number; readonly tpid?: number }): Uint8Array {
  if (frame.length < 12) throw new EncodeError('eth', 'frame too short to tag');
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  const tpid = tag.tpid ?? ETH_TYPE.VLAN, tci = vlanTci(tag);
  out[12] = tpid >>> 8; out[13] = tpid & 0xff; out[14] = tci >>> 8; out[15] = tci & 0xff;
  out.set(frame.subarray(12), 16);
  return out;
}

/** Removes the outermost VLAN tag, if any (pop_vlan / strip_vlan). */
export function popVlan(frame: Uint8Array): Uint8Array {
  if (frame.length < 18 || !isVlanTpid((frame[12]! << 8) | frame[13]!)) return frame;
  const out = new Uint8Array(frame.length - 4);
  out.set(frame.subarray(0, 12), 0);
  out.set(frame.subarray(16), 12);
  return out;
}

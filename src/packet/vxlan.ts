/**
 * VXLAN (RFC 7348 §5): an 8-byte header after UDP (destination port
 * 4789): flags (only I, 0x08, defined), 24 reserved bits, the 24-bit VNI,
 * 8 reserved bits, then the inner Ethernet frame. "The I flag MUST be set
 * to 1 for a valid VXLAN Network ID", so a header without it is refused;
 * the other reserved bits are kept as read (receivers ignore them) so that
 * round trips are exact, and VXLAN-GBP's use of them (group policy ID)
 * stays visible to whoever needs it.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';

export const VXLAN_HEADER_LEN = 8;
export const VXLAN_FLAG_I = 0x08;

export interface VxlanHeader {
  /** First byte; I (0x08) must be set. */
  readonly flags: number;
  /** The 24 bits after the flags (zero in plain VXLAN; GBP puts a policy ID here). */
  readonly reserved1: number;
  readonly vni: number;
  readonly reserved2: number;
  /** The inner Ethernet frame. */
  readonly payload: Uint8Array;
}

export function decodeVxlan(r: Reader): VxlanHeader {
  const start = r.offset;
  r.need(VXLAN_HEADER_LEN, 'vxlan', 'RFC 7348 §5');
  const flags = r.u8('vxlan.flags');
  if ((flags & VXLAN_FLAG_I) === 0) throw new DecodeError('vxlan.flags', start, 'I flag not set', 'RFC 7348 §5');
  const reserved1 = r.u24('vxlan.reserved');
  const vni = r.u24('vxlan.vni');
  const reserved2 = r.u8('vxlan.reserved');
  return { flags, reserved1, vni, reserved2, payload: r.rest() };
}

export function encodeVxlan(w: Writer, h: VxlanHeader): void {
  if ((h.flags & VXLAN_FLAG_I) === 0) throw new EncodeError('vxlan.flags', 'I flag must be set');
  w.u8(h.flags, 'vxlan.flags').u24(h.reserved1, 'vxlan.reserved').u24(h.vni, 'vxlan.vni').u8(h.reserved2, 'vxlan.reserved').bytes(h.payload);
}

/** A plain VXLAN header for `vni`. */
export function vxlanHeader(vni: number, payload: Uint8Array): VxlanHeader {
  return { flags: VXLAN_FLAG_I, reserved1: 0, vni, reserved2: 0, payload };
}

/**
 * ICMP for IPv4 (RFC 792): type, code, checksum over the whole message,
 * and the 4-byte "rest of header" whose meaning depends on the type (echo
 * identifier and sequence, the next-hop MTU of "fragmentation needed", a
 * redirect's gateway). The body after it is kept as a view.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { checksum } from './checksum.js';

export const ICMP_HEADER_LEN = 8;
export const ICMP_TYPE = { ECHO_REPLY: 0, DEST_UNREACH: 3, REDIRECT: 5, ECHO_REQUEST: 8, TIME_EXCEEDED: 11 } as const;

export interface IcmpMessage {
  readonly type: number;
  readonly code: number;
  readonly checksum?: number;
  /** The 32-bit field after the checksum. */
  readonly rest: number;
  readonly payload: Uint8Array;
}

export function decodeIcmp(r: Reader): IcmpMessage {
  r.need(ICMP_HEADER_LEN, 'icmp', 'RFC 792');
  const type = r.u8('icmp.type');
  const code = r.u8('icmp.code');
  const csum = r.u16('icmp.checksum');
  const rest = r.u32('icmp.rest');
  return { type, code, checksum: csum, rest, payload: r.rest() };
}

export function encodeIcmp(w: Writer, m: IcmpMessage): void {
  const at = w.length;
  w.u8(m.type, 'icmp.type').u8(m.code, 'icmp.code').u16(m.checksum ?? 0, 'icmp.checksum').u32(m.rest, 'icmp.rest').bytes(m.payload);
  if (m.checksum === undefined) w.set16(at + 2, checksum(w.view(at)));
}

/** Echo identifier and sequence number (RFC 792, "Echo or Echo Reply Message"). */
export function icmpEcho(m: Pick<IcmpMessage, 'rest'>): { id: number; seq: number } {
  return { id: m.rest >>> 16, seq: m.rest & 0xffff };
}

export function icmpEchoRest(id: number, seq: number): number {
  return ((id & 0xffff) * 0x10000) + (seq & 0xffff);
}

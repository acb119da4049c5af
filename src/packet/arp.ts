/**
 * ARP (RFC 826) for Ethernet and IPv4, the only pairing a switch resolves:
 * hardware type 1, protocol type 0x0800, address lengths 6 and 4. RARP
 * (RFC 903) shares the format under EtherType 0x8035, opcodes 3 and 4.
 * Other pairings are malformed for this codec (flow extraction leaves
 * their ARP fields zero, as OVS does).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError } from './errors.js';
import type { Ipv4, Mac } from './types.js';

export const ARP_LEN = 28;
export const ARP_OP = { REQUEST: 1, REPLY: 2, RARP_REQUEST: 3, RARP_REPLY: 4 } as const;

export interface Arp {
  readonly op: number;
  readonly sha: Mac;
  readonly spa: Ipv4;
  readonly tha: Mac;
  readonly tpa: Ipv4;
}

export function decodeArp(r: Reader): Arp {
  r.need(ARP_LEN, 'arp', 'RFC 826');
  const at = r.offset;
  const htype = r.u16('arp.htype');
  if (htype !== 1) throw new DecodeError('arp.htype', at, `hardware type ${htype} is not Ethernet (1)`, 'RFC 826');
  const ptype = r.u16('arp.ptype');
  if (ptype !== 0x0800) throw new DecodeError('arp.ptype', at + 2, `protocol type 0x${ptype.toString(16)} is not IPv4`, 'RFC 826');
  const hlen = r.u8('arp.hlen');
  if (hlen !== 6) throw new DecodeError('arp.hlen', at + 4, `hardware address length ${hlen}, expected 6`, 'RFC 826');
  const plen = r.u8('arp.plen');
  if (plen !== 4) throw new DecodeError('arp.plen', at + 5, `protocol address length ${plen}, expected 4`, 'RFC 826');
  const op = r.u16('arp.op');
  const sha = r.u48('arp.sha') as Mac;
  const spa = r.u32('arp.spa') as Ipv4;
  const tha = r.u48('arp.tha') as Mac;
  const tpa = r.u32('arp.tpa') as Ipv4;
  return { op, sha, spa, tha, tpa };
}

export function encodeArp(w: Writer, a: Arp): void {
  w.u16(1).u16(0x0800).u8(6).u8(4).u16(a.op, 'arp.op');
  w.u48(a.sha, 'arp.sha').u32(a.spa, 'arp.spa').u48(a.tha, 'arp.tha').u32(a.tpa, 'arp.tpa');
}

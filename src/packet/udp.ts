/**
 * UDP (RFC 768). The Length field covers header and data and must be at
 * least 8 and no more than what was received; the payload is cut to it.
 * A checksum of zero means "no checksum" over IPv4; over IPv6 it is
 * mandatory (RFC 8200 §8.1). Encoding computes the checksum when none is
 * given and a pseudo-header is, and otherwise writes zero; a computed
 * checksum that comes out zero is sent as 0xffff (RFC 768).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';
import { IP_PROTO } from './types.js';
import { l4Checksum, type Pseudo } from './l4sum.js';

export const UDP_HEADER_LEN = 8;
export const UDP_PORT = { DHCP_SERVER: 67, DHCP_CLIENT: 68, VXLAN: 4789, GENEVE: 6081, DHCPV6_CLIENT: 546, DHCPV6_SERVER: 547 } as const;

export interface UdpDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly checksum?: number;
  readonly payload: Uint8Array;
}

export function decodeUdp(r: Reader): UdpDatagram {
  const start = r.offset;
  r.need(UDP_HEADER_LEN, 'udp', 'RFC 768');
  const srcPort = r.u16('udp.src');
  const dstPort = r.u16('udp.dst');
  const len = r.u16('udp.length');
  if (len < UDP_HEADER_LEN) throw new DecodeError('udp.length', start + 4, `length ${len} below 8`, 'RFC 768');
  if (len > r.end - start) throw new DecodeError('udp.length', start + 4, `length ${len} exceeds ${r.end - start} bytes received`, 'RFC 768');
  const csum = r.u16('udp.checksum');
  return { srcPort, dstPort, checksum: csum, payload: r.bytes(len - UDP_HEADER_LEN, 'udp.payload') };
}

export function encodeUdp(w: Writer, d: UdpDatagram, pseudo?: Pseudo): void {
  const len = UDP_HEADER_LEN + d.payload.length;
  if (len > 0xffff) throw new EncodeError('udp.length', `${len} exceeds 65535`);
  const at = w.length;
  w.u16(d.srcPort, 'udp.src').u16(d.dstPort, 'udp.dst').u16(len).u16(d.checksum ?? 0, 'udp.checksum').bytes(d.payload);
  if (d.checksum === undefined && pseudo) w.set16(at + 6, l4Checksum(pseudo, IP_PROTO.UDP, w.view(at)) || 0xffff);
}

/**
 * IPv4 headers (RFC 791 §3.1): fixed 20 bytes, options up to IHL*4, the
 * header checksum, and fragmentation fields.
 *
 * Decoding checks the version, that IHL is at least 5, and that Total
 * Length covers the header and fits in what was received; the payload is
 * cut to Total Length, so Ethernet padding never reaches the upper layer.
 * The checksum is read, not enforced: a switch forwards what it was given,
 * and `ipv4HeaderChecksumOk` says whether it was right.
 *
 * Encoding computes IHL and Total Length from the options and payload, and
 * the header checksum unless one is supplied (round trips preserve a wrong
 * one). Options must already be padded to a multiple of 4 bytes.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';
import { checksum } from './checksum.js';
import type { Ipv4 } from './types.js';

export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_FLAG_DF = 0x2;
export const IPV4_FLAG_MF = 0x1;

export interface Ipv4Header {
  readonly tos: number;
  readonly id: number;
  /** 3 bits: reserved, DF (0x2), MF (0x1). */
  readonly flags: number;
  /** In 8-byte units. */
  readonly fragOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  /** Absent when encoding means "compute it". */
  readonly checksum?: number;
  readonly src: Ipv4;
  readonly dst: Ipv4;
  /** Raw option bytes, length a multiple of 4, at most 40. */
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
}

export function decodeIpv4(r: Reader): Ipv4Header {
  const start = r.offset;
  r.need(IPV4_MIN_HEADER_LEN, 'ipv4', 'RFC 791 §3.1');
  const vihl = r.u8('ipv4.version');
  if (vihl >>> 4 !== 4) throw new DecodeError('ipv4.version', start, `version ${vihl >>> 4}, expected 4`, 'RFC 791 §3.1');
  const hlen = (vihl & 0xf) * 4;
  if (hlen < IPV4_MIN_HEADER_LEN) throw new DecodeError('ipv4.ihl', start, `IHL ${vihl & 0xf} below minimum 5`, 'RFC 791 §3.1');
  const tos = r.u8('ipv4.tos');
  const totalLength = r.u16('ipv4.total_length');
  if (totalLength < hlen) throw new DecodeError('ipv4.total_length', start + 2, `total length ${totalLength} shorter than header ${hlen}`, 'RFC 791 §3.1');
  if (totalLength > r.end - start) throw new DecodeError('ipv4.total_length', start + 2, `total length ${totalLength} exceeds ${r.end - start} bytes received`, 'RFC 791 §3.1');
  const id = r.u16('ipv4.id');
  const ff = r.u16('ipv4.frag');
  const ttl = r.u8('ipv4.ttl');
  const protocol = r.u8('ipv4.protocol');
  const csum = r.u16('ipv4.checksum');
  const src = r.u32('ipv4.src') as Ipv4;
  const dst = r.u32('ipv4.dst') as Ipv4;
  const options = r.bytes(hlen - IPV4_MIN_HEADER_LEN, 'ipv4.options', 'RFC 791 §3.1');
  const payload = r.bytes(totalLength - hlen, 'ipv4.payload');
  return { tos, id, flags: ff >>> 13, fragOffset: ff & 0x1fff, ttl, protocol, checksum: csum, src, dst, options, payload };
}

export function encodeIpv4(w: Writer, h: Ipv4Header): void {
  if (h.options.length % 4 !== 0 || h.options.length > 40) throw new EncodeError('ipv4.options', `length ${h.options.length} is not a multiple of 4 up to 40`);
  const hlen = IPV4_MIN_HEADER_LEN + h.options.length;
  const total = hlen + h.payload.length;
  if (total > 0xffff) throw new EncodeError('ipv4.total_length', `${total} exceeds 65535`);
  if (h.flags > 7 || h.fragOffset > 0x1fff) throw new EncodeError('ipv4.frag', 'flags or fragment offset out of range');
  const at = w.length;
  w.u8(0x40 | (hlen / 4)).u8(h.tos, 'ipv4.tos').u16(total).u16(h.id, 'ipv4.id');
  w.u16((h.flags << 13) | h.fragOffset).u8(h.ttl, 'ipv4.ttl').u8(h.protocol, 'ipv4.protocol');
  w.u16(h.checksum ?? 0, 'ipv4.checksum').u32(h.src, 'ipv4.src').u32(h.dst, 'ipv4.dst').bytes(h.options);
  if (h.checksum === undefined) w.set16(at + 10, checksum(w.view(at, at + hlen)));
  w.bytes(h.payload);
}

/** True if the header starting at `off` sums to zero with its checksum (RFC 1071). */
export function ipv4HeaderChecksumOk(buf: Uint8Array, off = 0): boolean {
  const hlen = (buf[off]! & 0xf) * 4;
  return off + hlen <= buf.length && checksum(buf, off, hlen) === 0;
}

export interface Ipv4Option {
  readonly type: number;
  /** Option data after the type and length octets (empty for EOL and NOP). */
  readonly data: Uint8Array;
}

/** Splits option bytes into options (RFC 791 §3.1 "Options"); stops at End of Option List. */
export function decodeIpv4Options(r: Reader): Ipv4Option[] {
  const out: Ipv4Option[] = [];
  while (r.remaining > 0) {
    const at = r.offset;
    const type = r.u8('ipv4.option.type');
    if (type === 0) { out.push({ type, data: new Uint8Array(0) }); break; }
    if (type === 1) { out.push({ type, data: new Uint8Array(0) }); continue; }
    const len = r.u8('ipv4.option.length');
    if (len < 2) throw new DecodeError('ipv4.option.length', at + 1, `option length ${len} below 2`, 'RFC 791 §3.1');
    out.push({ type, data: r.bytes(len - 2, 'ipv4.option.data', 'RFC 791 §3.1') });
  }
  return out;
}

/** 0 = not a fragment; otherwise FLOW_NW_FRAG_ANY (1), plus FLOW_NW_FRAG_LATER (2) when the offset is non-zero, as OVS's nw_frag. */
export function ipv4NwFrag(h: Pick<Ipv4Header, 'flags' | 'fragOffset'>): number {
  if (h.fragOffset !== 0) return 3;
  return h.flags & IPV4_FLAG_MF ? 1 : 0;
}

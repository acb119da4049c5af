/**
 * IPv6 (RFC 8200): the 40-byte fixed header, and a bounded walk over the
 * extension-header chain to the upper-layer protocol.
 *
 * `decodeIpv6` checks the version and that Payload Length fits in what was
 * received, and cuts the payload to it (dropping Ethernet padding). A
 * Payload Length of zero with a Hop-by-Hop header would be a jumbogram
 * (RFC 2675); switches do not carry those, so it is read as an empty
 * payload.
 *
 * `walkIpv6Extensions` follows Hop-by-Hop, Routing, Fragment, Destination
 * Options, Mobility (8-octet length units, RFC 8200 §4.3–4.6) and AH
 * (4-octet units, RFC 4302 §2.2), at most `IPV6_MAX_EXTENSIONS` of them,
 * so a crafted chain cannot make a packet cost more than a bounded walk.
 * It stops at the first header that is not an extension (TCP, UDP,
 * ICMPv6, ESP, No Next Header...) and at a non-first fragment, whose
 * payload is not the upper-layer header.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';
import { type Ipv6, IP_PROTO } from './types.js';

export const IPV6_HEADER_LEN = 40;
export const IPV6_MAX_EXTENSIONS = 16;

export interface Ipv6Header {
  readonly trafficClass: number;
  /** 20 bits. */
  readonly flowLabel: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: Ipv6;
  readonly dst: Ipv6;
  /** Everything after the fixed header, extension headers included. */
  readonly payload: Uint8Array;
}

export function decodeIpv6(r: Reader): Ipv6Header {
  const start = r.offset;
  r.need(IPV6_HEADER_LEN, 'ipv6', 'RFC 8200 §3');
  const w0 = r.u32('ipv6.version');
  if (w0 >>> 28 !== 6) throw new DecodeError('ipv6.version', start, `version ${w0 >>> 28}, expected 6`, 'RFC 8200 §3');
  const plen = r.u16('ipv6.payload_length');
  const nextHeader = r.u8('ipv6.next_header');
  const hopLimit = r.u8('ipv6.hop_limit');
  const src = r.copy(16, 'ipv6.src') as Ipv6;
  const dst = r.copy(16, 'ipv6.dst') as Ipv6;
  if (plen > r.remaining) throw new DecodeError('ipv6.payload_length', start + 4, `payload length ${plen} exceeds ${r.remaining} bytes received`, 'RFC 8200 §3');
  return { trafficClass: (w0 >>> 20) & 0xff, flowLabel: w0 & 0xfffff, nextHeader, hopLimit, src, dst, payload: r.bytes(plen, 'ipv6.payload') };
}

export function encodeIpv6(w: Writer, h: Ipv6Header): void {
  if (h.payload.length > 0xffff) throw new EncodeError('ipv6.payload_length', `${h.payload.length} exceeds 65535`);
  if (h.flowLabel > 0xfffff) throw new EncodeError('ipv6.flow_label', `${h.flowLabel} exceeds 20 bits`);
  if (h.src.length !== 16 || h.dst.length !== 16) throw new EncodeError('ipv6.src', 'addresses must be 16 bytes');
  w.u32(((6 << 28) >>> 0) + (((h.trafficClass & 0xff) << 20) | h.flowLabel));
  w.u16(h.payload.length).u8(h.nextHeader, 'ipv6.next_header').u8(h.hopLimit, 'ipv6.hop_limit');
  w.bytes(h.src).bytes(h.dst).bytes(h.payload);
}

export interface Ipv6Extension {
  readonly type: number;
  /** Offset of the extension header in the walked buffer. */
  readonly offset: number;
  readonly length: number;
}

export interface Ipv6Fragment {
  /** In 8-byte units. */
  readonly offset: number;
  readonly more: boolean;
  readonly id: number;
}

export interface Ipv6Walk {
  /** The upper-layer protocol (or the header the walk stopped at). */
  readonly protocol: number;
  /** Where the upper-layer header starts (absolute offset in the reader's buffer). */
  readonly offset: number;
  readonly extensions: readonly Ipv6Extension[];
  readonly fragment: Ipv6Fragment | null;
}

export function isIpv6Extension(nh: number): boolean {
  return nh === IP_PROTO.HOPOPTS || nh === IP_PROTO.ROUTING || nh === IP_PROTO.FRAGMENT
    || nh === IP_PROTO.DSTOPTS || nh === IP_PROTO.AH || nh === IP_PROTO.MOBILITY;
}

/** Walks the extension headers in `r` (the IPv6 payload), starting from the fixed header's Next Header. */
export function walkIpv6Extensions(r: Reader, nextHeader: number, max = IPV6_MAX_EXTENSIONS): Ipv6Walk {
  const extensions: Ipv6Extension[] = [];
  let fragment: Ipv6Fragment | null = null;
  let nh = nextHeader;
  while (isIpv6Extension(nh)) {
    const at = r.offset;
    if (extensions.length >= max) throw new DecodeError('ipv6.extension', at, `more than ${max} extension headers`, 'RFC 8200 §4.1');
    r.need(8, 'ipv6.extension', 'RFC 8200 §4');
    const next = r.buf[at]!;
    let len: number;
    if (nh === IP_PROTO.FRAGMENT) {
      len = 8;
      const off = (r.buf[at + 2]! << 8) | r.buf[at + 3]!;
      const id = (((r.buf[at + 4]! << 24) >>> 0) + ((r.buf[at + 5]! << 16) | (r.buf[at + 6]! << 8) | r.buf[at + 7]!));
      fragment = { offset: off >>> 3, more: (off & 1) === 1, id };
    } else if (nh === IP_PROTO.AH) {
      len = (r.buf[at + 1]! + 2) * 4;
    } else {
      len = (r.buf[at + 1]! + 1) * 8;
    }
    r.skip(len, 'ipv6.extension.length');
    extensions.push({ type: nh, offset: at, length: len });
    nh = next;
    if (fragment && fragment.offset !== 0) break;
  }
  return { protocol: nh, offset: r.offset, extensions, fragment };
}

/** An IPv6 Fragment extension header (RFC 8200 §4.5). */
export function encodeIpv6Fragment(w: Writer, f: Ipv6Fragment & { nextHeader: number }): void {
  w.u8(f.nextHeader).u8(0).u16((f.offset << 3) | (f.more ? 1 : 0), 'ipv6.fragment.offset').u32(f.id, 'ipv6.fragment.id');
}

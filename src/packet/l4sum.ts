/**
 * The pseudo-header that TCP, UDP and ICMPv6 checksums cover, for either IP
 * version, and the checksum computation and check over a whole segment.
 */
import { checksum, pseudoSumV4, pseudoSumV6 } from './checksum.js';

export type Pseudo =
  | { readonly v: 4; readonly src: number; readonly dst: number }
  | { readonly v: 6; readonly src: Uint8Array; readonly dst: Uint8Array };

export function pseudoSum(p: Pseudo, protocol: number, length: number): number {
  return p.v === 4 ? pseudoSumV4(p.src, p.dst, protocol, length) : pseudoSumV6(p.src, p.dst, protocol, length);
}

/** The checksum field value for `segment` (whose own checksum field must be zero). */
export function l4Checksum(p: Pseudo, protocol: number, segment: Uint8Array): number {
  return checksum(segment, 0, segment.length, pseudoSum(p, protocol, segment.length));
}

/** True if `segment`, checksum field included, sums correctly with its pseudo-header. */
export function l4ChecksumOk(p: Pseudo, protocol: number, segment: Uint8Array): boolean {
  return checksum(segment, 0, segment.length, pseudoSum(p, protocol, segment.length)) === 0;
}

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are kept unfolded in a JS number (53 bits of headroom, so a jumbo
 * frame cannot overflow) and folded once at the end. `checksum()` returns
 * the value to put in a header field: the one's complement of the folded
 * sum. Verifying a received header means summing it *with* its checksum
 * field and getting 0xffff, i.e. `checksum(...) === 0`.
 *
 * Pseudo-headers: TCP, UDP and ICMPv6 checksums cover a pseudo-header of
 * the enclosing IP header (RFC 9293 §3.1 and RFC 768 for IPv4, RFC 8200
 * §8.1 for IPv6); `pseudoSumV4`/`pseudoSumV6` produce its partial sum to
 * pass as `initial`.
 *
 * Incremental updates (for NAT and mod_nw_src, mod_tp_dst and similar actions): RFC 1624
 * eqn. 3, HC' = ~(~HC + ~m + m'), which, unlike eqn. 2 of RFC 1141, never
 * produces 0x0000 from a non-zero sum. A UDP checksum of 0 means "none"
 * (RFC 768) and must stay 0: callers check that before updating.
 */

/** Unfolded one's complement sum of bytes [off, off+len), added to `acc`. An odd trailing byte is padded with zero. */
export function onesSum(buf: Uint8Array, off = 0, len = buf.length - off, acc = 0): number {
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) acc += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) acc += buf[i]! << 8;
  return acc;
}

/** Folds carries into 16 bits (not complemented). */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/** The checksum field value for bytes [off, off+len), starting from a partial sum. */
export function checksum(buf: Uint8Array, off = 0, len = buf.length - off, initial = 0): number {
  return ~fold(onesSum(buf, off, len, initial)) & 0xffff;
}

/** Partial sum of the IPv4 pseudo-header (source, destination, zero, protocol, upper-layer length). */
export function pseudoSumV4(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1). */
export function pseudoSumV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  let acc = onesSum(src, 0, 16);
  acc = onesSum(dst, 0, 16, acc);
  return acc + Math.floor(length / 0x10000) + (length & 0xffff) + nextHeader;
}

/** RFC 1624 eqn. 3: the new checksum after a 16-bit word changes from `oldWord` to `newWord`. */
export function updateChecksum16(csum: number, oldWord: number, newWord: number): number {
  return ~fold((~csum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/** As updateChecksum16, for a 32-bit field (an IPv4 address) seen as two words. */
export function updateChecksum32(csum: number, oldValue: number, newValue: number): number {
  const sum = (~csum & 0xffff)
    + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
    + (newValue >>> 16) + (newValue & 0xffff);
  return ~fold(sum) & 0xffff;
}

/** As updateChecksum16, for a run of bytes of even length (an IPv6 address, a MAC-sized field). */
export function updateChecksumBytes(csum: number, oldBytes: Uint8Array, newBytes: Uint8Array): number {
  if (oldBytes.length !== newBytes.length || oldBytes.length % 2 !== 0) throw new RangeError('updateChecksumBytes needs equal even lengths');
  let sum = ~csum & 0xffff;
  for (let i = 0; i < oldBytes.length; i += 2) {
    sum += ~((oldBytes[i]! << 8) | oldBytes[i + 1]!) & 0xffff;
    sum += (newBytes[i]! << 8) | newBytes[i + 1]!;
  }
  return ~fold(sum) & 0xffff;
}

/**
 * GRE (RFC 2784) with the key and sequence number extensions of RFC 2890.
 * Flags word: C (0x8000, checksum present), K (0x2000, key present),
 * S (0x1000, sequence number present), reserved bits, Version (3 bits,
 * must be 0: RFC 2784 §2.3.1). Optional fields follow in the order
 * checksum+reserved1, key, sequence (RFC 2890 §2). The checksum covers the
 * GRE header and payload (RFC 2784 §2.5).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';
import { checksum } from './checksum.js';

export const GRE_FLAG = { C: 0x8000, K: 0x2000, S: 0x1000 } as const;

export interface GreHeader {
  /** Reserved0 bits other than C, K, S (kept for exact round trips). */
  readonly reserved0: number;
  readonly protocol: number;
  /** Present when C is set; undefined inside means "compute it". */
  readonly checksum?: number | null;
  readonly key: number | null;
  readonly seq: number | null;
  readonly payload: Uint8Array;
}

export function decodeGre(r: Reader): GreHeader {
  const start = r.offset;
  r.need(4, 'gre', 'RFC 2784 §2');
  const fl = r.u16('gre.flags');
  if ((fl & 7) !== 0) throw new DecodeError('gre.version', start + 1, `version ${fl & 7}, expected 0`, 'RFC 2784 §2.3.1');
  const protocol = r.u16('gre.protocol');
  let csum: number | null = null, key: number | null = null, seq: number | null = null;
  if (fl & GRE_FLAG.C) { csum = r.u16('gre.checksum'); r.skip(2, 'gre.reserved1'); }
  if (fl & GRE_FLAG.K) key = r.u32('gre.key');
  if (fl & GRE_FLAG.S) seq = r.u32('gre.seq');
  return { reserved0: fl & ~(GRE_FLAG.C | GRE_FLAG.K | GRE_FLAG.S | 7) & 0xffff, protocol, checksum: csum, key, seq, payload: r.rest() };
}

/** Set `checksum: undefined` to have it computed (C set), `null` for none. */
export function encodeGre(w: Writer, h: GreHeader): void {
  const hasC = h.checksum !== null;
  if (h.reserved0 & (GRE_FLAG.C | GRE_FLAG.K | GRE_FLAG.S | 7)) throw new EncodeError('gre.reserved0', 'overlaps C, K, S or version bits');
  const at = w.length;
  w.u16(h.reserved0 | (hasC ? GRE_FLAG.C : 0) | (h.key !== null ? GRE_FLAG.K : 0) | (h.seq !== null ? GRE_FLAG.S : 0), 'gre.flags');
  w.u16(h.protocol, 'gre.protocol');
  if (hasC) w.u16(h.checksum ?? 0, 'gre.checksum').u16(0);
  if (h.key !== null) w.u32(h.key, 'gre.key');
  if (h.seq !== null) w.u32(h.seq, 'gre.seq');
  w.bytes(h.payload);
  if (hasC && h.checksum === undefined) w.set16(at + 4, checksum(w.view(at)));
}

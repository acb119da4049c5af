/**
 * Geneve (RFC 8926 §3.4): Ver (2 bits, must be 0), Opt Len (6 bits, in
 * 4-byte units), O (control packet) and C (critical options present)
 * flags, Protocol Type (0x6558 for Ethernet), 24-bit VNI, then the
 * variable-length options as TLVs (§3.5): Option Class (16), Type (8, its
 * top bit the critical bit), 3 reserved bits, Length (5 bits, data length
 * in 4-byte units) and data.
 *
 * Decoding refuses an unknown version (§3.4: "packets containing
 * unknown versions MUST be dropped"), an option area longer than the
 * packet and an option whose length overruns the option area.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';

export const GENEVE_HEADER_LEN = 8;
export const GENEVE_OPT_CRITICAL = 0x80;

export interface GeneveOption {
  readonly optClass: number;
  readonly type: number;
  /** The 3 reserved bits before Length (kept for exact round trips). */
  readonly flags: number;
  /** Length a multiple of 4, at most 124. */
  readonly data: Uint8Array;
}

export interface GeneveHeader {
  /** O: OAM/control packet. */
  readonly oam: boolean;
  /** C: critical options present. */
  readonly critical: boolean;
  /** Reserved 6 bits after the flags. */
  readonly reserved1: number;
  readonly protocol: number;
  readonly vni: number;
  readonly reserved2: number;
  readonly options: readonly GeneveOption[];
  readonly payload: Uint8Array;
}

export function decodeGeneve(r: Reader): GeneveHeader {
  const start = r.offset;
  r.need(GENEVE_HEADER_LEN, 'geneve', 'RFC 8926 §3.4');
  const b0 = r.u8('geneve.version');
  if (b0 >>> 6 !== 0) throw new DecodeError('geneve.version', start, `version ${b0 >>> 6}, expected 0`, 'RFC 8926 §3.4');
  const b1 = r.u8('geneve.flags');
  const protocol = r.u16('geneve.protocol');
  const vni = r.u24('geneve.vni');
  const reserved2 = r.u8('geneve.reserved');
  const opts = r.sub((b0 & 0x3f) * 4, 'geneve.opt_len', 'RFC 8926 §3.4');
  const options: GeneveOption[] = [];
  while (opts.remaining > 0) {
    opts.need(4, 'geneve.option', 'RFC 8926 §3.5');
    const optClass = opts.u16('geneve.option.class');
    const type = opts.u8('geneve.option.type');
    const fl = opts.u8('geneve.option.length');
    options.push({ optClass, type, flags: fl >>> 5, data: opts.bytes((fl & 0x1f) * 4, 'geneve.option.data', 'RFC 8926 §3.5') });
  }
  return { oam: (b1 & 0x80) !== 0, critical: (b1 & 0x40) !== 0, reserved1: b1 & 0x3f, protocol, vni, reserved2, options, payload: r.rest() };
}

export function encodeGeneve(w: Writer, h: GeneveHeader): void {
  let optLen = 0;
  for (const o of h.options) {
    if (o.data.length % 4 !== 0 || o.data.length > 124) throw new EncodeError('geneve.option.length', `data of ${o.data.length} bytes is not a multiple of 4 up to 124`);
    optLen += 4 + o.data.length;
  }
  if (optLen / 4 > 0x3f) throw new EncodeError('geneve.opt_len', `${optLen} bytes of options exceed 252`);
  w.u8(optLen / 4).u8((h.oam ? 0x80 : 0) | (h.critical ? 0x40 : 0) | (h.reserved1 & 0x3f));
  w.u16(h.protocol, 'geneve.protocol').u24(h.vni, 'geneve.vni').u8(h.reserved2, 'geneve.reserved');
  for (const o of h.options) {
    w.u16(o.optClass, 'geneve.option.class').u8(o.type, 'geneve.option.type').u8(((o.flags & 7) << 5) | (o.data.length / 4)).bytes(o.data);
  }
  w.bytes(h.payload);
}

/** A plain Geneve header carrying Ethernet for `vni`. */
export function geneveHeader(vni: number, payload: Uint8Array, options: readonly GeneveOption[] = []): GeneveHeader {
  return { oam: false, critical: options.some((o) => (o.type & GENEVE_OPT_CRITICAL) !== 0), reserved1: 0, protocol: 0x6558, vni, reserved2: 0, options, payload };
}

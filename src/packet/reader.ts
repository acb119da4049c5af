/**
 * Bounds-checked big-endian reads over a byte buffer (a Uint8Array or a
 * Node Buffer). A Reader is a window [offset, end) over a buffer it never
 * copies: `bytes()` and `sub()` return views into the same memory, so a
 * decoded payload aliases the frame it came from. Offsets are always
 * absolute positions in the underlying buffer, so errors raised deep inside
 * an encapsulated header still point at the right byte of the frame.
 *
 * Every read names the field it is reading; when the window is too short
 * the read raises DecodeError(field, offset) instead of returning garbage
 * or `undefined`. Codecs call `need(n, field, spec)` before a fixed-size
 * header so that the error cites the standard that fixes its length.
 */
import { DecodeError } from './errors.js';

export class Reader {
  /** Absolute position of the next read. */
  offset: number;
  /** Absolute end of the window (exclusive). */
  readonly end: number;

  constructor(readonly buf: Uint8Array, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) throw new RangeError(`bad reader window [${offset}, ${end}) over ${buf.length} bytes`);
    this.offset = offset;
    this.end = end;
  }

  /** Bytes left in the window. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, field: string, spec?: string): void {
    if (this.end - this.offset < n) {
      throw new DecodeError(field, this.offset, `need ${n} bytes, have ${this.end - this.offset}`, spec);
    }
  }

  u8(field: string): number {
    if (this.offset >= this.end) throw new DecodeError(field, this.offset, 'need 1 byte, have 0');
    return this.buf[this.offset++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const b = this.buf, o = this.offset;
    this.offset = o + 2;
    return (b[o]! << 8) | b[o + 1]!;
  }

  u24(field: string): number {
    this.need(3, field);
    const b = this.buf, o = this.offset;
    this.offset = o + 3;
    return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.buf, o = this.offset;
    this.offset = o + 4;
    return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  }

  /** A 48-bit value (a MAC address) as an exact number. */
  u48(field: string): number {
    this.need(6, field);
    const b = this.buf, o = this.offset;
    this.offset = o + 6;
    return ((b[o]! << 8) | b[o + 1]!) * 0x100000000 + (((b[o + 2]! << 24) >>> 0) + ((b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!));
  }

  u64(field: string): bigint {
    this.need(8, field);
    const hi = this.u32(field), lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A view of the next `n` bytes (no copy). */
  bytes(n: number, field: string, spec?: string): Uint8Array {
    this.need(n, field, spec);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A copy of the next `n` bytes, for values that must outlive the frame (IPv6 addresses). Never Buffer#slice, which is a view. */
  copy(n: number, field: string): Uint8Array {
    const out = new Uint8Array(n);
    out.set(this.bytes(n, field));
    return out;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.offset += n;
  }

  /** A reader over the next `n` bytes; this reader moves past them. */
  sub(n: number, field: string, spec?: string): Reader {
    this.need(n, field, spec);
    const r = new Reader(this.buf, this.offset, this.offset + n);
    this.offset += n;
    return r;
  }

  /** A view of everything left in the window; the reader moves to its end. */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.offset, this.end);
    this.offset = this.end;
    return v;
  }

  /** Peeks a big-endian u16 at `offset` bytes ahead without moving. */
  peek16(ahead: number, field: string): number {
    const o = this.offset + ahead;
    if (o + 2 > this.end) throw new DecodeError(field, o, `need 2 bytes, have ${Math.max(0, this.end - o)}`);
    return (this.buf[o]! << 8) | this.buf[o + 1]!;
  }
}

/** A reader over the whole of `bytes`. */
export function reader(bytes: Uint8Array): Reader {
  return new Reader(bytes, 0, bytes.length);
}

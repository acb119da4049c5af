/**
 * Big-endian writes into a growing byte buffer: the encoding half of the
 * codec pairs. Encoders append their header and then their payload; a
 * length or checksum that depends on what follows is written as a
 * placeholder and patched with `set16` once known. Values out of range for
 * their field raise EncodeError naming the field rather than being
 * silently truncated.
 */
import { EncodeError } from './errors.js';

export class Writer {
  private buf: Uint8Array;
  private len = 0;

  constructor(capacity = 128) {
    this.buf = new Uint8Array(capacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  /** Reserves `n` bytes and returns where they start. Callers must read `this.buf` only after calling it: it may reallocate. */
  private room(n: number): number {
    const at = this.len;
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
    }
    this.len = at + n;
    return at;
  }

  u8(v: number, field = 'u8'): this {
    check(v, 0xff, field);
    const o = this.room(1);
    this.buf[o] = v;
    return this;
  }

  u16(v: number, field = 'u16'): this {
    check(v, 0xffff, field);
    const o = this.room(2);
    this.buf[o] = v >>> 8;
    this.buf[o + 1] = v & 0xff;
    return this;
  }

  u24(v: number, field = 'u24'): this {
    check(v, 0xffffff, field);
    const o = this.room(3);
    this.buf[o] = v >>> 16;
    this.buf[o + 1] = (v >>> 8) & 0xff;
    this.buf[o + 2] = v & 0xff;
    return this;
  }

  u32(v: number, field = 'u32'): this {
    check(v, 0xffffffff, field);
    const o = this.room(4);
    this.buf[o] = v >>> 24;
    this.buf[o + 1] = (v >>> 16) & 0xff;
    this.buf[o + 2] = (v >>> 8) & 0xff;
    this.buf[o + 3] = v & 0xff;
    return this;
  }

  /** A 48-bit number (a MAC address). */
  u48(v: number, field = 'u48'): this {
    check(v, 0xffffffffffff, field);
    this.u16(Math.floor(v / 0x100000000), field);
    return this.u32(v % 0x100000000, field);
  }

  u64(v: bigint, field = 'u64'): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(field, `${v} does not fit in 64 bits`);
    this.u32(Number(v >> 32n), field);
    return this.u32(Number(v & 0xffffffffn), field);
  }

  bytes(b: Uint8Array): this {
    const o = this.room(b.length);
    this.buf.set(b, o);
    return this;
  }

  zeros(n: number): this {
    const o = this.room(n);
    this.buf.fill(0, o, this.len);
    return this;
  }

  /** Overwrites a u16 already written at absolute position `at` (lengths, checksums). */
  set16(at: number, v: number): this {
    if (at + 2 > this.len) throw new RangeError(`set16 at ${at} beyond ${this.len}`);
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
    return this;
  }

  set8(at: number, v: number): this {
    if (at >= this.len) throw new RangeError(`set8 at ${at} beyond ${this.len}`);
    this.buf[at] = v & 0xff;
    return this;
  }

  /** A view of bytes [from, to) written so far (for checksumming what was just written). */
  view(from = 0, to = this.len): Uint8Array {
    return this.buf.subarray(from, to);
  }

  /** The encoded bytes (a view of the internal buffer, trimmed). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function check(v: number, max: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(field, `${v} out of range 0..${max}`);
}

/** Runs an encoder into a fresh Writer and returns the bytes. */
export function encodeToBytes<T>(encode: (w: Writer, value: T) => void, value: T): Uint8Array {
  const w = new Writer();
  encode(w, value);
  return w.finish();
}

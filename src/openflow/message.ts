/**
 * OpenFlow messages as framed bytes: the 8-byte header (version, type,
 * length, xid), stream framing, and the extension envelopes the codecs
 * build on (Nicira vendor messages, 1.0 stats / 1.1+ multipart headers,
 * NX stats).
 *
 * Framing (`OfFramer`) is a small state machine over a byte stream: it
 * buffers until a whole message (by the header's length) is present and
 * yields it, so a message split across reads at any offset, or several
 * messages in one read, come out the same. A length below 8 cannot be
 * resynchronised; the framer reports it and the session closes the
 * connection, as OVS does.
 */
import { Reader } from '../packet/reader.js';
import { Writer } from '../packet/writer.js';
import { NX_VENDOR_ID, OFP10, OFP_HEADER_LEN, ONF_VENDOR_ID, type MsgName, msgName, msgType } from './constants.js';
import { OfError } from './errors.js';

export interface OfMessage {
  readonly version: number;
  readonly type: number;
  readonly xid: number;
  /** The whole message, header included. */
  readonly bytes: Uint8Array;
}

export function readHeader(b: Uint8Array): { version: number; type: number; length: number; xid: number } {
  const r = new Reader(b, 0, Math.min(b.length, OFP_HEADER_LEN));
  return { version: r.u8('ofp_header.version'), type: r.u8('ofp_header.type'), length: r.u16('ofp_header.length'), xid: r.u32('ofp_header.xid') };
}

export class OfFramer {
  private buf: Uint8Array = new Uint8Array(0);

  /** Appends received bytes; returns complete messages, or an error text when the stream is unusable. */
  push(chunk: Uint8Array): { messages: OfMessage[]; error: string | null } {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf); joined.set(chunk, this.buf.length);
    const messages: OfMessage[] = [];
    let off = 0;
    while (joined.length - off >= OFP_HEADER_LEN) {
      const len = (joined[off + 2]! << 8) | joined[off + 3]!;
      if (len < OFP_HEADER_LEN) {
        this.buf = new Uint8Array(0);
        return { messages, error: `received OpenFlow message with length ${len} < ${OFP_HEADER_LEN}` };
      }
      if (joined.length - off < len) break;
      const bytes = joined.slice(off, off + len);
      const h = readHeader(bytes);
      messages.push({ version: h.version, type: h.type, xid: h.xid, bytes });
      off += len;
    }
    this.buf = joined.slice(off);
    return { messages, error: null };
  }

  get pending(): number {
    return this.buf.length;
  }
}

/** Builds a message: writes the header, lets `body` append, then patches the length. */
export function buildMessage(version: number, type: number | MsgName, xid: number, body: (w: Writer) => void = () => {}): Uint8Array {
  const t = typeof type === 'number' ? type : msgType(version, type);
  const w = new Writer(64);
  w.u8(version).u8(t).u16(0).u32(xid >>> 0);
  body(w);
  if (w.length > 0xffff) throw new OfError('OFPBRC_BAD_LEN', `message of ${w.length} bytes`);
  w.set16(2, w.length);
  return w.finish().slice();
}

/** A reader over the body (after the 8-byte header). */
export function bodyReader(m: OfMessage): Reader {
  return new Reader(m.bytes, OFP_HEADER_LEN, m.bytes.length);
}

export function nameOf(m: OfMessage): MsgName | undefined {
  return msgName(m.version, m.type);
}

// ---- vendor (experimenter) messages ----

export interface VendorHeader { readonly vendor: number; readonly subtype: number; readonly body: Reader }

/** Splits a VENDOR/EXPERIMENTER message into vendor, subtype and a reader over the rest. */
export function vendorOf(m: OfMessage): VendorHeader {
  const r = bodyReader(m);
  if (r.remaining < 8) throw new OfError('OFPBRC_BAD_LEN', 'vendor message too short');
  const vendor = r.u32('vendor');
  const subtype = r.u32('subtype');
  return { vendor, subtype, body: r };
}

export function buildNx(version: number, xid: number, subtype: number, body: (w: Writer) => void = () => {}): Uint8Array {
  return buildMessage(version, 'VENDOR', xid, (w) => { w.u32(NX_VENDOR_ID).u32(subtype); body(w); });
}

export function buildOnf(version: number, xid: number, subtype: number, body: (w: Writer) => void = () => {}): Uint8Array {
  return buildMessage(version, 'VENDOR', xid, (w) => { w.u32(ONF_VENDOR_ID).u32(subtype); body(w); });
}

// ---- stats / multipart ----

export interface StatsHeader {
  readonly type: number;
  readonly flags: number;
  /** For vendor stats (type 0xffff): vendor and subtype. */
  readonly vendor: number;
  readonly subtype: number;
  readonly body: Reader;
}

export const OFPSF_REPLY_MORE = 1;

/** Parses a STATS/MULTIPART request or reply header. */
export function statsOf(m: OfMessage): StatsHeader {
  const r = bodyReader(m);
  const need = m.version === OFP10 ? 4 : 8;
  if (r.remaining < need) throw new OfError('OFPBRC_BAD_LEN', 'stats message too short');
  const type = r.u16('stats.type');
  const flags = r.u16('stats.flags');
  if (m.version !== OFP10) r.skip(4, 'stats.pad');
  let vendor = 0, subtype = 0;
  if (type === 0xffff) {
    if (r.remaining < 8) throw new OfError('OFPBRC_BAD_LEN', 'vendor stats too short');
    vendor = r.u32('stats.vendor');
    subtype = r.u32('stats.subtype');
    if (m.version === OFP10 && vendor === NX_VENDOR_ID) {
      if (r.remaining < 4) throw new OfError('OFPBRC_BAD_LEN');
      r.skip(4, 'nx_stats.pad');
    }
  }
  return { type, flags, vendor, subtype, body: r };
}

/** Starts a stats/multipart message body: type, flags (and pad in 1.1+). */
export function statsHeader(w: Writer, version: number, type: number, flags = 0): void {
  w.u16(type).u16(flags);
  if (version !== OFP10) w.zeros(4);
}

export function nxStatsHeader(w: Writer, version: number, subtype: number, flags = 0): void {
  statsHeader(w, version, 0xffff, flags);
  w.u32(NX_VENDOR_ID).u32(subtype);
  if (version === OFP10) w.zeros(4);
}

export { Reader, Writer };

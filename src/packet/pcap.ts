/**
 * Classic libpcap capture files (the format tcpdump reads and OVS's
 * netdev-dummy writes for `options:pcap`, `rx_pcap`, `tx_pcap`).
 *
 * File header (24 bytes): magic, version 2.4, thiszone, sigfigs, snaplen,
 * linktype (1 = Ethernet). The magic gives the byte order and the
 * timestamp resolution: 0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds,
 * in either byte order (read as d4c3b2a1 / 4d3cb2a1 when swapped). Each
 * record: seconds, fraction (µs or ns), captured length, original length,
 * then the captured bytes.
 *
 * Reading tolerates a truncated last record (a writer still appending, or
 * one killed mid-write): complete records are returned and `consumed`
 * says where the incomplete one starts, so a follower can read the rest
 * later. A captured length over 256 KiB is refused as corrupt, as
 * libpcap does for lengths far beyond any snaplen.
 *
 * Writing appends each record with one synchronous write, so a reader
 * (or a test) sees it at once: the "immediate flush" OVS does with
 * fflush after every packet. Files are written in host order with
 * microsecond timestamps unless `nanos` is set.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { DecodeError } from './errors.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
const MAX_RECORD = 256 * 1024;

export interface PcapFileHeader {
  readonly littleEndian: boolean;
  readonly nanos: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  readonly linktype: number;
}

export interface PcapRecord {
  readonly seconds: number;
  /** Microseconds, or nanoseconds in a nanosecond file. */
  readonly fraction: number;
  readonly origLen: number;
  readonly data: Uint8Array;
}

export interface PcapContents {
  readonly header: PcapFileHeader;
  readonly records: PcapRecord[];
  /** Bytes of whole records read, header included. */
  readonly consumed: number;
  /** True if bytes after `consumed` form an incomplete record. */
  readonly truncated: boolean;
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function decodePcapHeader(buf: Uint8Array): PcapFileHeader {
  if (buf.length < PCAP_HEADER_LEN) throw new DecodeError('pcap.header', 0, `need ${PCAP_HEADER_LEN} bytes, have ${buf.length}`, 'pcap-savefile(5)');
  const v = dv(buf);
  const be = v.getUint32(0, false);
  let littleEndian: boolean, nanos: boolean;
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) { littleEndian = false; nanos = be === PCAP_MAGIC_NS; }
  else {
    const le = v.getUint32(0, true);
    if (le !== PCAP_MAGIC_US && le !== PCAP_MAGIC_NS) throw new DecodeError('pcap.magic', 0, `bad magic 0x${be.toString(16)}`, 'pcap-savefile(5)');
    littleEndian = true; nanos = le === PCAP_MAGIC_NS;
  }
  return {
    littleEndian, nanos,
    versionMajor: v.getUint16(4, littleEndian), versionMinor: v.getUint16(6, littleEndian),
    snaplen: v.getUint32(16, littleEndian), linktype: v.getUint32(20, littleEndian),
  };
}

/** Decodes a whole capture; record data are views into `buf`. */
export function decodePcap(buf: Uint8Array): PcapContents {
  const header = decodePcapHeader(buf);
  const v = dv(buf), le = header.littleEndian;
  const records: PcapRecord[] = [];
  let o = PCAP_HEADER_LEN;
  while (o + PCAP_RECORD_HEADER_LEN <= buf.length) {
    const capLen = v.getUint32(o + 8, le);
    if (capLen > MAX_RECORD) throw new DecodeError('pcap.record.caplen', o + 8, `captured length ${capLen} is not plausible`, 'pcap-savefile(5)');
    if (o + PCAP_RECORD_HEADER_LEN + capLen > buf.length) break;
    records.push({
      seconds: v.getUint32(o, le), fraction: v.getUint32(o + 4, le), origLen: v.getUint32(o + 12, le),
      data: buf.subarray(o + PCAP_RECORD_HEADER_LEN, o + PCAP_RECORD_HEADER_LEN + capLen),
    });
    o += PCAP_RECORD_HEADER_LEN + capLen;
  }
  return { header, records, consumed: o, truncated: o < buf.length };
}

export interface PcapHeaderOptions {
  readonly nanos?: boolean;
  readonly snaplen?: number;
  readonly linktype?: number;
  /** Default: host order (little-endian here). */
  readonly littleEndian?: boolean;
}

export function encodePcapHeader(opts: PcapHeaderOptions = {}): Uint8Array {
  const b = new Uint8Array(PCAP_HEADER_LEN), v = dv(b), le = opts.littleEndian ?? true;
  v.setUint32(0, opts.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, opts.snaplen ?? 262144, le);
  v.setUint32(20, opts.linktype ?? LINKTYPE_ETHERNET, le);
  return b;
}

export function encodePcapRecord(rec: PcapRecord, littleEndian = true): Uint8Array {
  const b = new Uint8Array(PCAP_RECORD_HEADER_LEN + rec.data.length), v = dv(b);
  v.setUint32(0, rec.seconds, littleEndian);
  v.setUint32(4, rec.fraction, littleEndian);
  v.setUint32(8, rec.data.length, littleEndian);
  v.setUint32(12, rec.origLen, littleEndian);
  b.set(rec.data, PCAP_RECORD_HEADER_LEN);
  return b;
}

/** Splits a time in milliseconds into pcap seconds and fraction. */
export function pcapTime(ms: number, nanos: boolean): { seconds: number; fraction: number } {
  const seconds = Math.floor(ms / 1000);
  const rem = ms - seconds * 1000;
  return { seconds, fraction: Math.floor(nanos ? rem * 1e6 : rem * 1e3) };
}

/** An open capture file that frames are appended to, each write reaching the file at once. */
export class PcapWriter {
  private fd: number | null;
  private readonly nanos: boolean;

  private constructor(fd: number, nanos: boolean) {
    this.fd = fd;
    this.nanos = nanos;
  }

  /** Creates (truncating) `path` and writes the file header. */
  static create(path: string, opts: PcapHeaderOptions = {}): PcapWriter {
    const fd = openSync(path, 'w');
    writeSync(fd, encodePcapHeader({ ...opts, littleEndian: true }));
    return new PcapWriter(fd, opts.nanos ?? false);
  }

  /**
   * Opens `path` for appending: an existing capture keeps its records (its
   * header must be host-order, as this writer's are); a missing or empty
   * file gets a header.
   */
  static append(path: string, opts: PcapHeaderOptions = {}): PcapWriter {
    let existing: Uint8Array | null = null;
    try { existing = readFileSync(path); } catch { existing = null; }
    if (!existing || existing.length === 0) return PcapWriter.create(path, opts);
    const h = decodePcapHeader(existing);
    if (!h.littleEndian) throw new DecodeError('pcap.magic', 0, 'cannot append to a big-endian capture');
    return new PcapWriter(openSync(path, 'a'), h.nanos);
  }

  /** Appends one frame, stamped with `timeMs` (milliseconds since the epoch, or the switch clock). */
  write(frame: Uint8Array, timeMs: number): void {
    if (this.fd === null) throw new Error('pcap writer is closed');
    const t = pcapTime(timeMs, this.nanos);
    writeSync(this.fd, encodePcapRecord({ seconds: t.seconds, fraction: t.fraction, origLen: frame.length, data: frame }));
  }

  close(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
  }
}

/** Reads a capture file, tolerating a truncated last record. */
export function readPcapFile(path: string): PcapContents {
  return decodePcap(readFileSync(path));
}

/**
 * TCP segment headers (RFC 9293 §3.1): ports, sequence and
 * acknowledgement numbers, data offset, the 12 flag bits OVS matches as
 * tcp_flags (3 reserved bits, then NS, CWR, ECE, URG, ACK, PSH, RST, SYN,
 * FIN; NS from RFC 3540, CWR/ECE from RFC 3168), window, checksum, urgent
 * pointer, options and data.
 *
 * Data Offset must be at least 5 and the header it implies must have been
 * received. The checksum covers the pseudo-header; encoding computes it
 * when not given, and then needs the pseudo-header.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';
import { IP_PROTO } from './types.js';
import { l4Checksum, type Pseudo } from './l4sum.js';

export const TCP_MIN_HEADER_LEN = 20;
export const TCP_FLAG = {
  FIN: 0x001, SYN: 0x002, RST: 0x004, PSH: 0x008, ACK: 0x010, URG: 0x020, ECE: 0x040, CWR: 0x080, NS: 0x100,
} as const;

export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** 12 bits. */
  readonly flags: number;
  readonly window: number;
  readonly checksum?: number;
  readonly urgent: number;
  /** Option bytes, length a multiple of 4, at most 40. */
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
}

export function decodeTcp(r: Reader): TcpSegment {
  const start = r.offset;
  r.need(TCP_MIN_HEADER_LEN, 'tcp', 'RFC 9293 §3.1');
  const srcPort = r.u16('tcp.src');
  const dstPort = r.u16('tcp.dst');
  const seq = r.u32('tcp.seq');
  const ack = r.u32('tcp.ack');
  const off = r.u16('tcp.data_offset');
  const hlen = (off >>> 12) * 4;
  if (hlen < TCP_MIN_HEADER_LEN) throw new DecodeError('tcp.data_offset', start + 12, `data offset ${off >>> 12} below 5`, 'RFC 9293 §3.1');
  const window = r.u16('tcp.window');
  const csum = r.u16('tcp.checksum');
  const urgent = r.u16('tcp.urgent');
  const options = r.bytes(hlen - TCP_MIN_HEADER_LEN, 'tcp.options', 'RFC 9293 §3.1');
  return { srcPort, dstPort, seq, ack, flags: off & 0xfff, window, checksum: csum, urgent, options, payload: r.rest() };
}

export function encodeTcp(w: Writer, s: TcpSegment, pseudo?: Pseudo): void {
  if (s.options.length % 4 !== 0 || s.options.length > 40) throw new EncodeError('tcp.options', `length ${s.options.length} is not a multiple of 4 up to 40`);
  if (s.flags > 0xfff) throw new EncodeError('tcp.flags', `${s.flags} exceeds 12 bits`);
  const at = w.length;
  const hlen = TCP_MIN_HEADER_LEN + s.options.length;
  w.u16(s.srcPort, 'tcp.src').u16(s.dstPort, 'tcp.dst').u32(s.seq, 'tcp.seq').u32(s.ack, 'tcp.ack');
  w.u16(((hlen / 4) << 12) | s.flags).u16(s.window, 'tcp.window').u16(s.checksum ?? 0, 'tcp.checksum').u16(s.urgent, 'tcp.urgent');
  w.bytes(s.options).bytes(s.payload);
  if (s.checksum === undefined) {
    if (!pseudo) throw new EncodeError('tcp.checksum', 'computing the checksum needs the pseudo-header');
    w.set16(at + 16, l4Checksum(pseudo, IP_PROTO.TCP, w.view(at)));
  }
}

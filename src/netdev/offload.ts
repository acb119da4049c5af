/**
 * Segmentation offload bookkeeping.
 *
 * Real devices hand the switch TCP super-segments (up to 64 KiB, from TSO on
 * veths and TAPs) with the segment size the sender chose. Forwarding one
 * super-segment instead of ~45 wire frames is most of the data plane's TCP
 * speed, so frames stay whole through the pipeline: the receiving netdev
 * records the segment size here, and the transmitting netdev either passes
 * the frame on whole (devices with vnet headers: the kernel or the peer cuts
 * it) or cuts it in software (`segmentForWire`: dummy ports, tunnels).
 *
 * A frame that the pipeline rebuilt (a VLAN tag pushed or popped makes a new
 * Buffer) loses its entry; its segment size is then derived from the output
 * MTU and the frame's own headers, which yields segments no larger than the
 * wire allows.
 */
import { tryNativeIo } from './native.js';

const gsoSizes = new WeakMap<Buffer, number>();

export function markGso(frame: Buffer, gsoSize: number): void {
  gsoSizes.set(frame, gsoSize);
}

/** Bytes of Ethernet (with tags), IP and TCP/UDP headers, or -1 if not TCP/UDP over IP. */
export function headerLength(f: Buffer): number {
  let off = 12;
  if (f.length < 14) return -1;
  let type = f.readUInt16BE(off);
  off += 2;
  while (type === 0x8100 || type === 0x88a8) {
    if (f.length < off + 4) return -1;
    type = f.readUInt16BE(off + 2);
    off += 4;
  }
  let proto: number;
  if (type === 0x0800) {
    if (f.length < off + 20) return -1;
    proto = f[off + 9]!;
    off += (f[off]! & 15) * 4;
  } else if (type === 0x86dd) {
    if (f.length < off + 40) return -1;
    proto = f[off + 6]!;
    off += 40;
  } else {
    return -1;
  }
  if (proto === 6) {
    if (f.length < off + 20) return -1;
    return off + (f[off + 12]! >> 4) * 4;
  }
  if (proto === 17) return off + 8;
  return -1;
}

/**
 * The segment size to use for `frame` on a device with `mtu`, or 0 when the
 * frame fits the wire as it is. -1: oversized and not segmentable.
 */
export function gsoSizeFor(frame: Buffer, mtu: number): number {
  // The frame's L2 header (14, or 18 with one tag) is not part of the MTU.
  if (frame.length <= mtu + 18) return 0;
  const known = gsoSizes.get(frame);
  const hdr = headerLength(frame);
  if (hdr < 0) return -1;
  // A UDP datagram is cut only if it arrived as a UDP super-segment: an oversized tunnel packet
  // (VXLAN/Geneve over UDP) must be dropped, not cut across its headers.
  if (known === undefined && isUdp(frame)) return -1;
  const l2 = frame.readUInt16BE(12) === 0x8100 ? 18 : 14;
  const fit = mtu - (hdr - l2);
  if (fit <= 0) return -1;
  return known !== undefined && known > 0 ? Math.min(known, fit) : fit;
}

/** The wire frames for `frame` on a device of `mtu` (the frame itself when it fits). */
export function segmentForWire(frame: Buffer, mtu: number): Buffer[] {
  const g = gsoSizeFor(frame, mtu);
  if (g === 0) return [frame];
  if (g < 0) return [];
  const io = tryNativeIo();
  if (!io) return [];
  return io.segment(frame, g);
}

function isUdp(f: Buffer): boolean {
  let off = 12;
  let type = f.readUInt16BE(off);
  while ((type === 0x8100 || type === 0x88a8) && f.length >= off + 8) { off += 4; type = f.readUInt16BE(off); }
  if (type === 0x0800) return f[off + 2 + 9] === 17;
  if (type === 0x86dd) return f[off + 2 + 6] === 17;
  return false;
}

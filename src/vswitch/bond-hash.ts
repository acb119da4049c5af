/**
 * The hash functions and hash-table iteration order through which Open
 * vSwitch's bonds become observable, reproduced so Weft's output matches
 * it: `bond/hash` prints a bucket number, the balance-slb bucket of a frame
 * is its hash, and `bond/show`/`bond/list` list bonds in the iteration order
 * of a chained hash table keyed by the bond's name.
 *
 * The hashes are the portable (non-SSE4.2) variant of OVS's lib/hash.h, a
 * MurmurHash3-style mix over 32-bit words, which is what a generic x86-64
 * build of OVS uses. Words are read from memory in little-endian order, so
 * fields stored in network order (IPv4 addresses, L4 ports) enter the hash
 * byte-swapped, exactly as the C code reads them.
 */

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Mixes one 32-bit word into `hash` (a zero word leaves only the rotation and multiply). */
export function hashAdd(hash: number, data: number): number {
  let h = hash >>> 0;
  let d = data >>> 0;
  if (d !== 0) {
    d = Math.imul(d, 0xcc9e2d51) >>> 0;
    d = rotl(d, 15);
    d = Math.imul(d, 0x1b873593) >>> 0;
    h = (h ^ d) >>> 0;
  }
  h = rotl(h, 13);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

/** Final avalanche, after folding in `final` (usually the byte count hashed). */
export function hashFinish(hash: number, final: number): number {
  let h = (hash ^ final) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** hash_int: one word with a basis. */
export function hashInt(x: number, basis: number): number {
  return hashFinish(hashAdd(hashAdd(x, 0), basis), 8);
}

/** The balance-slb hash of a source MAC in a VLAN (OVS hash_mac): the 64-bit word VLAN<<48 | MAC. */
export function hashMac(mac: number, vlan: number, basis: number): number {
  const lo = mac % 2 ** 32;
  const hi = (Math.floor(mac / 2 ** 32) | ((vlan & 0xffff) << 16)) >>> 0;
  return hashFinish(hashAdd(hashAdd(basis, lo), hi), 8);
}

/** hash_string: the bytes of `s` as little-endian words, the tail zero-padded. */
export function hashString(s: string, basis = 0): number {
  const b = Buffer.from(s, 'utf8');
  let h = basis >>> 0;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) h = hashAdd(h, b.readUInt32LE(i));
  if (i < b.length) {
    let tail = 0;
    for (let j = b.length - 1; j >= i; j--) tail = (tail * 256 + b[j]!) >>> 0;
    h = hashAdd(h, tail);
  }
  return hashFinish(h, b.length);
}

function swap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function swap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >> 8) & 0xff);
}

/** The fields of a flow the L3/L4 hash reads (as Weft's flow key holds them). */
export interface FiveTuple {
  readonly dl_type?: number;
  readonly nw_src?: number;
  readonly nw_dst?: number;
  /** IPv6 addresses, network byte order. */
  readonly ipv6_src?: Uint8Array;
  readonly ipv6_dst?: Uint8Array;
  readonly nw_proto?: number;
  readonly tp_src?: number;
  readonly tp_dst?: number;
}

/** Adds an address's bytes as the 32-bit words a little-endian machine reads from memory. */
function hashAddBytes(h: number, b: Uint8Array | undefined): number {
  for (let i = 0; i < 16; i += 4) {
    const w = b && b.length >= i + 4 ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0 : 0;
    h = hashAdd(h, w);
  }
  return h;
}

/**
 * flow_hash_5tuple: addresses (IPv4 and ARP, or IPv6), protocol and (for
 * TCP, UDP, SCTP, ICMP, ICMPv6) both ports in one word; other frames hash
 * the basis alone.
 */
export function hash5Tuple(f: FiveTuple, basis: number): number {
  let h = basis >>> 0;
  const v6 = f.dl_type === 0x86dd;
  if (v6 || f.dl_type === 0x0800 || f.dl_type === 0x0806) {
    if (v6) {
      h = hashAddBytes(h, f.ipv6_src);
      h = hashAddBytes(h, f.ipv6_dst);
    } else {
      h = hashAdd(h, swap32(f.nw_src ?? 0));
      h = hashAdd(h, swap32(f.nw_dst ?? 0));
    }
    const proto = f.nw_proto ?? 0;
    h = hashAdd(h, proto);
    if (proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58) {
      h = hashAdd(h, (swap16(f.tp_src ?? 0) | (swap16(f.tp_dst ?? 0) << 16)) >>> 0);
    }
  }
  return hashFinish(h, 42);
}

/**
 * Iteration order of an OVS `hmap` (chained buckets, new nodes at the head
 * of their bucket, doubling when there are more than two nodes per bucket,
 * never shrinking on removal), for tables whose order shows in output.
 */
export class HashOrder<T> {
  private buckets: { hash: number; item: T }[][] = [[]];
  private mask = 0;
  private n = 0;

  insert(item: T, hash: number): void {
    this.buckets[hash & this.mask]!.unshift({ hash, item });
    this.n++;
    if (Math.floor(this.n / 2) > this.mask) {
      const mask = calcMask(this.n);
      if (mask > this.mask) this.resize(mask);
    }
  }

  remove(item: T): void {
    for (const b of this.buckets) {
      const i = b.findIndex((x) => x.item === item);
      if (i >= 0) { b.splice(i, 1); this.n--; return; }
    }
  }

  *[Symbol.iterator](): Generator<T> {
    for (const b of this.buckets) for (const x of b) yield x.item;
  }

  private resize(mask: number): void {
    const next: { hash: number; item: T }[][] = Array.from({ length: mask + 1 }, () => []);
    for (const b of this.buckets) for (const x of b) next[x.hash & mask]!.unshift(x);
    this.buckets = next;
    this.mask = mask;
  }
}

function calcMask(capacity: number): number {
  let m = Math.floor(capacity / 2);
  m |= m >>> 1; m |= m >>> 2; m |= m >>> 4; m |= m >>> 8; m |= m >>> 16;
  return m | ((m & 1) << 1);
}

/**
 * Branded number spaces of the packet layer, and their text forms.
 *
 * - `Mac` is a 48-bit number, not a string: MAC learning hashes a MAC per
 *   packet, and a number is read from the frame with two loads, hashes
 *   without allocating, and compares with `===`. Text is canonical
 *   lowercase "aa:bb:cc:dd:ee:ff" (formatMac), as OVS prints it.
 * - `Ipv4` is an unsigned 32-bit number (host order: 10.0.0.1 = 0x0a000001).
 * - `Ipv6` is 16 bytes (a Uint8Array of its own, never a view into a frame),
 *   printed per RFC 5952.
 * - `Vid` is a VLAN ID, 0..4095 (IEEE 802.1Q §9.6); `EthType` a 16-bit
 *   EtherType (values below 0x0600 are 802.3 lengths, IEEE 802.3 §3.2.6).
 *
 * Parse at the edge (parseMac, parseIpv4, parseIpv6 return null on bad
 * text), trust inside. The `as*` functions brand a number after checking
 * its range; codecs brand what they read directly.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type Mac = Brand<number, 'Mac'>;
export type Vid = Brand<number, 'Vid'>;
export type EthType = Brand<number, 'EthType'>;
export type Ipv4 = Brand<number, 'Ipv4'>;
export type Ipv6 = Brand<Uint8Array, 'Ipv6'>;

export const MAC_BROADCAST = 0xffffffffffff as Mac;
export const MAC_ZERO = 0 as Mac;

export const ETH_TYPE = {
  IPV4: 0x0800 as EthType,
  ARP: 0x0806 as EthType,
  RARP: 0x8035 as EthType,
  VLAN: 0x8100 as EthType,
  QINQ: 0x88a8 as EthType,
  IPV6: 0x86dd as EthType,
  LACP: 0x8809 as EthType,
  MPLS: 0x8847 as EthType,
  MPLS_MCAST: 0x8848 as EthType,
  TEB: 0x6558 as EthType,
  /** OVS's dl_type for 802.3 frames without SNAP (FLOW_DL_TYPE_NONE). */
  NONE: 0x05ff as EthType,
  /** Smallest EtherType; smaller values are 802.3 length fields. */
  MIN: 0x0600 as EthType,
} as const;

export const IP_PROTO = {
  HOPOPTS: 0, ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, ROUTING: 43, FRAGMENT: 44, GRE: 47,
  ESP: 50, AH: 51, ICMPV6: 58, NONXT: 59, DSTOPTS: 60, SCTP: 132, MOBILITY: 135,
} as const;

export function asMac(n: number): Mac {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffffffff) throw new RangeError(`not a MAC: ${n}`);
  return n as Mac;
}

export function asVid(n: number): Vid {
  if (!Number.isInteger(n) || n < 0 || n > 4095) throw new RangeError(`VLAN ID ${n} out of range 0..4095`);
  return n as Vid;
}

export function asEthType(n: number): EthType {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`EtherType ${n} out of range`);
  return n as EthType;
}

export function asIpv4(n: number): Ipv4 {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not an IPv4 address: ${n}`);
  return n as Ipv4;
}

export function asIpv6(b: Uint8Array): Ipv6 {
  if (b.length !== 16) throw new RangeError(`IPv6 address needs 16 bytes, got ${b.length}`);
  return b as Ipv6;
}

// ---- MAC ----

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function formatMac(mac: number): string {
  const hi = Math.floor(mac / 0x100000000), lo = mac >>> 0;
  return `${HEX2[hi >>> 8]}:${HEX2[hi & 0xff]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 0xff]}:${HEX2[(lo >>> 8) & 0xff]}:${HEX2[lo & 0xff]}`;
}

const MAC_RE = /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})$/;

/** "50:54:00:00:00:01" (one or two hex digits per octet, as OVS accepts) → Mac, or null. */
export function parseMac(s: string): Mac | null {
  const m = MAC_RE.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i]!, 16);
  return v as Mac;
}

export function macFromBytes(b: Uint8Array, off = 0): Mac {
  return (((b[off]! << 8) | b[off + 1]!) * 0x100000000 + (((b[off + 2]! << 24) >>> 0) + ((b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!))) as Mac;
}

export function macToBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  const hi = Math.floor(mac / 0x100000000), lo = mac >>> 0;
  b[0] = hi >>> 8; b[1] = hi; b[2] = lo >>> 24; b[3] = lo >>> 16; b[4] = lo >>> 8; b[5] = lo;
  return b;
}

/** Group bit (IEEE 802 §8.2): the least significant bit of the first octet. */
export function isMulticastMac(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 1) === 1;
}

// ---- IPv4 ----

export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Dotted quad, each part decimal 0..255 → Ipv4, or null. */
export function parseIpv4(s: string): Ipv4 | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v as Ipv4;
}

export function ipv4FromBytes(b: Uint8Array, off = 0): Ipv4 {
  return (((b[off]! << 24) >>> 0) + ((b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!)) as Ipv4;
}

/** The netmask with the top `bits` bits set (0..32). */
export function ipv4PrefixMask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Prefix length of a CIDR mask, or -1 if the mask's ones are not contiguous from the top. */
export function ipv4MaskPrefix(mask: number): number {
  const inv = (~mask) >>> 0;
  if ((inv & (inv + 1)) !== 0) return -1;
  return Math.clz32(inv);
}

// ---- IPv6 ----

export const IPV6_ZERO: Ipv6 = new Uint8Array(16) as Ipv6;

export function ipv6FromBytes(b: Uint8Array, off = 0): Ipv6 {
  const out = new Uint8Array(16);
  out.set(b.subarray(off, off + 16));
  return out as Ipv6;
}

/** Text form → Ipv6 (RFC 4291 §2.2, including "::" and a trailing dotted quad), or null. */
export function parseIpv6(s: string): Ipv6 | null {
  if (s.length === 0 || s.length > 45) return null;
  const out = new Uint8Array(16);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === null) return null;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        groups.push(parseInt(g, 16));
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  const groups = halves.length === 1 ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) { out[2 * i] = groups[i]! >>> 8; out[2 * i + 1] = groups[i]! & 0xff; }
  return out as Ipv6;
}

/**
 * RFC 5952 §4: lowercase, no leading zeros, the longest run (the first on a
 * tie) of two or more zero groups as "::". An address whose first 96 bits
 * are ::ffff:0:0/96 or ::/96 (but not :: or ::1-style short forms) ends in a
 * dotted quad (§5), exactly as glibc's inet_ntop, and so OVS, prints it.
 */
export function formatIpv6(a: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((a[2 * i]! << 8) | a[2 * i + 1]!);
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  if (bestAt === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

export function ipv6PrefixMask(bits: number): Ipv6 {
  const m = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const b = Math.max(0, Math.min(8, bits - 8 * i));
    m[i] = b === 0 ? 0 : (0xff << (8 - b)) & 0xff;
  }
  return m as Ipv6;
}

/** Prefix length of a CIDR mask, or -1 if not contiguous. */
export function ipv6MaskPrefix(mask: Uint8Array): number {
  let bits = 0, i = 0;
  for (; i < 16 && mask[i] === 0xff; i++) bits += 8;
  if (i < 16) {
    const b = mask[i]!;
    const ones = Math.clz32(~(b << 24));
    if (((b << ones) & 0xff) !== 0) return -1;
    bits += ones;
    for (i++; i < 16; i++) if (mask[i] !== 0) return -1;
  }
  return bits;
}

/** Byte-for-byte equality of two arrays of any length. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function ipv6Equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function ipv6IsZero(a: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== 0) return false;
  return true;
}

export function ipv6And(a: Uint8Array, m: Uint8Array): Ipv6 {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = a[i]! & m[i]!;
  return out as Ipv6;
}

/**
 * IPv4 and IPv6 addresses and prefixes as (version, bigint) pairs, parsed
 * strictly and printed canonically (dotted quad; RFC 5952 for IPv6: lower
 * case, longest run of two or more zero groups compressed, first on ties),
 * which is how Neutron stores and returns them. One representation for both
 * families keeps IPAM's range arithmetic a single code path.
 */

export type IpVersion = 4 | 6;

export interface IpAddr {
  readonly version: IpVersion;
  readonly value: bigint;
}

export interface Cidr {
  readonly version: IpVersion;
  /** The network address (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

export function bitsOf(v: IpVersion): number {
  return BITS[v];
}

function parse4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parse6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return null;
  let tail4: bigint | null = null;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tail4 = parse4(s.slice(lastColon + 1));
    if (tail4 === null) return null;
    text = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return null;
  const groupsOf = (t: string): string[] | null => (t === '' ? [] : t.split(':'));
  let groups: string[];
  if (dbl >= 0) {
    const head = groupsOf(text.slice(0, dbl)), tail = groupsOf(text.slice(dbl + 2));
    if (!head || !tail) return null;
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  } else {
    groups = text.split(':');
  }
  if (groups.length !== 8) return null;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== null) v = (v & ~0xffffffffn) | tail4;
  return v;
}

/** Parses an IPv4 or IPv6 address; null if it is not one. */
export function parseIp(s: unknown): IpAddr | null {
  if (typeof s !== 'string') return null;
  if (s.includes(':')) {
    const v = parse6(s);
    return v === null ? null : { version: 6, value: v };
  }
  const v = parse4(s);
  return v === null ? null : { version: 4, value: v };
}

export function formatIp(a: IpAddr): string {
  return a.version === 4 ? format4(a.value) : format6(a.value);
}

function format4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

function format6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Canonical text of an address given as text; null if invalid. */
export function normalizeIp(s: unknown): string | null {
  const a = parseIp(s);
  return a ? formatIp(a) : null;
}

export function maskOf(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/**
 * Parses "ADDR/PREFIX". With `strict`, host bits must be zero (Neutron
 * refuses "10.0.0.5/24" as a subnet cidr); otherwise they are cleared.
 */
export function parseCidr(s: unknown, strict = true): Cidr | null {
  if (typeof s !== 'string') return null;
  const slash = s.indexOf('/');
  const addr = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!addr) return null;
  let prefix = BITS[addr.version];
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > BITS[addr.version]) return null;
  }
  const network = addr.value & maskOf(addr.version, prefix);
  if (strict && network !== addr.value) return null;
  return { version: addr.version, network, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ version: c.version, value: c.network })}/${c.prefix}`;
}

export function lastOf(c: Cidr): bigint {
  return c.network | (((1n << BigInt(BITS[c.version])) - 1n) ^ maskOf(c.version, c.prefix));
}

export function cidrContains(c: Cidr, a: IpAddr): boolean {
  return a.version === c.version && (a.value & maskOf(c.version, c.prefix)) === c.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = maskOf(a.version, p);
  return (a.network & m) === (b.network & m);
}

/** The address at `value` in the family of `c`, as text. */
export function ipText(version: IpVersion, value: bigint): string {
  return formatIp({ version, value });
}

/** EUI-64 interface identifier from a MAC (RFC 4291 appendix A), for SLAAC addresses. */
export function eui64(prefix: Cidr, mac: string): bigint {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const iid = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  let v = 0n;
  for (const x of iid) v = (v << 8n) | BigInt(x);
  return prefix.network | v;
}

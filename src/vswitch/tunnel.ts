/**
 * Userspace tunnelling (after OVS's "native tunnelling"): VXLAN ports,
 * the routing table that says which bridge owns the way to a remote VTEP
 * (`ovs/route/add`), the neighbour table that gives the next hop's MAC
 * (`tnl/neigh/set`, learned from ARP replies), and the encapsulation /
 * decapsulation of frames.
 *
 * Encapsulation: a frame output to a tunnel port gets outer Ethernet
 * (neighbour MAC <- underlay bridge MAC), IPv4 (local -> remote, TTL 64, DF,
 * valid checksum), UDP (source port from a hash of the inner flow, so ECMP
 * spreads flows; destination 4789 or dst_port; checksum 0) and VXLAN (I flag,
 * VNI) headers, then enters the underlay bridge as if its own port had sent
 * it. With no neighbour entry, an ARP request for the remote goes out of the
 * underlay bridge instead and the frame is dropped, as in OVS.
 *
 * Decapsulation: a VXLAN packet addressed to a local VTEP address that the
 * underlay bridge would deliver to its own port is decapsulated instead, and
 * enters the overlay bridge on the tunnel port whose remote_ip is the outer
 * source and whose key is the VNI (or `flow`); none matching is a drop.
 */
export interface TunnelConfig {
  readonly type: 'vxlan' | 'geneve' | 'gre';
  readonly remoteIp: number | 'flow';
  readonly localIp: number | null;
  readonly inKey: number | 'flow';
  readonly outKey: number | 'flow';
  readonly dstPort: number;
  readonly ttl: number;
  readonly tos: number;
  readonly dfDefault: boolean;
  /** `csum=true`: UDP checksums (VXLAN, Geneve) or the GRE checksum are filled in. */
  readonly csum: boolean;
  /** GRE carries a key field only when a key is configured. */
  readonly hasKey: boolean;
  /** Options as dpif/show prints them. */
  readonly display: string;
}

export const TUNNEL_TYPES = new Set(['vxlan', 'geneve', 'gre']);
const DEFAULT_PORTS: Record<string, number> = { vxlan: 4789, geneve: 6081, gre: 0 };

export function parseIpv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function formatIpv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

function parseKey(v: string | undefined): number | 'flow' | null {
  if (v === undefined) return 0;
  if (v === 'flow') return 'flow';
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n < 2 ** 32 ? n : null;
}

/** Validates a tunnel interface's options; returns the config or OVS's error text. */
export function parseTunnel(name: string, type: string, options: ReadonlyMap<string, string>): TunnelConfig | string {
  const t = type as TunnelConfig['type'];
  const remote = options.get('remote_ip');
  const remoteIp = remote === 'flow' ? 'flow' : remote ? parseIpv4(remote) : null;
  if (remoteIp === null) return `${name}: ${type} type requires valid 'remote_ip' argument`;
  const local = options.get('local_ip');
  const localIp = local ? parseIpv4(local) : null;
  if (local && localIp === null) return `${name}: ${type} type requires valid 'local_ip' argument`;
  const key = options.get('key');
  const inKey = parseKey(options.get('in_key') ?? key), outKey = parseKey(options.get('out_key') ?? key);
  if (inKey === null || outKey === null) return `${name}: ${type} type requires valid 'key' argument`;
  const dstPort = options.has('dst_port') ? Number(options.get('dst_port')) : DEFAULT_PORTS[t]!;
  if (!Number.isInteger(dstPort) || dstPort < 0 || dstPort > 65535) return `${name}: ${type} type requires valid 'dst_port' argument`;
  const known = new Set(['remote_ip', 'local_ip', 'key', 'in_key', 'out_key', 'dst_port', 'ttl', 'tos', 'df_default', 'csum', 'packet_type', 'exts', 'egress_pkt_mark']);
  for (const k of options.keys()) if (!known.has(k)) return `${name}: ${type} type does not support '${k}' option`;
  // dpif/show shows options sorted, in_key+out_key as key, df_default=true omitted.
  const shown: [string, string][] = [];
  if (options.has('dst_port')) shown.push(['dst_port', String(dstPort)]);
  if (inKey === outKey) { if (key !== undefined || options.has('in_key')) shown.push(['key', String(inKey)]); }
  else { shown.push(['in_key', String(inKey)], ['out_key', String(outKey)]); }
  if (local) shown.push(['local_ip', local]);
  shown.push(['remote_ip', remote!]);
  for (const k of ['tos', 'ttl', 'csum']) if (options.has(k)) shown.push([k, options.get(k)!]);
  if (options.get('df_default') === 'false') shown.push(['df_default', 'false']);
  shown.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    type: t, remoteIp, localIp, inKey, outKey, dstPort,
    ttl: Number(options.get('ttl') ?? 64) || 64,
    tos: Number(options.get('tos') ?? 0) || 0,
    dfDefault: options.get('df_default') !== 'false',
    csum: options.get('csum') === 'true',
    hasKey: options.has('key') || options.has('out_key'),
    display: `${type}: ${shown.map(([k, v]) => `${k}=${v}`).join(', ')}`,
  };
}

// ----------------------------------------------------------- routes and neighbours

/**
 * A route of the userspace routing table. "User" routes come from
 * `ovs/route/add`, "Cached" ones from the host. The source address is fixed
 * when the route is added: the bridge's address whose subnet holds the
 * destination (else the gateway), longest mask first; a route with neither
 * cannot be added, as in ovs-vswitchd.
 */
export interface Route {
  prefix: number;
  len: number;
  bridge: string;
  src: number | null;
  /** Next hop; null when the destination is on the link. */
  gw?: number | null;
  /** Packet mark the route applies to (0: unmarked packets). */
  mark?: number;
  cached?: boolean;
}

/** A neighbour (tnl/neigh): the MAC of an IP address as seen from one bridge. */
export interface Neighbour {
  readonly ip: number;
  readonly mac: number;
  readonly bridge: string;
  /** When it goes stale (ms, the switch clock), unless used or seen again. */
  expires: number;
}

/** Default idle time of a neighbour entry (OVS: 15 minutes), and the largest `tnl/neigh/aging` accepts. */
export const NEIGH_DEFAULT_AGING_MS = 15 * 60 * 1000;
export const NEIGH_MAX_AGING_S = 3600;

function maskOf(len: number): number {
  return len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
}

/**
 * The neighbour table, keyed by (bridge, IP) as OVS keys it: the same
 * address may be known on two bridges with different MACs. Entries age
 * out `aging` ms after they were last set or used; an expired entry is
 * never used and is removed on the next `expire()`.
 */
export class NeighbourTable {
  private readonly entries = new Map<string, Neighbour>();
  aging = NEIGH_DEFAULT_AGING_MS;

  constructor(
    private readonly now: () => number,
    /** Where the switch would route `ip`: the bridge and the next hop (for `get`). */
    private readonly nextHop: (ip: number) => { bridge: string; ip: number } | null,
  ) {}

  /** Records (or refreshes) `ip` -> `mac` on `bridge`; returns whether anything changed. */
  set(bridge: string, ip: number, mac: number): boolean {
    const k = `${bridge}|${ip}`;
    const cur = this.entries.get(k);
    const expires = this.now() + this.aging;
    if (cur && cur.mac === mac && cur.expires > this.now()) { cur.expires = expires; return false; }
    this.entries.set(k, { ip, mac, bridge, expires });
    return true;
  }

  /** The live entry for `ip` on `bridge`; using it keeps it fresh. */
  find(bridge: string, ip: number): Neighbour | undefined {
    const e = this.entries.get(`${bridge}|${ip}`);
    if (!e || e.expires <= this.now()) return undefined;
    e.expires = this.now() + this.aging;
    return e;
  }

  /** The neighbour through which `ip` is reached: the next hop's entry on the bridge the route names. */
  get(ip: number): Neighbour | undefined {
    const hop = this.nextHop(ip);
    return hop ? this.find(hop.bridge, hop.ip) : undefined;
  }

  /** `tnl/neigh/aging SECS`: entries due later than the new aging time are brought forward. */
  setAging(ms: number): void {
    this.aging = ms;
    const limit = this.now() + ms;
    for (const e of this.entries.values()) if (e.expires > limit) e.expires = limit;
  }

  /** Removes expired entries; returns whether any went. */
  expire(): boolean {
    let gone = false;
    for (const [k, e] of this.entries) if (e.expires <= this.now()) { this.entries.delete(k); gone = true; }
    return gone;
  }

  clear(): boolean {
    const had = this.entries.size > 0;
    this.entries.clear();
    return had;
  }

  get size(): number {
    return this.entries.size;
  }

  /** `tnl/neigh/show`: IP padded to 46 columns, MAC, three spaces, bridge; " STALE" when expired. */
  show(formatMac: (m: number) => string): string {
    const lines = [
      'IP                                            MAC                 Bridge',
      '=========================================================================='];
    const sorted = [...this.entries.values()].sort((a, b) => a.ip - b.ip || (a.bridge < b.bridge ? -1 : 1));
    for (const e of sorted) {
      lines.push(`${formatIpv4(e.ip).padEnd(46)}${formatMac(e.mac)}   ${e.bridge}${e.expires <= this.now() ? ' STALE' : ''}`);
    }
    return lines.join('\n') + '\n';
  }
}

export class TunnelTables {
  /** Routes added with `ovs/route/add` ("User:") and learned from the host ("Cached:"). */
  readonly routes: Route[] = [];
  /** Bridge-owned addresses (netdev-dummy/ip4addr, or the host's addresses on a bridge's internal ports), by bridge. */
  readonly addrs = new Map<string, { ip: number; len: number; cached?: boolean }[]>();
  readonly neigh: NeighbourTable;

  constructor(now: () => number = () => Date.now()) {
    this.neigh = new NeighbourTable(now, (ip) => {
      const r = this.lookup(ip);
      return r ? { bridge: r.bridge, ip: r.gw ?? ip } : null;
    });
  }

  /**
   * Replaces what was learned from the host: the IPv4 addresses on each
   * bridge's internal ports and their connected routes, as ovs-vswitchd
   * caches the kernel's. Returns whether anything changed.
   */
  setHostAddresses(byBridge: ReadonlyMap<string, readonly { ip: number; len: number }[]>): boolean {
    const before = JSON.stringify([...this.addrs].map(([b, l]) => [b, l.filter((a) => a.cached)]));
    for (const [b, list] of this.addrs) {
      const keep = list.filter((a) => !a.cached);
      if (keep.length) this.addrs.set(b, keep); else this.addrs.delete(b);
    }
    for (let i = this.routes.length - 1; i >= 0; i--) if (this.routes[i]!.cached) this.routes.splice(i, 1);
    for (const [bridge, list] of byBridge) {
      for (const { ip, len } of list) {
        const cur = this.addrs.get(bridge) ?? [];
        if (!cur.some((a) => a.ip === ip)) cur.push({ ip, len, cached: true });
        this.addrs.set(bridge, cur);
        const prefix = (ip & maskOf(len)) >>> 0;
        if (!this.routes.some((r) => r.prefix === prefix && r.len === len)) this.routes.push({ prefix, len, bridge, src: ip, cached: true });
        // The address itself, as the kernel's local table holds it.
        if (len < 32 && !this.routes.some((r) => r.prefix === ip && r.len === 32)) this.routes.push({ prefix: ip, len: 32, bridge, src: ip, cached: true });
      }
    }
    return before !== JSON.stringify([...this.addrs].map(([b, l]) => [b, l.filter((a) => a.cached)]));
  }

  addAddress(bridge: string, ip: number, len: number): void {
    const list = this.addrs.get(bridge) ?? [];
    if (!list.some((a) => a.ip === ip)) list.push({ ip, len });
    this.addrs.set(bridge, list);
  }

  ownsAddress(bridge: string, ip: number): boolean {
    return (this.addrs.get(bridge) ?? []).some((a) => a.ip === ip);
  }

  /** The bridge's address whose subnet holds `dst`, the longest mask winning; null if none does. */
  sourceFor(bridge: string, dst: number): number | null {
    let best: { ip: number; len: number } | null = null;
    for (const a of this.addrs.get(bridge) ?? []) {
      const m = maskOf(a.len);
      if (((dst & m) >>> 0) === ((a.ip & m) >>> 0) && (!best || a.len > best.len)) best = a;
    }
    return best ? best.ip : null;
  }

  /**
   * Adds (or replaces) a user route. The source is `src` when given, else
   * the bridge's address on the destination's subnet, else on the
   * gateway's; false (nothing added) when there is none.
   */
  addRoute(prefix: number, len: number, bridge: string, src: number | null, gw: number | null = null, mark = 0): boolean {
    const masked = (prefix & maskOf(len)) >>> 0;
    const source = src ?? this.sourceFor(bridge, masked) ?? (gw !== null ? this.sourceFor(bridge, gw) : null);
    if (source === null) return false;
    const r: Route = { prefix: masked, len, bridge, src: source, gw, mark };
    const i = this.routes.findIndex((x) => x.prefix === masked && x.len === len && (x.mark ?? 0) === mark && !x.cached);
    if (i >= 0) this.routes[i] = r; else this.routes.push(r);
    return true;
  }

  /** Removes the user route for exactly this prefix and mark; false if there is none. */
  delRoute(prefix: number, len: number, mark = 0): boolean {
    const masked = (prefix & maskOf(len)) >>> 0;
    const i = this.routes.findIndex((x) => x.prefix === masked && x.len === len && (x.mark ?? 0) === mark && !x.cached);
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  /** Longest-prefix match among the routes for `mark` (user routes before cached ones of the same length). */
  lookup(dst: number, mark = 0): { bridge: string; src: number; gw: number | null } | null {
    let best: Route | null = null;
    for (const r of this.routes) {
      if ((r.mark ?? 0) !== mark || ((dst & maskOf(r.len)) >>> 0) !== r.prefix) continue;
      if (!best || r.len > best.len || (r.len === best.len && best.cached && !r.cached)) best = r;
    }
    if (!best) return null;
    const src = best.src ?? this.sourceFor(best.bridge, dst) ?? this.addrs.get(best.bridge)?.[0]?.ip ?? null;
    return src === null ? null : { bridge: best.bridge, src, gw: best.gw ?? null };
  }

  routeShow(): string {
    const lines = ['Route Table:'];
    const prio = (r: Route): number => r.len + (r.cached ? 0 : 32);
    for (const r of [...this.routes].sort((a, b) => prio(b) - prio(a) || a.prefix - b.prefix)) {
      const src = r.src ?? this.sourceFor(r.bridge, r.prefix) ?? this.addrs.get(r.bridge)?.[0]?.ip;
      const local = r.cached && r.len === 32;
      lines.push(`${r.cached ? 'Cached' : 'User'}: ${formatIpv4(r.prefix)}/${r.len}${r.mark ? ` MARK ${r.mark}` : ''} dev ${r.bridge}` +
        `${r.gw != null ? ` GW ${formatIpv4(r.gw)}` : ''}${src !== undefined ? ` SRC ${formatIpv4(src)}` : ''}${local ? ' local' : ''}`);
    }
    return lines.join('\n') + '\n';
  }

  neighShow(formatMac: (m: number) => string): string {
    return this.neigh.show(formatMac);
  }
}

// ----------------------------------------------------------------- packets

function ipChecksum(b: Buffer, off: number, len: number): number {
  let sum = 0;
  for (let i = off; i < off + len; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface EncapParams {
  dstMac: number; srcMac: number; src: number; dst: number; vni: number;
  udpSrc: number; udpDst: number; ttl: number; tos: number; df: boolean;
  /** Defaults: VXLAN, no checksum, key present. */
  type?: 'vxlan' | 'geneve' | 'gre';
  csum?: boolean;
  hasKey?: boolean;
}

let ipId = 0;

const ETH_P_TEB = 0x6558;   // Transparent Ethernet Bridging: Ethernet inside Geneve and GRE

/** Bytes of tunnel header after the outer IPv4 header (UDP + VXLAN/Geneve, or GRE). */
function tunnelHeaderLength(p: EncapParams): number {
  switch (p.type ?? 'vxlan') {
    case 'vxlan': case 'geneve': return 16;
    case 'gre': return 4 + (p.csum ? 4 : 0) + (p.hasKey !== false ? 4 : 0);
  }
}

/** Folds a ones'-complement sum over `b[off, off+len)` into `sum`. */
function sumWords(b: Buffer, off: number, len: number, sum = 0): number {
  let i = off;
  for (; i + 1 < off + len; i += 2) sum += b.readUInt16BE(i);
  if (i < off + len) sum += b[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Wraps `inner` in outer Ethernet/IPv4 and the tunnel's header: UDP + VXLAN
 * (RFC 7348 §5: I flag, VNI), UDP + Geneve (RFC 8926 §3: version 0, no
 * options, protocol 0x6558, VNI) or GRE (RFC 2784/2890: C and K bits as
 * configured, protocol 0x6558, the key).
 */
export function tunnelEncap(inner: Buffer, p: EncapParams): Buffer {
  const type = p.type ?? 'vxlan';
  const th = tunnelHeaderLength(p);
  const out = Buffer.alloc(34 + th + inner.length);
  out.writeUIntBE(p.dstMac, 0, 6);
  out.writeUIntBE(p.srcMac, 6, 6);
  out.writeUInt16BE(0x0800, 12);
  const ip = 14;
  out[ip] = 0x45;
  out[ip + 1] = p.tos;
  out.writeUInt16BE(20 + th + inner.length, ip + 2);
  out.writeUInt16BE(ipId = (ipId + 1) & 0xffff, ip + 4);
  out.writeUInt16BE(p.df ? 0x4000 : 0, ip + 6);
  out[ip + 8] = p.ttl;
  out[ip + 9] = type === 'gre' ? 47 : 17;
  out.writeUInt32BE(p.src >>> 0, ip + 12);
  out.writeUInt32BE(p.dst >>> 0, ip + 16);
  out.writeUInt16BE(ipChecksum(out, ip, 20), ip + 10);
  const l4 = ip + 20;
  inner.copy(out, 34 + th);
  if (type === 'gre') {
    let o = l4 + 4;
    out.writeUInt16BE((p.csum ? 0x8000 : 0) | (p.hasKey !== false ? 0x2000 : 0), l4);
    out.writeUInt16BE(ETH_P_TEB, l4 + 2);
    const csumAt = p.csum ? o : -1;
    if (p.csum) o += 4;
    if (p.hasKey !== false) { out.writeUInt32BE(p.vni >>> 0, o); o += 4; }
    if (csumAt >= 0) out.writeUInt16BE(fold(sumWords(out, l4, out.length - l4)), csumAt);
    return out;
  }
  out.writeUInt16BE(p.udpSrc, l4);
  out.writeUInt16BE(p.udpDst, l4 + 2);
  out.writeUInt16BE(8 + 8 + inner.length, l4 + 4);
  if (type === 'vxlan') {
    out.writeUInt32BE(0x08000000, l4 + 8);
  } else {
    out.writeUInt16BE(0, l4 + 8);              // version 0, no options, O=0, C=0
    out.writeUInt16BE(ETH_P_TEB, l4 + 10);
  }
  out.writeUInt32BE(((p.vni & 0xffffff) << 8) >>> 0, l4 + 12);
  if (p.csum) {
    const udpLen = out.length - l4;
    let sum = sumWords(out, ip + 12, 8) + 17 + udpLen;
    sum = sumWords(out, l4, udpLen, sum);
    const c = fold(sum);
    out.writeUInt16BE(c === 0 ? 0xffff : c, l4 + 6);
  }
  return out;
}

/** VXLAN encapsulation (kept for callers that know no other tunnel). */
export function vxlanEncap(inner: Buffer, p: EncapParams): Buffer {
  return tunnelEncap(inner, { ...p, type: 'vxlan' });
}

export interface Decapsulated { inner: Buffer; vni: number; src: number; dst: number; udpDst: number; type: 'vxlan' | 'geneve' | 'gre' }

/** Well-known UDP ports: a packet to 6081 is read as Geneve, anything else over UDP as VXLAN. */
export const GENEVE_PORT = 6081;

/**
 * Parses an Ethernet/IPv4 tunnel packet: UDP + VXLAN or Geneve (by the
 * destination port: Geneve's `geneveUdpPorts`), or GRE carrying Ethernet;
 * null if it is none of them or is malformed. Geneve options are skipped
 * (no TLV map is configured, as OVS ignores them then).
 */
export function tunnelDecap(f: Buffer, geneveUdpPorts: ReadonlySet<number> = new Set([GENEVE_PORT])): Decapsulated | null {
  if (f.length < 34 || f.readUInt16BE(12) !== 0x0800) return null;
  const ihl = (f[14]! & 0x0f) * 4;
  if ((f[14]! >> 4) !== 4 || ihl < 20 || f.length < 14 + ihl + 4) return null;
  const l4 = 14 + ihl;
  const src = f.readUInt32BE(26), dst = f.readUInt32BE(30);
  if (f[23] === 47) {
    const flags = f.readUInt16BE(l4);
    if ((flags & 0x4fff) !== 0 || f.readUInt16BE(l4 + 2) !== ETH_P_TEB) return null;   // routing bits, version 0 only
    let o = l4 + 4;
    if (flags & 0x8000) o += 4;
    let key = 0;
    if (flags & 0x2000) { if (f.length < o + 4) return null; key = f.readUInt32BE(o); o += 4; }
    if (flags & 0x1000) o += 4;
    if (f.length < o + 14) return null;
    return { inner: f.subarray(o), vni: key >>> 0, src, dst, udpDst: 0, type: 'gre' };
  }
  if (f[23] !== 17 || f.length < l4 + 16) return null;
  const udpDst = f.readUInt16BE(l4 + 2);
  if (geneveUdpPorts.has(udpDst)) {
    const b0 = f[l4 + 8]!;
    if (b0 >> 6 !== 0 || f.readUInt16BE(l4 + 10) !== ETH_P_TEB) return null;
    const optLen = (b0 & 0x3f) * 4;
    if (f.length < l4 + 16 + optLen + 14) return null;
    return { inner: f.subarray(l4 + 16 + optLen), vni: f.readUInt32BE(l4 + 12) >>> 8, src, dst, udpDst, type: 'geneve' };
  }
  if (!(f.readUInt32BE(l4 + 8) & 0x08000000)) return null;     // I flag: VNI valid
  return { inner: f.subarray(l4 + 16), vni: f.readUInt32BE(l4 + 12) >>> 8, src, dst, udpDst, type: 'vxlan' };
}

/** Parses an Ethernet/IPv4/UDP/VXLAN packet; null if it is not one (RFC 7348 §5). */
export function vxlanDecap(f: Buffer): Decapsulated | null {
  const d = tunnelDecap(f, new Set());
  return d && d.type === 'vxlan' ? d : null;
}

/** An ARP request "who-has target tell src" from `mac` (RFC 826). */
export function arpRequest(mac: number, src: number, target: number): Buffer {
  const f = Buffer.alloc(42);
  f.writeUIntBE(0xffffffffffff, 0, 6);
  f.writeUIntBE(mac, 6, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); f.writeUInt16BE(0x0800, 16); f[18] = 6; f[19] = 4;
  f.writeUInt16BE(1, 20);
  f.writeUIntBE(mac, 22, 6);
  f.writeUInt32BE(src >>> 0, 28);
  f.writeUInt32BE(target >>> 0, 38);
  return f;
}

/** If `f` is an ARP reply (or request), its sender's IP and MAC. */
/** The sender (and target address) of an untagged Ethernet/IPv4 ARP frame. */
export function arpSender(f: Buffer): { ip: number; mac: number; op: number; target: number } | null {
  if (f.length < 42 || f.readUInt16BE(12) !== 0x0806 || f.readUInt16BE(16) !== 0x0800 || f[18] !== 6 || f[19] !== 4) return null;
  return { op: f.readUInt16BE(20), mac: f.readUIntBE(22, 6), ip: f.readUInt32BE(28), target: f.readUInt32BE(38) };
}

export function udpSourcePort(hash: number): number {
  // RFC 7348 §5: a hash of the inner frame in the dynamic range 49152-65535.
  return 49152 + (hash % 16384);
}

/**
 * The ovs-ofctl flow-match syntax (ovs-fields(7), ovs-ofctl(8) "Flow
 * Syntax"): parse `tcp,in_port=1,nw_src=10.0.0.0/8,tp_dst=80` into a Match
 * and format a Match back exactly as `ovs-ofctl dump-flows` and
 * `ovs-ofctl -F nxm parse-flow` print it (OVS's match_format: field order,
 * protocol shorthands, dl_vlan/dl_vlan_pcp vs vlan_tci, CIDR masks, hex
 * registers, tcp_flags names).
 *
 * Parsing follows OVS's rules, errors in its words:
 * - `key=value` pairs separated by commas or spaces; a bare protocol name
 *   (ip, ipv6, tcp, udp6, arp, ...) sets dl_type and nw_proto; later
 *   settings override earlier ones.
 * - Integers are C-style (0x hex, leading-0 octal, decimal) and may carry
 *   `/mask`; a value wider than its field is an error ("value too large
 *   for 2-byte field tcp_dst"). Fields that OVS cannot mask accept only an
 *   all-ones mask.
 * - Aliases map to one flow field: arp_spa/nw_src, icmp_type/tp_src,
 *   nd_sll/arp_sha, ip_dscp and nw_ecn are bits of nw_tos, dl_vlan and
 *   dl_vlan_pcp bits of vlan_tci (with the tag-present bit 0x1000).
 * - in_port takes a number, a reserved name (LOCAL, NORMAL, ...), or a
 *   port name resolved by the caller's `portByName`.
 * - Keywords that are not match fields (priority, actions, cookie...)
 *   are offered to `onOther`; without it they are errors.
 * Parsing does not apply prerequisites; `normalizeMatch` (match.ts) drops
 * the fields whose prerequisites are missing, as OVS does on flow_mod.
 *
 * `parseFlow` is the exact form `ofproto/trace` takes: no masks, every
 * unmentioned field zero, prerequisites enforced. `formatFlow` prints a
 * key as ofproto/trace's "Flow:" line.
 */
import {
  type Mac, formatIpv4, formatIpv6, formatMac, ipv4MaskPrefix, ipv4PrefixMask, ipv6MaskPrefix, ipv6PrefixMask,
  parseIpv4, parseIpv6, parseMac,
} from './types.js';
import { type FlowField, type FlowKey, newFlowKey } from './flow.js';
import {
  type Match, emptyMatch, exactMask, isExactMask, isZeroValue, matchForPacket, matchMask, matchValue,
  setMatchField,
} from './match.js';
import { PORT_NAMES, portFromName } from './ports.js';

export class FlowSyntaxError extends Error {
  override readonly name = 'FlowSyntaxError';
}

export interface ParseMatchOptions {
  /** Resolves a port name used in in_port; undefined if unknown. */
  readonly portByName?: (name: string) => number | undefined;
  /** Consumes a keyword that is not a match field (priority=, actions=...); return false to reject it. */
  readonly onOther?: (key: string, value: string | null) => boolean;
}

export interface FormatMatchOptions {
  /** Shown as `priority=N,` first unless it is the default 32768. */
  readonly priority?: number;
  /** Names a port number for in_port, or undefined to print the number. */
  readonly portName?: (port: number) => string | undefined;
}

type Kind = 'int' | 'mac' | 'ipv4' | 'ipv6' | 'port' | 'special';

interface FieldSpec {
  readonly field: FlowField;
  readonly kind: Kind;
  /** Name used in error messages (OVS's canonical name). */
  readonly canon: string;
  /** Byte width for "value too large" checks. */
  readonly bytes: number;
  readonly maskable: boolean;
}

const S = (field: FlowField, kind: Kind, canon: string, bytes: number, maskable: boolean): FieldSpec => ({ field, kind, canon, bytes, maskable });

const FIELDS: Record<string, FieldSpec> = {
  in_port: S('in_port', 'port', 'in_port', 2, false),
  dl_src: S('dl_src', 'mac', 'eth_src', 6, true), eth_src: S('dl_src', 'mac', 'eth_src', 6, true),
  dl_dst: S('dl_dst', 'mac', 'eth_dst', 6, true), eth_dst: S('dl_dst', 'mac', 'eth_dst', 6, true),
  dl_type: S('dl_type', 'int', 'eth_type', 2, false), eth_type: S('dl_type', 'int', 'eth_type', 2, false),
  vlan_tci: S('vlan_tci', 'int', 'vlan_tci', 2, true),
  nw_src: S('nw_src', 'ipv4', 'ip_src', 4, true), ip_src: S('nw_src', 'ipv4', 'ip_src', 4, true),
  nw_dst: S('nw_dst', 'ipv4', 'ip_dst', 4, true), ip_dst: S('nw_dst', 'ipv4', 'ip_dst', 4, true),
  arp_spa: S('nw_src', 'ipv4', 'arp_spa', 4, true), arp_tpa: S('nw_dst', 'ipv4', 'arp_tpa', 4, true),
  arp_sha: S('arp_sha', 'mac', 'arp_sha', 6, true), arp_tha: S('arp_tha', 'mac', 'arp_tha', 6, true),
  nd_sll: S('arp_sha', 'mac', 'nd_sll', 6, true), nd_tll: S('arp_tha', 'mac', 'nd_tll', 6, true),
  arp_op: S('nw_proto', 'int', 'arp_op', 2, false),
  nw_proto: S('nw_proto', 'int', 'nw_proto', 1, false), ip_proto: S('nw_proto', 'int', 'nw_proto', 1, false),
  nw_ttl: S('nw_ttl', 'int', 'nw_ttl', 1, false),
  ipv6_src: S('ipv6_src', 'ipv6', 'ipv6_src', 16, true), ipv6_dst: S('ipv6_dst', 'ipv6', 'ipv6_dst', 16, true),
  ipv6_label: S('ipv6_label', 'int', 'ipv6_label', 4, true),
  nd_target: S('nd_target', 'ipv6', 'nd_target', 16, true),
  tp_src: S('tp_src', 'int', 'tcp_src', 2, true), tcp_src: S('tp_src', 'int', 'tcp_src', 2, true),
  tp_dst: S('tp_dst', 'int', 'tcp_dst', 2, true), tcp_dst: S('tp_dst', 'int', 'tcp_dst', 2, true),
  udp_src: S('tp_src', 'int', 'udp_src', 2, true), udp_dst: S('tp_dst', 'int', 'udp_dst', 2, true),
  sctp_src: S('tp_src', 'int', 'sctp_src', 2, true), sctp_dst: S('tp_dst', 'int', 'sctp_dst', 2, true),
  icmp_type: S('tp_src', 'int', 'icmp_type', 1, false), icmp_code: S('tp_dst', 'int', 'icmp_code', 1, false),
  icmpv6_type: S('tp_src', 'int', 'icmpv6_type', 1, false), icmpv6_code: S('tp_dst', 'int', 'icmpv6_code', 1, false),
  tun_id: S('tun_id', 'int', 'tun_id', 8, true), tunnel_id: S('tun_id', 'int', 'tun_id', 8, true),
  tun_src: S('tun_src', 'ipv4', 'tun_src', 4, true), tun_dst: S('tun_dst', 'ipv4', 'tun_dst', 4, true),
  tun_ipv6_src: S('tun_ipv6_src', 'ipv6', 'tun_ipv6_src', 16, true), tun_ipv6_dst: S('tun_ipv6_dst', 'ipv6', 'tun_ipv6_dst', 16, true),
  tun_tos: S('tun_tos', 'int', 'tun_tos', 1, false), tun_ttl: S('tun_ttl', 'int', 'tun_ttl', 1, false),
  metadata: S('metadata', 'int', 'metadata', 8, true),
  pkt_mark: S('pkt_mark', 'int', 'pkt_mark', 4, true),
  // Bits of other fields, handled in parseSpecial.
  dl_vlan: S('vlan_tci', 'special', 'dl_vlan', 2, false), dl_vlan_pcp: S('vlan_tci', 'special', 'dl_vlan_pcp', 1, false),
  vlan_vid: S('vlan_tci', 'special', 'vlan_vid', 2, true), vlan_pcp: S('vlan_tci', 'special', 'vlan_pcp', 1, false),
  nw_tos: S('nw_tos', 'special', 'nw_tos', 1, false), ip_dscp: S('nw_tos', 'special', 'ip_dscp', 1, false),
  nw_ecn: S('nw_tos', 'special', 'nw_ecn', 1, false), ip_ecn: S('nw_tos', 'special', 'nw_ecn', 1, false),
  nw_frag: S('nw_frag', 'special', 'ip_frag', 1, true), ip_frag: S('nw_frag', 'special', 'ip_frag', 1, true),
  tcp_flags: S('tcp_flags', 'special', 'tcp_flags', 2, true),
};
for (let i = 0; i < 16; i++) FIELDS[`reg${i}`] = S(`reg${i}` as FlowField, 'int', `reg${i}`, 4, true);

/** Protocol shorthands (OVS ofp_parse_protocol): dl_type and nw_proto. */
export const PROTOCOLS: Readonly<Record<string, readonly [number, number]>> = {
  ip: [0x0800, 0], ipv4: [0x0800, 0], ip4: [0x0800, 0], arp: [0x0806, 0], rarp: [0x8035, 0],
  icmp: [0x0800, 1], tcp: [0x0800, 6], udp: [0x0800, 17], sctp: [0x0800, 132],
  ipv6: [0x86dd, 0], ip6: [0x86dd, 0], icmp6: [0x86dd, 58], tcp6: [0x86dd, 6], udp6: [0x86dd, 17], sctp6: [0x86dd, 132],
  mpls: [0x8847, 0], mplsm: [0x8848, 0],
};

const TCP_FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns', '[200]', '[400]', '[800]'];
const FRAG_VALUES: Record<string, readonly [number, number]> = {
  no: [0, 3], yes: [1, 1], first: [1, 3], later: [3, 3], not_later: [0, 2],
};

/** C-style unsigned integer (strtoull base 0) as a bigint, or null. */
function parseCInt(s: string): bigint | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return BigInt(s);
  if (/^0[0-7]*$/.test(s)) return s.length > 1 ? BigInt('0o' + s.slice(1)) : 0n;
  if (/^[1-9][0-9]*$/.test(s)) return BigInt(s);
  return null;
}

function splitMask(s: string): [string, string | null] {
  const i = s.indexOf('/');
  return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)];
}

function intValue(spec: FieldSpec, s: string): [bigint, bigint | null] {
  const [v, m] = splitMask(s);
  const value = parseCInt(v);
  const mask = m === null ? null : parseCInt(m);
  if (value === null || (m !== null && mask === null)) throw new FlowSyntaxError(`${s}: invalid value for field ${spec.canon}`);
  const max = (1n << BigInt(8 * spec.bytes)) - 1n;
  if (value > max || (mask !== null && mask > max)) throw new FlowSyntaxError(`${s}: value too large for ${spec.bytes}-byte field ${spec.canon}`);
  return [value, mask];
}

function checkMask(spec: FieldSpec, s: string, mask: unknown): void {
  if (!spec.maskable && mask !== null && !isExactMask(spec.field, mask)) throw new FlowSyntaxError(`${s}: invalid mask for field ${spec.canon}`);
}

function parseIpv4Masked(s: string): [number, number] {
  const [a, m] = splitMask(s);
  const ip = parseIpv4(a);
  if (ip === null) throw new FlowSyntaxError(`${s}: invalid IP address`);
  if (m === null) return [ip, 0xffffffff];
  if (/^\d+$/.test(m)) {
    const bits = Number(m);
    if (bits > 32) throw new FlowSyntaxError(`${s}: IPv4 network prefix bits not between 0 and 32, inclusive`);
    return [ip, ipv4PrefixMask(bits)];
  }
  const mask = parseIpv4(m);
  if (mask === null) throw new FlowSyntaxError(`${s}: invalid IP address`);
  return [ip, mask];
}

function parseIpv6Masked(s: string): [Uint8Array, Uint8Array] {
  const [a, m] = splitMask(s);
  const ip = parseIpv6(a);
  if (ip === null) throw new FlowSyntaxError(`${s}: invalid IPv6 address`);
  if (m === null) return [ip, ipv6PrefixMask(128)];
  if (/^\d+$/.test(m)) {
    const bits = Number(m);
    if (bits > 128) throw new FlowSyntaxError(`${s}: IPv6 network prefix bits not between 0 and 128, inclusive`);
    return [ip, ipv6PrefixMask(bits)];
  }
  const mask = parseIpv6(m);
  if (mask === null) throw new FlowSyntaxError(`${s}: invalid IPv6 address`);
  return [ip, mask];
}

function parseMacMasked(s: string): [Mac, Mac] {
  const [a, m] = splitMask(s);
  const mac = parseMac(a);
  const mask = m === null ? 0xffffffffffff as Mac : parseMac(m);
  if (mac === null || mask === null) throw new FlowSyntaxError(`${s}: invalid Ethernet address`);
  return [mac, mask];
}

function parsePort(s: string, opts: ParseMatchOptions): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n <= 0xffff) return n;
  }
  const named = portFromName(s) ?? opts.portByName?.(s);
  if (named === undefined) throw new FlowSyntaxError(`${s}: invalid or unknown port for in_port`);
  return named;
}

function parseTcpFlags(s: string): [number, number] {
  const bad = () => new FlowSyntaxError(`${s}: unknown TCP flag(s)`);
  const numeric = /^(0[xX][0-9a-fA-F]+|\d+)\/(0[xX][0-9a-fA-F]+|\d+)$/.exec(s);
  if (numeric) {
    const v = Number(parseCInt(numeric[1]!)), m = Number(parseCInt(numeric[2]!));
    if (v > 0xfff || m > 0xfff) throw bad();
    return [v, m];
  }
  if (s.startsWith('+') || s.startsWith('-')) {
    let flags = 0, mask = 0;
    const re = /([+-])([a-z\[\]0-9]+?)(?=[+-]|$)/gy;
    let mm: RegExpExecArray | null, consumed = 0;
    while ((mm = re.exec(s)) !== null) {
      const bit = TCP_FLAG_NAMES.indexOf(mm[2]!);
      if (bit < 0) throw new FlowSyntaxError(`${mm[2]}: unknown TCP flag(s)`);
      if (mask & (1 << bit)) throw new FlowSyntaxError(`${s}: Each TCP flag can be specified only once`);
      mask |= 1 << bit;
      if (mm[1] === '+') flags |= 1 << bit;
      consumed = re.lastIndex;
    }
    if (consumed !== s.length) throw bad();
    return [flags, mask];
  }
  let flags = 0;
  for (const part of s.split('|')) {
    const n = parseCInt(part);
    if (n !== null) {
      if (n > 0xfffn) throw bad();
      flags |= Number(n);
      continue;
    }
    const bit = TCP_FLAG_NAMES.indexOf(part);
    if (bit < 0) throw bad();
    flags |= 1 << bit;
  }
  return [flags, 0xfff];
}

/** Sets bits `mask` of field f to `value` (both already positioned), keeping its other bits. */
function setBits(m: Match, f: FlowField, value: number, mask: number): void {
  const oldV = matchValue(m, f) as number, oldM = matchMask(m, f) as number;
  setMatchField(m, f, ((oldV & ~mask) | (value & mask)) >>> 0 as never, (oldM | mask) >>> 0 as never);
}

function parseSpecial(m: Match, name: string, s: string): void {
  const spec = FIELDS[name]!;
  switch (spec.canon) {
    case 'dl_vlan': {
      const [v] = intValue(spec, s);
      // OpenFlow 1.0: 0xffff means "no VLAN tag"; other values set the VID and the tag-present bit.
      if (v === 0xffffn) setMatchField(m, 'vlan_tci', 0, 0xffff);
      else setBits(m, 'vlan_tci', (Number(v) & 0xfff) | 0x1000, 0x1fff);
      return;
    }
    case 'dl_vlan_pcp': case 'vlan_pcp': {
      const [v] = intValue(spec, s);
      setBits(m, 'vlan_tci', ((Number(v) & 7) << 13) | 0x1000, 0xf000);
      return;
    }
    case 'vlan_vid': {
      // OpenFlow 1.2+ VLAN_VID: bit 0x1000 (OFPVID_PRESENT) is the tag-present bit.
      const [v, mask] = intValue(spec, s);
      setBits(m, 'vlan_tci', Number(v) & 0x1fff, mask === null ? 0x1fff : Number(mask) & 0x1fff);
      return;
    }
    case 'nw_tos': case 'ip_dscp': case 'nw_ecn': {
      const [v, mask] = intValue(spec, s);
      checkMask(spec, s, mask === null ? null : Number(mask));
      const n = Number(v);
      if (spec.canon === 'nw_tos') setBits(m, 'nw_tos', n & 0xfc, 0xfc);
      else if (spec.canon === 'ip_dscp') setBits(m, 'nw_tos', (n << 2) & 0xfc, 0xfc);
      else setBits(m, 'nw_tos', n & 3, 3);
      return;
    }
    case 'ip_frag': {
      const [v, mk] = splitMask(s);
      const fv = FRAG_VALUES[v];
      if (!fv) throw new FlowSyntaxError(`${s}: unknown fragment type (valid types are "no", "yes", "first", "later", "not_later"`);
      const mask = mk === null ? fv[1] : Number(parseCInt(mk) ?? 0n) & 3;
      setMatchField(m, 'nw_frag', fv[0] & mask, mask);
      return;
    }
    case 'tcp_flags': {
      const [v, mask] = parseTcpFlags(s);
      setMatchField(m, 'tcp_flags', v, mask);
      return;
    }
  }
}

function parseField(m: Match, name: string, value: string, opts: ParseMatchOptions): void {
  const spec = FIELDS[name]!;
  switch (spec.kind) {
    case 'port': setMatchField(m, 'in_port', parsePort(value, opts)); return;
    case 'mac': { const [v, mk] = parseMacMasked(value); setMatchField(m, spec.field, v as never, mk as never); return; }
    case 'ipv4': { const [v, mk] = parseIpv4Masked(value); setMatchField(m, spec.field, v as never, mk as never); return; }
    case 'ipv6': { const [v, mk] = parseIpv6Masked(value); setMatchField(m, spec.field, v as never, mk as never); return; }
    case 'special': parseSpecial(m, name, value); return;
    case 'int': {
      const [v, mk] = intValue(spec, value);
      const wide = spec.bytes === 8;
      const full = exactMask(spec.field);
      const mask = mk === null ? full : wide ? mk : Number(mk);
      checkMask(spec, value, mk === null ? null : mask);
      if (spec.field === 'ipv6_label' && (v > 0xfffffn || (mk !== null && mk > 0xfffffn))) {
        throw new FlowSyntaxError(`${value}: value too large for 20-bit field ipv6_label`);
      }
      const val = wide ? v : Number(v);
      // A field narrower than its byte width (arp_op into nw_proto) keeps the low bits, as OVS does.
      setMatchField(m, spec.field, (typeof val === 'number' ? (val & (full as number)) >>> 0 : val) as never, (typeof mask === 'number' ? (mask & (full as number)) >>> 0 : mask) as never);
      return;
    }
  }
}

/** Splits "a=b,c d=e" into [key, value|null] pairs (values may not contain commas or spaces). */
function tokens(s: string): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  for (const t of s.split(/[,\s]+/)) {
    if (t === '') continue;
    const eq = t.indexOf('=');
    out.push(eq < 0 ? [t, null] : [t.slice(0, eq), t.slice(eq + 1)]);
  }
  return out;
}

/** Parses an ovs-ofctl match. Throws FlowSyntaxError with ovs-ofctl's wording. */
export function parseMatch(s: string, opts: ParseMatchOptions = {}): Match {
  const m = emptyMatch();
  for (const [key, value] of tokens(s)) {
    const proto = PROTOCOLS[key];
    if (proto && value === null) {
      setMatchField(m, 'dl_type', proto[0] as never);
      if (proto[1]) setMatchField(m, 'nw_proto', proto[1]);
      continue;
    }
    if (FIELDS[key]) {
      // An empty value matches only the field's presence: OVS reads it as "0/0".
      if (value === null || value === '') {
        if (value === null && !opts.onOther?.(key, null)) throw new FlowSyntaxError(`field ${key} missing value`);
        continue;
      }
      parseField(m, key, value, opts);
      continue;
    }
    if (opts.onOther?.(key, value)) continue;
    throw new FlowSyntaxError(`unknown keyword ${key}`);
  }
  return m;
}

// ---- formatting (OVS match_format) ----

function hex(v: number | bigint): string {
  return v === 0 || v === 0n ? '0' : '0x' + v.toString(16);
}

function fmtIpv4Masked(v: number, mask: number): string {
  if (mask === 0xffffffff) return formatIpv4(v);
  const p = ipv4MaskPrefix(mask);
  return `${formatIpv4(v)}/${p >= 0 ? p : formatIpv4(mask)}`;
}

function fmtIpv6Masked(v: Uint8Array, mask: Uint8Array): string {
  const p = ipv6MaskPrefix(mask);
  if (p === 128) return formatIpv6(v);
  return `${formatIpv6(v)}/${p >= 0 ? p : formatIpv6(mask)}`;
}

function fmtMacMasked(v: number, mask: number): string {
  return mask === 0xffffffffffff ? formatMac(v) : `${formatMac(v)}/${formatMac(mask)}`;
}

function fmtTcpFlags(flags: number, mask: number): string {
  const name = (bit: number) => TCP_FLAG_NAMES[31 - Math.clz32(bit)]!;
  if (mask === 0xfff) {
    if (flags === 0) return '0';
    const parts: string[] = [];
    for (let b = 1; b <= 0x800; b <<= 1) if (flags & b) parts.push(name(b));
    return parts.join('|');
  }
  let out = '';
  for (let b = 1; b <= 0x800; b <<= 1) if (mask & b) out += (flags & b ? '+' : '-') + name(b);
  return out;
}

function fmtPort(p: number, opts: FormatMatchOptions): string {
  return PORT_NAMES.get(p) ?? opts.portName?.(p) ?? String(p);
}

/** Formats a match as ovs-ofctl prints it (OVS's match_format). */
export function formatMatch(m: Match, opts: FormatMatchOptions = {}): string {
  const out: string[] = [];
  const has = (f: FlowField) => m.masks[f] !== undefined;
  const v = <K extends FlowField>(f: K) => matchValue(m, f);
  const mk = <K extends FlowField>(f: K) => matchMask(m, f);
  const u32 = (name: string, f: FlowField) => {
    if (!has(f)) return;
    const mask = mk(f) as number;
    out.push(`${name}=${hex(v(f) as number)}${mask === 0xffffffff ? '' : '/' + hex(mask)}`);
  };
  const u64 = (name: string, f: 'tun_id' | 'metadata') => {
    if (!has(f)) return;
    const mask = mk(f);
    out.push(`${name}=${hex(v(f))}${mask === 0xffffffffffffffffn ? '' : '/' + hex(mask)}`);
  };
  const ip4 = (name: string, f: FlowField) => { if (has(f)) out.push(`${name}=${fmtIpv4Masked(v(f) as number, mk(f) as number)}`); };
  const ip6 = (name: string, f: FlowField) => { if (has(f)) out.push(`${name}=${fmtIpv6Masked(v(f) as Uint8Array, mk(f) as Uint8Array)}`); };
  const mac = (name: string, f: FlowField) => { if (has(f)) out.push(`${name}=${fmtMacMasked(v(f) as number, mk(f) as number)}`); };
  const be16 = (name: string, f: FlowField) => {
    if (!has(f)) return;
    const mask = mk(f) as number;
    out.push(mask === 0xffff ? `${name}=${v(f)}` : `${name}=0x${(v(f) as number).toString(16)}/0x${mask.toString(16)}`);
  };

  if (opts.priority !== undefined && opts.priority !== 32768) out.push(`priority=${opts.priority}`);
  u32('pkt_mark', 'pkt_mark');

  const dlType = v('dl_type') as number;
  const proto = v('nw_proto');
  let skipType = false, skipProto = false;
  if (has('dl_type')) {
    skipType = true;
    if (dlType === 0x0800 || dlType === 0x86dd) {
      const six = dlType === 0x86dd;
      const names: Record<number, string> = six ? { 58: 'icmp6', 6: 'tcp6', 17: 'udp6', 132: 'sctp6' } : { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };
      if (has('nw_proto') && names[proto]) { out.push(names[proto]!); skipProto = true; } else out.push(six ? 'ipv6' : 'ip');
    } else if (dlType === 0x0806) out.push('arp');
    else if (dlType === 0x8035) out.push('rarp');
    else if (dlType === 0x8847) out.push('mpls');
    else if (dlType === 0x8848) out.push('mplsm');
    else skipType = false;
  }
  for (let i = 0; i < 16; i++) u32(`reg${i}`, `reg${i}` as FlowField);

  u64('tun_id', 'tun_id');
  ip4('tun_src', 'tun_src');
  ip4('tun_dst', 'tun_dst');
  ip6('tun_ipv6_src', 'tun_ipv6_src');
  ip6('tun_ipv6_dst', 'tun_ipv6_dst');
  if (has('tun_tos')) out.push(`tun_tos=${(v('tun_tos')).toString(16)}`);
  if (has('tun_ttl')) out.push(`tun_ttl=${v('tun_ttl')}`);
  u64('metadata', 'metadata');
  if (has('in_port')) out.push(`in_port=${fmtPort(v('in_port'), opts)}`);

  const vlans: Array<[string, FlowField]> = [['', 'vlan_tci'], ['1', 'vlan_tci1']];
  for (const [sfx, f] of vlans) {
    if (!has(f)) break;
    const tci = v(f) as number, mask = mk(f) as number;
    const vid = mask & 0x0fff, pcp = mask & 0xe000, cfi = mask & 0x1000;
    if (cfi && (tci & 0x1000) && (vid === 0 || vid === 0xfff) && (pcp === 0 || pcp === 0xe000) && (vid || pcp)) {
      if (vid) out.push(`dl_vlan${sfx}=${tci & 0xfff}`);
      if (pcp) out.push(`dl_vlan_pcp${sfx}=${tci >>> 13}`);
    } else if (mask === 0xffff) {
      out.push(`vlan_tci${sfx}=0x${tci.toString(16).padStart(4, '0')}`);
    } else {
      out.push(`vlan_tci${sfx}=0x${tci.toString(16).padStart(4, '0')}/0x${mask.toString(16).padStart(4, '0')}`);
    }
  }

  mac('dl_src', 'dl_src');
  mac('dl_dst', 'dl_dst');
  if (!skipType && has('dl_type')) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);

  const isArp = dlType === 0x0806 || dlType === 0x8035;
  if (dlType === 0x86dd) {
    ip6('ipv6_src', 'ipv6_src');
    ip6('ipv6_dst', 'ipv6_dst');
    if (has('ipv6_label')) {
      const l = v('ipv6_label'), lm = mk('ipv6_label');
      const h5 = (x: number) => '0x' + x.toString(16).padStart(5, '0');
      out.push(lm === 0xfffff ? `ipv6_label=${h5(l)}` : `ipv6_label=${h5(l)}/${h5(lm)}`);
    }
  } else if (isArp) {
    ip4('arp_spa', 'nw_src');
    ip4('arp_tpa', 'nw_dst');
  } else {
    ip4('nw_src', 'nw_src');
    ip4('nw_dst', 'nw_dst');
  }
  if (!skipProto && has('nw_proto')) out.push(`${isArp ? 'arp_op' : 'nw_proto'}=${proto}`);
  if (isArp) { mac('arp_sha', 'arp_sha'); mac('arp_tha', 'arp_tha'); }
  const tosMask = mk('nw_tos'), tos = v('nw_tos');
  if (tosMask & 0xfc) out.push(`nw_tos=${tos & 0xfc}`);
  if (tosMask & 0x03) out.push(`nw_ecn=${tos & 0x03}`);
  if (has('nw_ttl')) out.push(`nw_ttl=${v('nw_ttl')}`);

  const fm = mk('nw_frag') & 3, fv = v('nw_frag');
  if (fm === 3) out.push(`nw_frag=${fv & 1 ? (fv & 2 ? 'later' : 'first') : (fv & 2 ? '<error>' : 'no')}`);
  else if (fm === 1) out.push(`nw_frag=${fv & 1 ? 'yes' : 'no'}`);
  else if (fm === 2) out.push(`nw_frag=${fv & 2 ? 'later' : 'not_later'}`);

  if (dlType === 0x0800 && proto === 1) {
    be16('icmp_type', 'tp_src'); be16('icmp_code', 'tp_dst');
  } else if (dlType === 0x86dd && proto === 58) {
    be16('icmp_type', 'tp_src'); be16('icmp_code', 'tp_dst');
    ip6('nd_target', 'nd_target');
    mac('nd_sll', 'arp_sha');
    mac('nd_tll', 'arp_tha');
  } else {
    be16('tp_src', 'tp_src'); be16('tp_dst', 'tp_dst');
  }
  if ((dlType === 0x0800 || dlType === 0x86dd) && proto === 6 && has('tcp_flags')) {
    out.push(`tcp_flags=${fmtTcpFlags(v('tcp_flags'), mk('tcp_flags'))}`);
  }
  return out.join(',');
}

// ---- exact flows (ofproto/trace) ----

const PREREQ: Partial<Record<FlowField, (k: FlowKey) => boolean>> = {
  nw_src: (k) => k.dl_type === 0x0800 || k.dl_type === 0x0806 || k.dl_type === 0x8035,
  nw_dst: (k) => k.dl_type === 0x0800 || k.dl_type === 0x0806 || k.dl_type === 0x8035,
  nw_proto: (k) => k.dl_type === 0x0800 || k.dl_type === 0x86dd || k.dl_type === 0x0806 || k.dl_type === 0x8035,
  nw_tos: (k) => k.dl_type === 0x0800 || k.dl_type === 0x86dd,
  nw_ttl: (k) => k.dl_type === 0x0800 || k.dl_type === 0x86dd,
  nw_frag: (k) => k.dl_type === 0x0800 || k.dl_type === 0x86dd,
  ipv6_src: (k) => k.dl_type === 0x86dd,
  ipv6_dst: (k) => k.dl_type === 0x86dd,
  ipv6_label: (k) => k.dl_type === 0x86dd,
  arp_sha: (k) => k.dl_type === 0x0806 || k.dl_type === 0x8035 || (k.dl_type === 0x86dd && k.nw_proto === 58 && k.tp_src === 135),
  arp_tha: (k) => k.dl_type === 0x0806 || k.dl_type === 0x8035 || (k.dl_type === 0x86dd && k.nw_proto === 58 && k.tp_src === 136),
  nd_target: (k) => k.dl_type === 0x86dd && k.nw_proto === 58 && (k.tp_src === 135 || k.tp_src === 136),
  tp_src: (k) => (k.dl_type === 0x0800 || k.dl_type === 0x86dd) && [1, 2, 6, 17, 58, 132].includes(k.nw_proto),
  tp_dst: (k) => (k.dl_type === 0x0800 || k.dl_type === 0x86dd) && [1, 2, 6, 17, 58, 132].includes(k.nw_proto),
  tcp_flags: (k) => (k.dl_type === 0x0800 || k.dl_type === 0x86dd) && k.nw_proto === 6,
};

/** Parses a flow as ofproto/trace takes it: unmentioned fields are zero; masks and unmet prerequisites are errors. */
export function parseFlow(s: string, opts: ParseMatchOptions = {}): FlowKey {
  const m = parseMatch(s, opts);
  const k = newFlowKey() as unknown as Record<string, unknown>;
  for (const f of Object.keys(m.masks) as FlowField[]) {
    const mask = m.masks[f];
    const partialOk = f === 'vlan_tci' || f === 'nw_tos' || f === 'nw_frag';
    if (!partialOk && !isExactMask(f, mask)) throw new FlowSyntaxError(`${s}: masks are not allowed in a flow (field ${f})`);
    k[f] = m.fields[f];
  }
  const key = k as unknown as FlowKey;
  for (const f of Object.keys(m.masks) as FlowField[]) {
    const ok = PREREQ[f];
    if (ok && !ok(key) && !isZeroValue(m.fields[f])) throw new FlowSyntaxError(`prerequisites not met for setting ${f}`);
  }
  return key;
}

/** A flow key as ofproto/trace's "Flow:" line prints it (OVS's flow_format). */
export function formatFlow(k: FlowKey, opts: FormatMatchOptions = {}): string {
  return formatMatch(matchForPacket(k), opts);
}


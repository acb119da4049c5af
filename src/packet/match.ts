/**
 * Matches: a value and a mask per flow-key field, after OVS's `struct
 * match`. Field names are FlowKey's (flow.ts), so a match applies to an
 * extracted key directly; the ovs-ofctl names that alias them (arp_spa is
 * nw_src, icmp_type is tp_src, dl_vlan is bits of vlan_tci...) live only
 * in the syntax layer (flow-syntax.ts).
 *
 * Invariants, kept by `setMatchField`: a field is present in `fields` iff
 * it is present in `masks`, its mask is not zero, and its value has no
 * bits outside its mask. So "which fields does this match examine" is
 * `Object.keys(masks)`, and two equal matches have equal objects.
 *
 * Field widths come from FIELD_WIDTH; 64-bit fields are bigints and IPv6
 * addresses 16-byte arrays, as in FlowKey.
 *
 * `normalizeMatch` drops fields whose prerequisites the match does not
 * establish (tp_dst without a transport protocol, nw_src without an IP
 * dl_type...), as OVS does to every flow it is given ("normalization
 * changed ofp_match"). `matchForPacket` is the exact match for one packet,
 * over the fields that packet has, which is what `ofproto/trace` prints.
 */
import { IPV6_ZERO } from './types.js';
import { FLOW_NW_FRAG_LATER, type FlowField, type FlowKey } from './flow.js';

export type MatchFields = { -readonly [K in FlowField]?: FlowKey[K] };

export interface Match {
  readonly fields: MatchFields;
  readonly masks: MatchFields;
}

export type FieldKind = 'u' | 'mac' | 'u64' | 'ipv6';

/** Bit width of each field. */
export const FIELD_WIDTH: Readonly<Record<FlowField, number>> = {
  in_port: 16, tun_id: 64, tun_src: 32, tun_dst: 32, tun_ipv6_src: 128, tun_ipv6_dst: 128, tun_tos: 8, tun_ttl: 8,
  metadata: 64, pkt_mark: 32,
  reg0: 32, reg1: 32, reg2: 32, reg3: 32, reg4: 32, reg5: 32, reg6: 32, reg7: 32,
  reg8: 32, reg9: 32, reg10: 32, reg11: 32, reg12: 32, reg13: 32, reg14: 32, reg15: 32,
  dl_dst: 48, dl_src: 48, dl_type: 16, vlan_tci: 16, vlan_tpid: 16, vlan_tci1: 16, vlan_tpid1: 16,
  nw_src: 32, nw_dst: 32, ipv6_src: 128, ipv6_dst: 128, ipv6_label: 20,
  nw_proto: 8, nw_tos: 8, nw_ttl: 8, nw_frag: 2, arp_sha: 48, arp_tha: 48, nd_target: 128,
  tp_src: 16, tp_dst: 16, tcp_flags: 12,
};

export const FLOW_FIELDS = Object.keys(FIELD_WIDTH) as FlowField[];

export function fieldKind(f: FlowField): FieldKind {
  const w = FIELD_WIDTH[f];
  return w === 128 ? 'ipv6' : w === 64 ? 'u64' : w === 48 ? 'mac' : 'u';
}

/** All-ones mask of a field. */
export function exactMask<K extends FlowField>(f: K): FlowKey[K] {
  const w = FIELD_WIDTH[f];
  if (w === 128) return new Uint8Array(16).fill(0xff) as FlowKey[K];
  if (w === 64) return 0xffffffffffffffffn as FlowKey[K];
  return (2 ** w - 1) as FlowKey[K];
}

const TWO32 = 0x100000000;

/** a & m for a field value of any kind. */
export function andValue<T>(a: T, m: T): T {
  if (typeof a === 'number') {
    const mn = m as unknown as number;
    if (a <= 0xffffffff && mn <= 0xffffffff) return ((a & mn) >>> 0) as T;
    return ((((Math.floor(a / TWO32) & Math.floor(mn / TWO32)) >>> 0) * TWO32) + ((a & mn) >>> 0)) as T;
  }
  if (typeof a === 'bigint') return (a & (m as unknown as bigint)) as T;
  const x = a as unknown as Uint8Array, y = m as unknown as Uint8Array, out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = x[i]! & y[i]!;
  return out as T;
}

export function isZeroValue(v: unknown): boolean {
  if (typeof v === 'number') return v === 0;
  if (typeof v === 'bigint') return v === 0n;
  const a = v as Uint8Array;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return a === b;
}

export function isExactMask(f: FlowField, m: unknown): boolean {
  return valuesEqual(m, exactMask(f));
}

export function emptyMatch(): Match {
  return { fields: {}, masks: {} };
}

/** Sets (or, with a zero mask, clears) one field; the value is masked first. */
export function setMatchField<K extends FlowField>(m: Match, f: K, value: FlowKey[K], mask: FlowKey[K] = exactMask(f)): void {
  const fields = m.fields as Record<string, unknown>, masks = m.masks as Record<string, unknown>;
  if (isZeroValue(mask)) { delete fields[f]; delete masks[f]; return; }
  fields[f] = andValue(value, mask);
  masks[f] = mask;
}

export function clearMatchField(m: Match, f: FlowField): void {
  delete (m.fields as Record<string, unknown>)[f];
  delete (m.masks as Record<string, unknown>)[f];
}

/** The value of `f` (zero when wildcarded) and its mask (zero when wildcarded). */
export function matchValue<K extends FlowField>(m: Match, f: K): FlowKey[K] {
  return (m.fields[f] ?? zeroOf(f)) as FlowKey[K];
}

export function matchMask<K extends FlowField>(m: Match, f: K): FlowKey[K] {
  return (m.masks[f] ?? zeroOf(f)) as FlowKey[K];
}

export function zeroOf<K extends FlowField>(f: K): FlowKey[K] {
  const w = FIELD_WIDTH[f];
  return (w === 128 ? IPV6_ZERO : w === 64 ? 0n : 0) as FlowKey[K];
}

/** True if `key` agrees with `m` on every masked bit. */
export function matchFlow(m: Match, key: FlowKey): boolean {
  const masks = m.masks as Record<string, unknown>, fields = m.fields as Record<string, unknown>;
  const k = key as unknown as Record<string, unknown>;
  for (const f in masks) {
    const mask = masks[f], want = fields[f], have = k[f];
    if (typeof mask === 'number') {
      const h = have as number, w = want as number;
      if (mask <= 0xffffffff) {
        if (((h & mask) >>> 0) !== w) return false;
      } else if (!valuesEqual(andValue(h, mask), w)) return false;
    } else if (typeof mask === 'bigint') {
      if (((have as bigint) & mask) !== want) return false;
    } else {
      const h = have as Uint8Array, w = want as Uint8Array, mm = mask as Uint8Array;
      for (let i = 0; i < 16; i++) if ((h[i]! & mm[i]!) !== w[i]) return false;
    }
  }
  return true;
}

export function matchesEqual(a: Match, b: Match): boolean {
  const ka = Object.keys(a.masks), kb = Object.keys(b.masks);
  if (ka.length !== kb.length) return false;
  for (const f of ka as FlowField[]) {
    if (!valuesEqual(a.masks[f], b.masks[f]) || !valuesEqual(a.fields[f], b.fields[f])) return false;
  }
  return true;
}

export function cloneMatch(m: Match): Match {
  return { fields: { ...m.fields }, masks: { ...m.masks } };
}

/** The flow a match stands for when every wildcarded field is zero. */
export function matchToFlow(m: Match, base: FlowKey): FlowKey {
  const k = { ...base } as Record<string, unknown>;
  for (const f of Object.keys(m.fields)) k[f] = (m.fields as Record<string, unknown>)[f];
  return k as unknown as FlowKey;
}

const PROTO_WITH_PORTS_V4 = new Set([6, 17, 132, 1]);
const PROTO_WITH_PORTS_V6 = new Set([6, 17, 132, 58]);

/** Drops fields whose prerequisites are not matched (OVS's ofputil_normalize_match). Returns a new match. */
export function normalizeMatch(m: Match): Match {
  const out = cloneMatch(m);
  const dlType = matchMask(m, 'dl_type') ? matchValue(m, 'dl_type') : 0;
  const proto = matchValue(m, 'nw_proto');
  let nwAddr = false, tpAddr = false, nwProto = false, ipvx = false, arpSha = false, arpTha = false, ipv6 = false, ndTarget = false;
  if (dlType === 0x0800) {
    nwProto = ipvx = nwAddr = true;
    tpAddr = PROTO_WITH_PORTS_V4.has(proto);
  } else if (dlType === 0x86dd) {
    nwProto = ipvx = ipv6 = true;
    tpAddr = PROTO_WITH_PORTS_V6.has(proto);
    if (proto === 58) {
      const type = matchValue(m, 'tp_src');
      if (type === 135) ndTarget = arpSha = true;
      else if (type === 136) ndTarget = arpTha = true;
    }
  } else if (dlType === 0x0806 || dlType === 0x8035) {
    nwProto = nwAddr = arpSha = arpTha = true;
  }
  const drop = (...fs: FlowField[]) => { for (const f of fs) clearMatchField(out, f); };
  if (!nwAddr) drop('nw_src', 'nw_dst');
  if (!tpAddr) drop('tp_src', 'tp_dst');
  if (!nwProto) drop('nw_proto');
  if (!ipvx) drop('nw_tos', 'nw_ttl');
  if (!arpSha) drop('arp_sha');
  if (!arpTha) drop('arp_tha');
  if (!ipv6) drop('ipv6_src', 'ipv6_dst', 'ipv6_label');
  if (!ndTarget) drop('nd_target');
  return out;
}

/**
 * The exact match on the fields a packet with key `k` has (OVS's
 * flow_wildcards_init_for_packet), minus the all-zero context fields that
 * flow_format leaves out. Formatting it gives ofproto/trace's "Flow:" line.
 */
export function matchForPacket(k: FlowKey): Match {
  const m = emptyMatch();
  const set = <K extends FlowField>(f: K) => {
    (m.fields as Record<string, unknown>)[f] = k[f];
    (m.masks as Record<string, unknown>)[f] = exactMask(f);
  };
  if (k.tun_dst !== 0 || !isZeroValue(k.tun_ipv6_dst)) {
    if (k.tun_id !== 0n) set('tun_id');
    set('tun_src'); set('tun_dst'); set('tun_tos'); set('tun_ttl');
    if (!isZeroValue(k.tun_ipv6_src) || !isZeroValue(k.tun_ipv6_dst)) { set('tun_ipv6_src'); set('tun_ipv6_dst'); }
  } else if (k.tun_id !== 0n) {
    set('tun_id');
  }
  if (k.metadata !== 0n) set('metadata');
  for (let i = 0; i < 16; i++) if (k[`reg${i}` as FlowField] !== 0) set(`reg${i}` as FlowField);
  if (k.pkt_mark !== 0) set('pkt_mark');
  if (k.in_port !== 0) set('in_port');
  set('dl_dst'); set('dl_src'); set('dl_type');
  set('vlan_tci');
  if (k.vlan_tci !== 0) set('vlan_tci1');
  const t = k.dl_type as number;
  if (t === 0x0800) {
    set('nw_src'); set('nw_dst');
  } else if (t === 0x86dd) {
    set('ipv6_src'); set('ipv6_dst'); set('ipv6_label');
    if (k.nw_proto === 58 && (k.tp_src === 135 || k.tp_src === 136) && k.tp_dst === 0) {
      set('arp_sha'); set('arp_tha'); set('nd_target');
    }
  } else if (t === 0x0806 || t === 0x8035) {
    set('nw_src'); set('nw_dst'); set('nw_proto'); set('arp_sha'); set('arp_tha');
    return m;
  } else {
    return m;
  }
  set('nw_frag'); set('nw_tos'); set('nw_ttl'); set('nw_proto');
  const p = k.nw_proto;
  if (!(k.nw_frag & FLOW_NW_FRAG_LATER) && (p === 1 || p === 58 || p === 6 || p === 17 || p === 132 || p === 2)) {
    set('tp_src'); set('tp_dst');
    if (p === 6) set('tcp_flags');
  }
  return m;
}


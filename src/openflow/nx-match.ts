/**
 * Flow matches on the wire: Nicira's NXM (OpenFlow 1.0 extension), the
 * OXM of OpenFlow 1.2+ (the same TLV format with other classes), and
 * OpenFlow 1.3's `ofp_match` wrapper around OXM.
 *
 * Decoding follows OVS's strict rules, each refusal an OpenFlow error:
 * an unknown field is OFPBMC_BAD_FIELD, a field whose prerequisites were
 * not established by earlier entries OFPBMC_BAD_PREREQ, a repeated field
 * OFPBMC_DUP_FIELD, a mask on a field that has none OFPBMC_BAD_MASK, a
 * value outside the field's range OFPBMC_BAD_VALUE, a payload of the
 * wrong size OFPBMC_BAD_LEN. NXM_NX_COOKIE is allowed where the caller
 * accepts a cookie (flow_mod, flow stats).
 *
 * Encoding emits entries in OVS's order (nx_put_raw) so captures compare
 * byte for byte: in_port, Ethernet, VLAN, L3, L4, tunnel, registers,
 * pkt_mark, metadata, cookie. A mask is written only when it is not all
 * ones. In OXM the VLAN is VLAN_VID (+ VLAN_PCP), DSCP is the shifted
 * OXM_OF_IP_DSCP, in_port is 32-bit; in NXM they are NXM_OF_VLAN_TCI,
 * NXM_OF_IP_TOS and the 16-bit NXM_OF_IN_PORT.
 */
import { Reader } from '../packet/reader.js';
import { Writer } from '../packet/writer.js';
import { DecodeError } from '../packet/errors.js';
import type { FlowField } from '../packet/flow.js';
import { type Match, emptyMatch, matchMask, matchValue, setMatchField } from '../packet/match.js';
import {
  type MfField, type PrereqFacts, FIELDS, bigToBytes, bytesToBig, fieldByWire, fromBig, onesBig, prereqMet, toBig,
  wireIdFor,
} from './fields.js';
import { OfError } from './errors.js';
import { port10To11, port11To10 } from './constants.js';

export interface NxMatchResult {
  readonly match: Match;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
}

const NXM_NX_COOKIE = { cls: 0x0001, field: 30 };

/** Prerequisite facts from a match's values (a wildcarded field reads as zero, as in OVS's flow). */
export function factsOf(m: Match): PrereqFacts {
  return {
    dlType: matchValue(m, 'dl_type') as number,
    nwProto: matchValue(m, 'nw_proto'),
    icmpType: matchValue(m, 'tp_src'),
    icmpCode: matchValue(m, 'tp_dst'),
    vlanPresent: (matchValue(m, 'vlan_tci') & 0x1000) !== 0,
  };
}

/** ORs value/mask bits of field `f` into match `m`. */
export function setFieldBits(m: Match, f: MfField, value: bigint, mask: bigint): void {
  const sh = BigInt(f.shift);
  const fm = (mask & f.writeMask) << sh;
  const oldV = toBig(matchValue(m, f.flow)), oldM = toBig(matchMask(m, f.flow));
  const nm = oldM | fm;
  const nv = ((oldV & ~fm) | ((value << sh) & fm)) & nm;
  setMatchField(m, f.flow, fromBig(f.flow, nv) as never, fromBig(f.flow, nm) as never);
}

/** The field's value and mask in `m` (field-relative). */
export function getFieldBits(m: Match, f: MfField): { value: bigint; mask: bigint } {
  const sh = BigInt(f.shift), ones = onesBig(f.nBits);
  return {
    value: (toBig(matchValue(m, f.flow)) >> sh) & ones,
    mask: (toBig(matchMask(m, f.flow)) >> sh) & ones,
  };
}

function valueValid(f: MfField, v: bigint): boolean {
  switch (f.name) {
    case 'nw_tos': return (v & 3n) === 0n;
    case 'ip_dscp': return v <= 0x3fn;
    case 'nw_ecn': case 'ip_frag': return v <= 3n;
    case 'vlan_pcp': return v <= 7n;
    case 'vlan_vid': return v <= 0x1fffn;
    case 'ipv6_label': return v <= 0xfffffn;
    case 'arp_op': return v <= 0xffn;
    case 'tcp_flags': return v <= 0xfffn;
    default: return true;
  }
}

/** Decodes `len` bytes of NXM/OXM entries. */
export function decodeNxMatch(r: Reader, len: number, opts: { allowCookie?: boolean } = {}): NxMatchResult {
  const sub = r.sub(len, 'nx_match');
  const m = emptyMatch();
  let cookie = 0n, cookieMask = 0n, sawCookie = false;
  const seen = new Set<string>();
  while (sub.remaining > 0) {
    if (sub.remaining < 4) throw new OfError('OFPBMC_BAD_LEN', 'truncated NXM header');
    const header = sub.u32('nxm.header');
    const cls = header >>> 16, field = (header >>> 9) & 0x7f, hasMask = (header >>> 8) & 1, plen = header & 0xff;
    let exp = 0, payload = plen;
    if (cls === 0xffff) {
      if (sub.remaining < 4 || plen < 4) throw new OfError('OFPBMC_BAD_LEN', 'truncated experimenter OXM');
      exp = sub.u32('oxm.experimenter');
      payload -= 4;
    }
    if (payload === 0 || sub.remaining < payload) throw new OfError('OFPBMC_BAD_LEN', 'NXM entry overruns match');
    if (hasMask && payload % 2) throw new OfError('OFPBMC_BAD_LEN', 'odd masked NXM entry');
    const n = hasMask ? payload / 2 : payload;
    const valueBytes = sub.bytes(n, 'nxm.value');
    const maskBytes = hasMask ? sub.bytes(n, 'nxm.mask') : null;
    if (cls === NXM_NX_COOKIE.cls && field === NXM_NX_COOKIE.field && opts.allowCookie) {
      if (n !== 8) throw new OfError('OFPBMC_BAD_LEN', 'NXM_NX_COOKIE length');
      if (sawCookie) throw new OfError('OFPBMC_DUP_FIELD');
      sawCookie = true;
      cookie = bytesToBig(valueBytes);
      cookieMask = maskBytes ? bytesToBig(maskBytes) : onesBig(64);
      continue;
    }
    const f = fieldByWire(cls, field, exp);
    if (!f) throw new OfError('OFPBMC_BAD_FIELD', `unknown NXM class ${cls} field ${field}`);
    if (n !== f.bytes) throw new OfError('OFPBMC_BAD_LEN', `${f.name} length ${n}`);
    if (maskBytes && !f.maskable) throw new OfError('OFPBMC_BAD_MASK', f.name);
    let value = bytesToBig(valueBytes);
    let mask = maskBytes ? bytesToBig(maskBytes) : onesBig(f.bytes * 8);
    if (!prereqMet(f.prereq, factsOf(m))) throw new OfError('OFPBMC_BAD_PREREQ', f.name);
    const key = f.name === 'in_port_oxm' ? 'in_port' : f.name;
    if (seen.has(key)) throw new OfError('OFPBMC_DUP_FIELD', f.name);
    seen.add(key);
    if (!valueValid(f, value)) throw new OfError('OFPBMC_BAD_VALUE', f.name);
    if (value & ~mask) throw new OfError('OFPBMC_BAD_WILDCARDS', f.name);
    switch (f.name) {
      case 'in_port_oxm': {
        const p = port11To10(Number(value));
        if (p === null) throw new OfError('OFPBMC_BAD_VALUE', 'in_port');
        setMatchField(m, 'in_port', p);
        continue;
      }
      case 'nw_tos': value >>= 2n; mask = 0x3fn; break;
      case 'vlan_pcp': setFieldBits(m, FIELDS.get('vlan_tci')!, 0x1000n, 0x1000n); break;
      case 'vlan_vid': setFieldBits(m, FIELDS.get('vlan_tci')!, value, mask & 0x1fffn); continue;
      case 'icmp_type': case 'icmpv6_type': case 'icmp_code': case 'icmpv6_code':
        // OVS matches the whole 16-bit transport port for these 8-bit fields.
        setMatchField(m, f.flow, Number(value) as never);
        continue;
      default: break;
    }
    const target = f.name === 'nw_tos' ? FIELDS.get('ip_dscp')! : f;
    setFieldBits(m, target, value & onesBig(target.nBits), mask & onesBig(target.nBits));
  }
  return { match: m, cookie, cookieMask };
}

interface PutCtx { w: Writer; oxm: number; m: Match }

function putEntry(c: PutCtx, f: MfField, value: bigint, mask: bigint | null): void {
  const id = wireIdFor(f, c.oxm);
  const exp = id.experimenter !== undefined;
  const n = f.bytes;
  const plen = (mask === null ? n : 2 * n) + (exp ? 4 : 0);
  c.w.u32((((id.cls << 16) | (id.field << 9) | ((mask === null ? 0 : 1) << 8) | plen) >>> 0), 'nxm.header');
  if (exp) c.w.u32(id.experimenter!, 'oxm.experimenter');
  c.w.bytes(bigToBytes(value, n));
  if (mask !== null) c.w.bytes(bigToBytes(mask, n));
}

/** Puts field `name` if any bit of it is matched, with a mask unless all of its wire bits are. */
function putMasked(c: PutCtx, name: string): void {
  const f = FIELDS.get(name)!;
  const { value, mask } = getFieldBits(c.m, f);
  if (mask === 0n) return;
  putEntry(c, f, value & mask, mask === onesBig(f.bytes * 8) ? null : mask);
}

/** Puts field `name` exactly if any bit of it is matched. */
function putExact(c: PutCtx, name: string, value?: bigint): void {
  const f = FIELDS.get(name)!;
  const b = getFieldBits(c.m, f);
  if (b.mask === 0n) return;
  putEntry(c, f, value ?? b.value, null);
}

/** Encodes `m` as NXM (oxmVersion 0) or as OXM for that version; returns the bytes written. */
export function encodeNxMatch(w: Writer, m: Match, oxmVersion: number, cookie = 0n, cookieMask = 0n): number {
  const start = w.length;
  const c: PutCtx = { w, oxm: oxmVersion, m };
  const has = (f: FlowField) => m.masks[f] !== undefined;
  const v = <K extends FlowField>(f: K) => matchValue(m, f);
  {
    if (has('in_port')) {
      if (oxmVersion) putEntry(c, FIELDS.get('in_port_oxm')!, BigInt(port10To11(v('in_port'))), null);
      else putEntry(c, FIELDS.get('in_port')!, BigInt(v('in_port')), null);
    }
    putMasked(c, 'eth_src');
    putMasked(c, 'eth_dst');
    putMasked(c, 'eth_type');
    if (oxmVersion) {
      const tci = v('vlan_tci') as number, tm = matchMask(m, 'vlan_tci') as number;
      const vid = tci & 0x1fff, vm = tm & 0x1fff;
      if (vm === 0x1fff) putEntry(c, FIELDS.get('vlan_vid')!, BigInt(vid), null);
      else if (vm) putEntry(c, FIELDS.get('vlan_vid')!, BigInt(vid), BigInt(vm));
      if (vid && (tm & 0xe000)) putEntry(c, FIELDS.get('vlan_pcp')!, BigInt(tci >>> 13), null);
    } else {
      putMasked(c, 'vlan_tci');
    }
    const dl = has('dl_type') ? v('dl_type') as number : -1;
    if (dl === 0x0800 || dl === 0x86dd) putIp(c, m, dl, oxmVersion);
    else if (dl === 0x0806 || dl === 0x8035) {
      if (has('nw_proto')) putEntry(c, FIELDS.get('arp_op')!, BigInt(v('nw_proto')), null);
      putMasked(c, 'arp_spa'); putMasked(c, 'arp_tpa'); putMasked(c, 'arp_sha'); putMasked(c, 'arp_tha');
    }
    putMasked(c, 'tun_id');
    putMasked(c, 'tun_src');
    putMasked(c, 'tun_dst');
    putMasked(c, 'tun_ipv6_src');
    putMasked(c, 'tun_ipv6_dst');
    for (let i = 0; i < 16; i++) putMasked(c, `reg${i}`);
    putMasked(c, 'pkt_mark');
    putMasked(c, 'metadata');
    if (cookieMask !== 0n) {
      const masked = cookieMask !== onesBig(64);
      w.u32(((0x0001 << 16) | (30 << 9) | ((masked ? 1 : 0) << 8) | (masked ? 16 : 8)) >>> 0, 'nxm.header');
      w.u64(cookie & cookieMask);
      if (masked) w.u64(cookieMask);
    }
  }
  return w.length - start;
}

function putIp(c: PutCtx, m: Match, dl: number, oxm: number): void {
  const v = <K extends FlowField>(f: K) => matchValue(m, f);
  const has = (f: FlowField) => m.masks[f] !== undefined;
  if (dl === 0x0800) { putMasked(c, 'ip_src'); putMasked(c, 'ip_dst'); }
  else { putMasked(c, 'ipv6_src'); putMasked(c, 'ipv6_dst'); }
  const fragMask = (matchMask(m, 'nw_frag') as number) & 3;
  if (fragMask) putEntry(c, FIELDS.get('ip_frag')!, BigInt(v('nw_frag') & 3), fragMask === 3 ? null : BigInt(fragMask));
  const tosMask = matchMask(m, 'nw_tos') as number, tos = v('nw_tos');
  if (tosMask & 0xfc) {
    if (oxm) putEntry(c, FIELDS.get('ip_dscp')!, BigInt(tos >> 2), null);
    else putEntry(c, FIELDS.get('nw_tos')!, BigInt(tos & 0xfc), null);
  }
  if (tosMask & 3) putEntry(c, FIELDS.get('nw_ecn')!, BigInt(tos & 3), null);
  if (has('nw_ttl')) putEntry(c, FIELDS.get('nw_ttl')!, BigInt(v('nw_ttl')), null);
  if (dl === 0x86dd) putMasked(c, 'ipv6_label');
  if (!has('nw_proto')) return;
  const p = v('nw_proto');
  putEntry(c, FIELDS.get('nw_proto')!, BigInt(p), null);
  if (p === 6) { putMasked(c, 'tcp_src'); putMasked(c, 'tcp_dst'); putMasked(c, 'tcp_flags'); }
  else if (p === 17) { putMasked(c, 'udp_src'); putMasked(c, 'udp_dst'); }
  else if (p === 132) { putMasked(c, 'sctp_src'); putMasked(c, 'sctp_dst'); }
  else if (p === 1 && dl === 0x0800) { putExact(c, 'icmp_type'); putExact(c, 'icmp_code'); }
  else if (p === 58 && dl === 0x86dd) {
    putExact(c, 'icmpv6_type'); putExact(c, 'icmpv6_code');
    const t = v('tp_src'), code = v('tp_dst');
    if ((t === 135 || t === 136) && code === 0) {
      putMasked(c, 'nd_target');
      if (t === 135) putMasked(c, 'nd_sll');
      if (t === 136) putMasked(c, 'nd_tll');
    }
  }
}

// ---- OpenFlow 1.1+ ofp_match (OFPMT_OXM) ----

const OFPMT_STANDARD = 0, OFPMT_OXM = 1;

/** Decodes an ofp_match (type, length, OXM entries, padding to 8). */
export function decodeOfpMatch(r: Reader): NxMatchResult {
  if (r.remaining < 4) throw new OfError('OFPBMC_BAD_LEN', 'truncated ofp_match');
  const type = r.u16('ofp_match.type');
  const len = r.u16('ofp_match.length');
  if (type === OFPMT_STANDARD) throw new OfError('OFPBMC_BAD_TYPE', 'OFPMT_STANDARD is OpenFlow 1.1 only');
  if (type !== OFPMT_OXM) throw new OfError('OFPBMC_BAD_TYPE', `match type ${type}`);
  if (len < 4) throw new OfError('OFPBMC_BAD_LEN', `ofp_match length ${len}`);
  const padded = (len + 7) & ~7;
  if (r.remaining < padded - 4) throw new OfError('OFPBMC_BAD_LEN', 'ofp_match overruns message');
  const res = decodeNxMatch(r, len - 4);
  r.skip(padded - len, 'ofp_match.pad');
  return res;
}

export function encodeOfpMatch(w: Writer, m: Match, version: number): void {
  const start = w.length;
  w.u16(OFPMT_OXM).u16(0);
  const n = encodeNxMatch(w, m, version);
  w.set16(start + 2, n + 4);
  const pad = (8 - ((n + 4) % 8)) % 8;
  w.zeros(pad);
}

/** Rethrows a packet-layer DecodeError inside a match as the OpenFlow error OVS sends. */
export function asMatchError(e: unknown): never {
  if (e instanceof DecodeError) throw new OfError('OFPBMC_BAD_LEN', e.message);
  throw e;
}

export { Reader, Writer };

/**
 * OpenFlow 1.0's fixed 40-byte `ofp_match` (OpenFlow 1.0 §5.2.3): a
 * wildcard bitmap plus one slot per field, IP addresses wildcarded by a
 * count of low bits. Conversion to and from the general Match follows
 * OVS: dl_vlan 0xffff means "no 802.1Q header", PCP and VID set the
 * tag-present bit, nw_tos is the DSCP bits only, and the result is
 * normalized (fields without their prerequisites are dropped) as every
 * OpenFlow 1.0 switch must.
 *
 * `ofp10Representable` says whether a Match fits this format at all;
 * when it does not (masked MACs, registers, IPv6...), OVS speaks NXM.
 */
import type { Reader } from '../packet/reader.js';
import type { Writer } from '../packet/writer.js';
import type { FlowField } from '../packet/flow.js';
import { type Match, emptyMatch, matchMask, matchValue, normalizeMatch, setMatchField } from '../packet/match.js';
import { ipv4MaskPrefix } from '../packet/types.js';

export const OFP10_MATCH_LEN = 40;

const FW = {
  IN_PORT: 1 << 0, DL_VLAN: 1 << 1, DL_SRC: 1 << 2, DL_DST: 1 << 3, DL_TYPE: 1 << 4, NW_PROTO: 1 << 5,
  TP_SRC: 1 << 6, TP_DST: 1 << 7, NW_SRC_SHIFT: 8, NW_DST_SHIFT: 14, DL_VLAN_PCP: 1 << 20, NW_TOS: 1 << 21,
  ALL: (1 << 22) - 1,
} as const;

const OFP10_VLAN_NONE = 0xffff;

function wcbitsToNetmask(bits: number): number {
  bits &= 0x3f;
  if (bits >= 32) return 0;
  return bits === 0 ? 0xffffffff : (0xffffffff << bits) >>> 0;
}

export function decodeOfp10Match(r: Reader): Match {
  const wc = r.u32('ofp_match.wildcards') & FW.ALL;
  const inPort = r.u16('ofp_match.in_port');
  const dlSrc = r.u48('ofp_match.dl_src');
  const dlDst = r.u48('ofp_match.dl_dst');
  const dlVlan = r.u16('ofp_match.dl_vlan');
  const dlVlanPcp = r.u8('ofp_match.dl_vlan_pcp');
  r.skip(1, 'ofp_match.pad1');
  const dlType = r.u16('ofp_match.dl_type');
  const nwTos = r.u8('ofp_match.nw_tos');
  const nwProto = r.u8('ofp_match.nw_proto');
  r.skip(2, 'ofp_match.pad2');
  const nwSrc = r.u32('ofp_match.nw_src');
  const nwDst = r.u32('ofp_match.nw_dst');
  const tpSrc = r.u16('ofp_match.tp_src');
  const tpDst = r.u16('ofp_match.tp_dst');

  const m = emptyMatch();
  const set = <K extends FlowField>(f: K, v: number, mask?: number) => setMatchField(m, f, v as never, (mask ?? undefined) as never);
  if (!(wc & FW.IN_PORT)) set('in_port', inPort);
  if (!(wc & FW.DL_SRC)) set('dl_src', dlSrc);
  if (!(wc & FW.DL_DST)) set('dl_dst', dlDst);
  if (!(wc & FW.DL_TYPE)) set('dl_type', dlType);
  if (!(wc & FW.NW_TOS)) setMatchField(m, 'nw_tos', nwTos & 0xfc, 0xfc);
  if (!(wc & FW.NW_PROTO)) set('nw_proto', nwProto);
  const srcMask = wcbitsToNetmask(wc >>> FW.NW_SRC_SHIFT), dstMask = wcbitsToNetmask(wc >>> FW.NW_DST_SHIFT);
  if (srcMask) setMatchField(m, 'nw_src', nwSrc as never, srcMask as never);
  if (dstMask) setMatchField(m, 'nw_dst', nwDst as never, dstMask as never);
  if (!(wc & FW.TP_SRC)) set('tp_src', tpSrc);
  if (!(wc & FW.TP_DST)) set('tp_dst', tpDst);
  let tciMask = 0;
  if (!(wc & FW.DL_VLAN_PCP)) tciMask |= 0xe000 | 0x1000;
  if (!(wc & FW.DL_VLAN)) tciMask |= 0x0fff | 0x1000;
  if (!(wc & FW.DL_VLAN) && dlVlan === OFP10_VLAN_NONE) {
    setMatchField(m, 'vlan_tci', 0, 0xffff);
  } else if (tciMask) {
    const tci = (dlVlan & 0x0fff) | ((dlVlanPcp << 13) & 0xe000) | 0x1000;
    setMatchField(m, 'vlan_tci', tci & tciMask, tciMask);
  }
  return normalizeMatch(m);
}

/** True if `m` can be written as an OpenFlow 1.0 ofp_match without losing anything. */
export function ofp10Representable(m: Match): boolean {
  const allowed = new Set<string>(['in_port', 'dl_src', 'dl_dst', 'dl_type', 'vlan_tci', 'nw_tos', 'nw_proto', 'nw_src', 'nw_dst', 'tp_src', 'tp_dst']);
  for (const f of Object.keys(m.masks) as FlowField[]) {
    if (!allowed.has(f)) return false;
    const mask = matchMask(m, f) as number;
    switch (f) {
      case 'dl_src': case 'dl_dst': if (mask !== 0xffffffffffff) return false; break;
      case 'nw_src': case 'nw_dst': if (ipv4MaskPrefix(mask) < 0) return false; break;
      case 'nw_tos': if (mask !== 0xfc) return false; break;
      case 'tp_src': case 'tp_dst': if (mask !== 0xffff) return false; break;
      case 'vlan_tci': {
        const v = matchValue(m, 'vlan_tci') as number;
        if (mask === 0xffff && v === 0) break;
        const vid = mask & 0x0fff, pcp = mask & 0xe000;
        if (!(mask & 0x1000) || !(v & 0x1000)) return false;
        if ((vid !== 0 && vid !== 0x0fff) || (pcp !== 0 && pcp !== 0xe000)) return false;
        break;
      }
      default: break;
    }
  }
  return true;
}

export function encodeOfp10Match(w: Writer, m: Match): void {
  const has = (f: FlowField) => m.masks[f] !== undefined;
  const v = (f: FlowField) => (m.fields[f] ?? 0) as number;
  let wc = 0;
  if (!has('in_port')) wc |= FW.IN_PORT;
  if (!has('dl_type')) wc |= FW.DL_TYPE;
  if (!has('nw_proto')) wc |= FW.NW_PROTO;
  const srcPrefix = has('nw_src') ? ipv4MaskPrefix(matchMask(m, 'nw_src') as number) : 0;
  const dstPrefix = has('nw_dst') ? ipv4MaskPrefix(matchMask(m, 'nw_dst') as number) : 0;
  wc |= (32 - Math.max(srcPrefix, 0)) << FW.NW_SRC_SHIFT;
  wc |= (32 - Math.max(dstPrefix, 0)) << FW.NW_DST_SHIFT;
  if (!((matchMask(m, 'nw_tos') as number) & 0xfc)) wc |= FW.NW_TOS;
  if (!has('tp_src')) wc |= FW.TP_SRC;
  if (!has('tp_dst')) wc |= FW.TP_DST;
  if (!has('dl_src')) wc |= FW.DL_SRC;
  if (!has('dl_dst')) wc |= FW.DL_DST;
  let dlVlan = 0, dlVlanPcp = 0;
  const tm = matchMask(m, 'vlan_tci') as number, tci = v('vlan_tci');
  if (tm === 0) wc |= FW.DL_VLAN | FW.DL_VLAN_PCP;
  else if ((tm & 0x1000) && !(tci & 0x1000)) dlVlan = OFP10_VLAN_NONE;
  else {
    if (!(tm & 0x0fff)) wc |= FW.DL_VLAN; else dlVlan = tci & 0x0fff;
    if (!(tm & 0xe000)) wc |= FW.DL_VLAN_PCP; else dlVlanPcp = tci >>> 13;
  }
  w.u32(wc >>> 0).u16(v('in_port')).u48(v('dl_src')).u48(v('dl_dst')).u16(dlVlan).u8(dlVlanPcp).zeros(1)
    .u16(v('dl_type')).u8(v('nw_tos') & 0xfc).u8(v('nw_proto')).zeros(2)
    .u32(v('nw_src')).u32(v('nw_dst')).u16(v('tp_src')).u16(v('tp_dst'));
}

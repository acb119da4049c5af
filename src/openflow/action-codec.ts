/**
 * Action lists on the wire, OpenFlow 1.0 actions and OpenFlow 1.1+
 * instructions, decoded into and encoded from the version-independent
 * OfAction list (actions.ts), with OVS's choices:
 *
 * - Decoding 1.0's set_vlan_vid/pcp gives "mod_vlan_*" (push a tag if
 *   there is none); 1.1's gives "set_vlan_*" (no push). OFPAT_SET_FIELD
 *   decodes to set_field, NXAST_REG_LOAD to set_field remembered as
 *   `load`.
 * - Encoding picks, per version, what OVS would send: 1.0 has no
 *   set_field, so a set_field becomes the legacy action when one exists
 *   (set_dl_src, set_nw_tos...) and NXAST_REG_LOADs otherwise; 1.2+
 *   sends set_field for whole-field writes and reg_load for partial ones
 *   or ones that arrived as reg_load. mod_vlan_vid in 1.1+ is preceded by
 *   push_vlan when the rule's match does not guarantee a tag, since 1.1+
 *   set actions never add one. mod_tp_* uses the transport field the
 *   match establishes.
 * - goto_table and write_metadata are instructions from 1.1 on; in 1.0
 *   they are NXAST_RESUBMIT_TABLE and NXAST_WRITE_METADATA.
 *
 * The encoder therefore needs the rule's match (`EncodeContext`), as
 * OVS's action check records flow_has_vlan and the IP protocol.
 *
 * After decoding, `verifyActions` enforces OVS's ordering rule:
 * instructions come after every apply-action, in 1.3's order
 * (OFPBAC_UNSUPPORTED_ORDER), and no instruction twice (OFPBIC_DUP_INST).
 */
import type { Reader } from '../packet/reader.js';
import { Writer } from '../packet/writer.js';
import type { Match } from '../packet/match.js';
import { OfError } from './errors.js';
import { INSTRUCTION_ORDER, type OfAction, isInstruction } from './actions.js';
import { NX_VENDOR_ID, OFP10, OFP11, OFP12, OFP15, OFPP, port10To11, port11To10 } from './constants.js';
import { FIELDS, type MfField, bigToBytes, bytesToBig, fieldByWire, onesBig, wireIdFor } from './fields.js';
import { factsOf } from './nx-match.js';
import {
  decodeNxAction, encodeDecTtlIds, encodeNxDecTtl, encodeNxGroup, encodeNxSetQueue, encodeNxSimple, encodeRegLoad,
  encodeRegLoad2, loadSegments,
} from './nx-actions.js';

const ACTION_MAX = 0xffff;

/** Output action from a decoded port number. */
function outputAction(port: number, maxLen: number): OfAction {
  switch (port) {
    case OFPP.NORMAL: return { t: 'normal' };
    case OFPP.FLOOD: return { t: 'flood' };
    case OFPP.ALL: return { t: 'all' };
    case OFPP.IN_PORT: return { t: 'in_port' };
    case OFPP.CONTROLLER: return { t: 'output', port, maxLen };
    default:
      if (port >= OFPP.MAX && port !== OFPP.LOCAL && port !== OFPP.TABLE) throw new OfError('OFPBAC_BAD_OUT_PORT', `output to ${port}`);
      return { t: 'output', port };
  }
}

function setField(name: string, value: bigint): OfAction {
  const f = FIELDS.get(name)!;
  return { t: 'set_field', field: name, value, mask: onesBig(f.bytes * 8), raw: 'set_field' };
}

/** Decodes one action at `r`. */
function decodeAction(r: Reader, version: number): OfAction {
  if (r.remaining < 4) throw new OfError('OFPBAC_BAD_LEN', 'truncated action header');
  const type = r.peek16(0, 'action.type');
  const len = r.peek16(2, 'action.len');
  if (len < 8 || len % 8 || len > r.remaining) throw new OfError('OFPBAC_BAD_LEN', `action type ${type} length ${len}`);
  const a = r.sub(len, 'action');
  a.skip(4, 'action.header');
  const fixed = (want: number) => { if (len !== want) throw new OfError('OFPBAC_BAD_LEN', `action type ${type} length ${len}`); };
  if (type === ACTION_MAX) {
    if (len < 16) throw new OfError('OFPBAC_BAD_LEN', 'vendor action');
    const vendor = a.u32('vendor');
    if (vendor !== NX_VENDOR_ID) throw new OfError('OFPBAC_BAD_VENDOR', `vendor ${vendor}`);
    const act = decodeNxAction(a.u16('subtype'), a, len);
    if (act.t === 'write_metadata' && version > OFP10) throw new OfError('OFPBAC_BAD_VENDOR_TYPE', 'NXAST_WRITE_METADATA outside OpenFlow 1.0');
    return act;
  }
  if (version === OFP10) {
    switch (type) {
      case 0: fixed(8); { const port = a.u16('port'); return outputAction(port, a.u16('max_len')); }
      case 1: { fixed(8); const vid = a.u16('vid'); if (vid & ~0xfff) throw new OfError('OFPBAC_BAD_ARGUMENT'); return { t: 'mod_vlan_vid', vid, pushIfNeeded: true }; }
      case 2: { fixed(8); const pcp = a.u8('pcp'); if (pcp & ~7) throw new OfError('OFPBAC_BAD_ARGUMENT'); return { t: 'mod_vlan_pcp', pcp, pushIfNeeded: true }; }
      case 3: fixed(8); return { t: 'strip_vlan', raw: 'strip' };
      case 4: fixed(16); return { t: 'mod_dl_src', mac: a.u48('dl_addr') };
      case 5: fixed(16); return { t: 'mod_dl_dst', mac: a.u48('dl_addr') };
      case 6: fixed(8); return { t: 'mod_nw_src', ip: a.u32('nw_addr') };
      case 7: fixed(8); return { t: 'mod_nw_dst', ip: a.u32('nw_addr') };
      case 8: { fixed(8); const tos = a.u8('tos'); if (tos & 3) throw new OfError('OFPBAC_BAD_ARGUMENT'); return { t: 'mod_nw_tos', tos }; }
      case 9: fixed(8); return { t: 'mod_tp_src', port: a.u16('tp_port') };
      case 10: fixed(8); return { t: 'mod_tp_dst', port: a.u16('tp_port') };
      case 11: { fixed(16); const port = a.u16('port'); a.skip(6, 'pad'); return { t: 'enqueue', port, queue: a.u32('queue_id') }; }
      default: throw new OfError('OFPBAC_BAD_TYPE', `OpenFlow 1.0 action ${type}`);
    }
  }
  switch (type) {
    case 0: {
      fixed(16);
      const p = port11To10(a.u32('port'));
      if (p === null) throw new OfError('OFPBAC_BAD_OUT_PORT');
      return outputAction(p, a.u16('max_len'));
    }
    case 1: { fixed(8); const vid = a.u16('vid'); if (vid & ~0xfff) throw new OfError('OFPBAC_BAD_ARGUMENT'); return { t: 'mod_vlan_vid', vid, pushIfNeeded: false }; }
    case 2: { fixed(8); const pcp = a.u8('pcp'); if (pcp & ~7) throw new OfError('OFPBAC_BAD_ARGUMENT'); return { t: 'mod_vlan_pcp', pcp, pushIfNeeded: false }; }
    case 3: fixed(16); return { t: 'mod_dl_src', mac: a.u48('dl_addr') };
    case 4: fixed(16); return { t: 'mod_dl_dst', mac: a.u48('dl_addr') };
    case 5: fixed(8); return { t: 'mod_nw_src', ip: a.u32('nw_addr') };
    case 6: fixed(8); return { t: 'mod_nw_dst', ip: a.u32('nw_addr') };
    case 7: { fixed(8); const tos = a.u8('tos'); if (tos & 3) throw new OfError('OFPBAC_BAD_ARGUMENT'); return { t: 'mod_nw_tos', tos }; }
    case 8: { fixed(8); const ecn = a.u8('ecn'); if (ecn & ~3) throw new OfError('OFPBAC_BAD_ARGUMENT'); return { t: 'mod_nw_ecn', ecn }; }
    case 9: fixed(8); return { t: 'mod_tp_src', port: a.u16('tp_port') };
    case 10: fixed(8); return { t: 'mod_tp_dst', port: a.u16('tp_port') };
    case 17: {
      fixed(8);
      const ethertype = a.u16('ethertype');
      if (ethertype !== 0x8100 && ethertype !== 0x88a8) throw new OfError('OFPBAC_BAD_ARGUMENT', 'push_vlan ethertype');
      return { t: 'push_vlan', ethertype };
    }
    case 18: fixed(8); return { t: 'strip_vlan', raw: 'pop' };
    case 21: fixed(8); return { t: 'set_queue', queue: a.u32('queue_id') };
    case 22: fixed(8); return { t: 'group', group: a.u32('group_id') };
    case 23: fixed(8); return { t: 'mod_nw_ttl', ttl: a.u8('ttl') };
    case 24: fixed(8); return { t: 'dec_ttl', ids: [0], explicitIds: false };
    case 25: return decodeSetField(a, version);
    default: throw new OfError('OFPBAC_BAD_TYPE', `action ${type}`);
  }
}

function decodeSetField(a: Reader, version: number): OfAction {
  if (a.remaining < 4) throw new OfError('OFPBAC_BAD_SET_LEN');
  const h = a.u32('oxm.header');
  const cls = h >>> 16, fld = (h >>> 9) & 0x7f, hasMask = (h >>> 8) & 1;
  let plen = h & 0xff;
  let exp = 0;
  if (cls === 0xffff) { exp = a.u32('oxm.experimenter'); plen -= 4; }
  const f = fieldByWire(cls, fld, exp);
  if (!f) throw new OfError('OFPBAC_BAD_SET_TYPE');
  if (hasMask && version < OFP15) throw new OfError('OFPBAC_BAD_SET_MASK');
  const n = hasMask ? plen / 2 : plen;
  if (n !== f.bytes || a.remaining < plen) throw new OfError('OFPBAC_BAD_SET_LEN');
  let value = bytesToBig(a.bytes(n, 'value'));
  const mask = hasMask ? bytesToBig(a.bytes(n, 'mask')) : onesBig(n * 8);
  if (a.rest().some((b) => b)) throw new OfError('OFPBAC_BAD_SET_ARGUMENT', 'set_field padding');
  if (!f.writable) throw new OfError('OFPBAC_BAD_SET_ARGUMENT', `${f.name} is read-only`);
  if (f.name === 'vlan_vid' && !(value & 0x1000n)) throw new OfError('OFPBAC_BAD_SET_ARGUMENT', 'vlan_vid without OFPVID_PRESENT');
  if (f.name === 'in_port_oxm') {
    const p = port11To10(Number(value));
    if (p === null) throw new OfError('OFPBAC_BAD_SET_ARGUMENT');
    value = BigInt(p);
  }
  return { t: 'set_field', field: f.name, value: value & mask, mask, raw: 'set_field' };
}

/** Decodes `len` bytes of actions (an OpenFlow 1.0 action list, or one instruction's). */
export function decodeActions(r: Reader, len: number, version: number): OfAction[] {
  const sub = r.sub(len, 'actions');
  const out: OfAction[] = [];
  while (sub.remaining > 0) out.push(decodeAction(sub, version));
  return out;
}

const OFPIT = { GOTO_TABLE: 1, WRITE_METADATA: 2, WRITE_ACTIONS: 3, APPLY_ACTIONS: 4, CLEAR_ACTIONS: 5, METER: 6 } as const;

/** Decodes OpenFlow 1.1+ instructions into the flat list, in canonical order. */
export function decodeInstructions(r: Reader, len: number, version: number): OfAction[] {
  const sub = r.sub(len, 'instructions');
  const byType = new Map<number, OfAction[]>();
  while (sub.remaining > 0) {
    if (sub.remaining < 4) throw new OfError('OFPBIC_BAD_LEN');
    const type = sub.u16('instruction.type'), ilen = sub.u16('instruction.len');
    if (ilen < 8 || ilen % 8 || ilen - 4 > sub.remaining) throw new OfError('OFPBIC_BAD_LEN', `instruction ${type} length ${ilen}`);
    const body = sub.sub(ilen - 4, 'instruction');
    if (byType.has(type)) throw new OfError('OFPBIC_DUP_INST');
    const fixed = (want: number) => { if (ilen !== want) throw new OfError('OFPBIC_BAD_LEN'); };
    switch (type) {
      case OFPIT.GOTO_TABLE: fixed(8); byType.set(type, [{ t: 'goto_table', table: body.u8('table_id') }]); break;
      case OFPIT.WRITE_METADATA: fixed(24); body.skip(4, 'pad'); byType.set(type, [{ t: 'write_metadata', metadata: body.u64('metadata'), mask: body.u64('mask') }]); break;
      case OFPIT.WRITE_ACTIONS: body.skip(4, 'pad'); byType.set(type, [{ t: 'write_actions', actions: decodeActions(body, body.remaining, version) }]); break;
      case OFPIT.APPLY_ACTIONS: body.skip(4, 'pad'); byType.set(type, decodeActions(body, body.remaining, version)); break;
      case OFPIT.CLEAR_ACTIONS: fixed(8); byType.set(type, [{ t: 'clear_actions' }]); break;
      case OFPIT.METER: fixed(8); byType.set(type, [{ t: 'meter', meter: body.u32('meter_id') }]); break;
      case 0xffff: throw new OfError('OFPBIC_BAD_EXPERIMENTER');
      default: throw new OfError('OFPBIC_UNKNOWN_INST', `instruction ${type}`);
    }
  }
  const order = [OFPIT.METER, OFPIT.APPLY_ACTIONS, OFPIT.CLEAR_ACTIONS, OFPIT.WRITE_ACTIONS, OFPIT.WRITE_METADATA, OFPIT.GOTO_TABLE];
  const out: OfAction[] = [];
  for (const t of order) out.push(...(byType.get(t) ?? []));
  const applied = byType.get(OFPIT.APPLY_ACTIONS) ?? [];
  if (applied.some(isInstruction)) throw new OfError('OFPBAC_UNSUPPORTED_ORDER');
  return out;
}

/** OVS's ordering rule for decoded lists (see the module comment). */
export function verifyActions(actions: readonly OfAction[]): void {
  let last = -1;
  for (const a of actions) {
    const i = INSTRUCTION_ORDER.indexOf(a.t);
    if (i < 0) {
      if (last >= 0) throw new OfError('OFPBAC_UNSUPPORTED_ORDER', `${a.t} after an instruction`);
      continue;
    }
    if (i === last) throw new OfError('OFPBIC_DUP_INST', a.t);
    if (i < last) throw new OfError('OFPBAC_UNSUPPORTED_ORDER', `${a.t} out of order`);
    last = i;
  }
}

// ---- encoding ----

/** What the rule's match says about the packet, updated as actions change it (OVS's action check). */
export interface EncodeContext {
  vlan: boolean;
  nwProto: number | null;
}

export function encodeContext(m: Match | null): EncodeContext {
  if (!m) return { vlan: false, nwProto: null };
  const f = factsOf(m);
  return { vlan: f.vlanPresent, nwProto: f.nwProto };
}

function putOutput(w: Writer, version: number, port: number, maxLen = 0): void {
  if (version === OFP10) w.u16(0).u16(8).u16(port).u16(maxLen);
  else w.u16(0).u16(16).u32(port10To11(port)).u16(maxLen).zeros(6);
}

const u8Action = (w: Writer, type: number, v: number) => w.u16(type).u16(8).u8(v).zeros(3);
const u16Action = (w: Writer, type: number, v: number) => w.u16(type).u16(8).u16(v).zeros(2);
const u32Action = (w: Writer, type: number, v: number) => w.u16(type).u16(8).u32(v);

function putSetFieldOxm(w: Writer, version: number, f: MfField, value: bigint): void {
  const start = w.length;
  w.u16(25).u16(0);
  const id = wireIdFor(f, version);
  const exp = id.experimenter !== undefined;
  w.u32(((id.cls << 16) | (id.field << 9) | (f.bytes + (exp ? 4 : 0))) >>> 0);
  if (exp) w.u32(id.experimenter!);
  w.bytes(bigToBytes(value, f.bytes));
  const len = (w.length - start + 7) & ~7;
  w.zeros(len - (w.length - start));
  w.set16(start + 2, len);
}

function putRegLoads(w: Writer, f: MfField, value: bigint, mask: bigint): void {
  for (const s of loadSegments(mask, f.nBits)) encodeRegLoad(w, f, s.ofs, s.nBits, (value >> BigInt(s.ofs)) & onesBig(s.nBits));
}

function encodeSetField(w: Writer, a: Extract<OfAction, { t: 'set_field' }>, version: number, ctx: EncodeContext): void {
  const f = FIELDS.get(a.field)!;
  const full = a.mask === onesBig(f.bytes * 8);
  if (a.raw === 'load2') { encodeRegLoad2(w, f, a.value, a.mask); return; }
  if (a.raw === 'load' && version < OFP15) { putRegLoads(w, f, a.value, a.mask); return; }
  if (version >= OFP12) {
    if (full) putSetFieldOxm(w, version, f, a.value);
    else putRegLoads(w, f, a.value, a.mask);
    return;
  }
  if (!full) { putRegLoads(w, f, a.value, a.mask); return; }
  // OpenFlow 1.0/1.1: the legacy action for the field, else NXAST_REG_LOAD.
  const v = Number(a.value & 0xffffffffffffn);
  switch (a.field) {
    case 'vlan_tci':
      if (v & 0x1000) { u16Action(w, 1, v & 0xfff); u8Action(w, 2, v >>> 13); } else w.u16(3).u16(8).zeros(4);
      return;
    case 'vlan_vid': u16Action(w, 1, v & 0xfff); return;
    case 'vlan_pcp': u8Action(w, 2, v); return;
    case 'eth_src': w.u16(4).u16(16).u48(v).zeros(6); return;
    case 'eth_dst': w.u16(5).u16(16).u48(v).zeros(6); return;
    case 'ip_src': u32Action(w, 6, v); return;
    case 'ip_dst': u32Action(w, 7, v); return;
    case 'nw_tos': u8Action(w, 8, v); return;
    case 'ip_dscp': u8Action(w, 8, v << 2); return;
    case 'nw_ecn': encodeRegLoad(w, f, 0, 2, BigInt(v)); return;
    case 'tcp_src': case 'udp_src': u16Action(w, 9, v); return;
    case 'tcp_dst': case 'udp_dst': u16Action(w, 10, v); return;
    default: putRegLoads(w, f, a.value, a.mask); void ctx;
  }
}

function encodeApplyAction(w: Writer, a: OfAction, version: number, ctx: EncodeContext): void {
  const v10 = version === OFP10, pre12 = version < OFP12;
  switch (a.t) {
    case 'normal': putOutput(w, version, OFPP.NORMAL); return;
    case 'flood': putOutput(w, version, OFPP.FLOOD); return;
    case 'all': putOutput(w, version, OFPP.ALL); return;
    case 'in_port': putOutput(w, version, OFPP.IN_PORT); return;
    case 'output': putOutput(w, version, a.port, a.port === OFPP.CONTROLLER ? a.maxLen ?? 0xffff : 0); return;
    case 'enqueue':
      if (v10) w.u16(11).u16(16).u16(a.port).zeros(6).u32(a.queue);
      else { u32Action(w, 21, a.queue); putOutput(w, version, a.port); encodeNxSimple(w, { t: 'pop_queue' }); }
      return;
    case 'mod_vlan_vid':
      if (!v10 && a.pushIfNeeded && !ctx.vlan) w.u16(17).u16(8).u16(0x8100).zeros(2);
      if (v10) u16Action(w, 1, a.vid);
      else if (version === OFP11) u16Action(w, 1, a.vid);
      else putSetFieldOxm(w, version, FIELDS.get('vlan_vid')!, BigInt(a.vid | 0x1000));
      ctx.vlan = true;
      return;
    case 'mod_vlan_pcp':
      if (!v10 && a.pushIfNeeded && !ctx.vlan) w.u16(17).u16(8).u16(0x8100).zeros(2);
      if (pre12) u8Action(w, 2, a.pcp);
      else putSetFieldOxm(w, version, FIELDS.get('vlan_pcp')!, BigInt(a.pcp));
      ctx.vlan = true;
      return;
    case 'strip_vlan': if (v10) w.u16(3).u16(8).zeros(4); else w.u16(18).u16(8).zeros(4); ctx.vlan = false; return;
    case 'push_vlan': if (!v10) w.u16(17).u16(8).u16(a.ethertype).zeros(2); ctx.vlan = true; return;
    case 'mod_dl_src': if (pre12) w.u16(v10 ? 4 : 3).u16(16).u48(a.mac).zeros(6); else putSetFieldOxm(w, version, FIELDS.get('eth_src')!, BigInt(a.mac)); return;
    case 'mod_dl_dst': if (pre12) w.u16(v10 ? 5 : 4).u16(16).u48(a.mac).zeros(6); else putSetFieldOxm(w, version, FIELDS.get('eth_dst')!, BigInt(a.mac)); return;
    case 'mod_nw_src': if (pre12) u32Action(w, v10 ? 6 : 5, a.ip); else putSetFieldOxm(w, version, FIELDS.get('ip_src')!, BigInt(a.ip)); return;
    case 'mod_nw_dst': if (pre12) u32Action(w, v10 ? 7 : 6, a.ip); else putSetFieldOxm(w, version, FIELDS.get('ip_dst')!, BigInt(a.ip)); return;
    case 'mod_nw_tos': if (pre12) u8Action(w, v10 ? 8 : 7, a.tos); else putSetFieldOxm(w, version, FIELDS.get('ip_dscp')!, BigInt(a.tos >> 2)); return;
    case 'mod_nw_ecn':
      if (v10) encodeRegLoad(w, FIELDS.get('nw_ecn')!, 0, 2, BigInt(a.ecn));
      else if (version === OFP11) u8Action(w, 8, a.ecn);
      else putSetFieldOxm(w, version, FIELDS.get('nw_ecn')!, BigInt(a.ecn));
      return;
    case 'mod_nw_ttl': if (v10) encodeRegLoad(w, FIELDS.get('nw_ttl')!, 0, 8, BigInt(a.ttl)); else u8Action(w, 23, a.ttl); return;
    case 'mod_tp_src': case 'mod_tp_dst': {
      const src = a.t === 'mod_tp_src';
      const p = ctx.nwProto;
      const name = p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 132 ? 'sctp' : null;
      if (!pre12 && name) putSetFieldOxm(w, version, FIELDS.get(`${name}_${src ? 'src' : 'dst'}`)!, BigInt(a.port));
      else u16Action(w, src ? 9 : 10, a.port);
      return;
    }
    case 'dec_ttl':
      if (a.explicitIds || a.ids.length !== 1 || a.ids[0] !== 0) encodeDecTtlIds(w, a.ids);
      else if (v10) encodeNxDecTtl(w);
      else w.u16(24).u16(8).zeros(4);
      return;
    case 'set_field': encodeSetField(w, a, version, ctx); if (a.field === 'vlan_tci' || a.field === 'vlan_vid') ctx.vlan = a.field === 'vlan_vid' || (a.value & 0x1000n) !== 0n; return;
    case 'set_tunnel':
      if (pre12) encodeNxSimple(w, a);
      else putSetFieldOxm(w, version, FIELDS.get('tun_id')!, a.tunId);
      return;
    case 'set_queue': if (v10) encodeNxSetQueue(w, a.queue); else u32Action(w, 21, a.queue); return;
    case 'group': if (v10) encodeNxGroup(w, a.group); else u32Action(w, 22, a.group); return;
    case 'goto_table':
      if (v10) encodeNxSimple(w, { t: 'resubmit', port: OFPP.IN_PORT, table: a.table, ct: false, short: false });
      return;
    case 'write_metadata': if (v10) encodeNxSimple(w, a); return;
    case 'meter': case 'clear_actions': case 'write_actions': return;
    default:
      if (!encodeNxSimple(w, a)) throw new Error(`cannot encode action ${a.t}`);
  }
}

/** Encodes an action list as OpenFlow 1.0 actions (instructions folded in as OVS does). */
export function encodeActions(w: Writer, actions: readonly OfAction[], version: number, ctx: EncodeContext): void {
  for (const a of actions) encodeApplyAction(w, a, version, ctx);
}

/** Encodes the flat list as OpenFlow 1.1+ instructions. */
export function encodeInstructions(w: Writer, actions: readonly OfAction[], version: number, ctx: EncodeContext): void {
  const apply = actions.filter((a) => !isInstruction(a));
  const meter = actions.find((a) => a.t === 'meter');
  if (meter?.t === 'meter') w.u16(OFPIT.METER).u16(8).u32(meter.meter);
  if (apply.length) {
    const start = w.length;
    w.u16(OFPIT.APPLY_ACTIONS).u16(0).zeros(4);
    encodeActions(w, apply, version, ctx);
    w.set16(start + 2, w.length - start);
  }
  for (const a of actions) {
    switch (a.t) {
      case 'clear_actions': w.u16(OFPIT.CLEAR_ACTIONS).u16(8).zeros(4); break;
      case 'write_actions': {
        const start = w.length;
        w.u16(OFPIT.WRITE_ACTIONS).u16(0).zeros(4);
        encodeActions(w, a.actions, version, { ...ctx });
        w.set16(start + 2, w.length - start);
        break;
      }
      case 'write_metadata': w.u16(OFPIT.WRITE_METADATA).u16(24).zeros(4).u64(a.metadata).u64(a.mask); break;
      case 'goto_table': w.u16(OFPIT.GOTO_TABLE).u16(8).u8(a.table).zeros(3); break;
      default: break;
    }
  }
}

/** Encodes actions (1.0) or instructions (1.1+) into fresh bytes. */
export function encodeActionBytes(actions: readonly OfAction[], version: number, match: Match | null, instructions: boolean): Uint8Array {
  const w = new Writer();
  if (instructions && version > OFP10) encodeInstructions(w, actions, version, encodeContext(match));
  else encodeActions(w, actions, version, encodeContext(match));
  return w.finish();
}

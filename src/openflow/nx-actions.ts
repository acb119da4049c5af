/**
 * Nicira extension actions (vendor 0x00002320, NXAST_*), the ones
 * ovs-ofctl emits by default and controllers such as the OpenStack OVS
 * agent rely on: resubmit, set_tunnel, reg_load/reg_load2, reg_move,
 * note, learn, controller/controller2, dec_ttl with controller ids,
 * write_metadata, exit, set_queue/pop_queue, group.
 *
 * Every NX action starts with the 10-byte extension header (type 0xffff,
 * length, vendor, subtype); a scalar argument sits right after it,
 * aligned to its own size (so a u16 at offset 10, a u32 at 12, a u64 at
 * 16), and the action is padded to a multiple of 8, as OVS lays them out.
 *
 * Subfields (`NXM_NX_REG0[0..3]`) travel as an NXM header plus an
 * "ofs_nbits" word (offset << 6 | n_bits - 1) or, in reg_move, separate
 * n_bits/offset fields.
 */
import type { Reader } from '../packet/reader.js';
import type { Writer } from '../packet/writer.js';
import { OfError } from './errors.js';
import { NX_VENDOR_ID } from './constants.js';
import type { ControllerAction, LearnAction, LearnSpec, OfAction, Subfield } from './actions.js';
import { type MfField, FIELDS, bigToBytes, bytesToBig, fieldByWire, onesBig, wireIdFor } from './fields.js';

export const NXAST = {
  RESUBMIT: 1, SET_TUNNEL: 2, SET_QUEUE: 4, POP_QUEUE: 5, REG_MOVE: 6, REG_LOAD: 7, NOTE: 8, SET_TUNNEL64: 9,
  RESUBMIT_TABLE: 14, LEARN: 16, EXIT: 17, DEC_TTL: 18, CONTROLLER: 20, DEC_TTL_CNT_IDS: 21, WRITE_METADATA: 22,
  REG_LOAD2: 33, CONTROLLER2: 37, GROUP: 40, RESUBMIT_TABLE_CT: 44,
} as const;

const NXAC2PT = { MAX_LEN: 0, CONTROLLER_ID: 1, REASON: 2, USERDATA: 3, PAUSE: 4, METER_ID: 5 } as const;

/** Reads an NXM header naming a field (no payload); 8 bytes for experimenter OXMs. */
export function readFieldHeader(r: Reader): MfField {
  const h = r.u32('nxm.header');
  const cls = h >>> 16, field = (h >>> 9) & 0x7f;
  const exp = cls === 0xffff ? r.u32('nxm.experimenter') : 0;
  const f = fieldByWire(cls, field, exp);
  if (!f) throw new OfError('OFPBAC_BAD_SET_TYPE', `unknown field class ${cls} field ${field}`);
  return f;
}

export function writeFieldHeader(w: Writer, f: MfField, oxmVersion = 0): void {
  const id = wireIdFor(f, oxmVersion);
  const len = f.bytes + (id.experimenter !== undefined ? 4 : 0);
  w.u32(((id.cls << 16) | (id.field << 9) | len) >>> 0);
  if (id.experimenter !== undefined) w.u32(id.experimenter);
}

export function fieldOf(name: string): MfField {
  const f = FIELDS.get(name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

/** A subfield must lie inside its field. */
function checkSubfield(sf: Subfield, err: 'OFPBAC_BAD_SET_LEN' | 'OFPBAC_BAD_ARGUMENT' = 'OFPBAC_BAD_SET_LEN'): void {
  const f = fieldOf(sf.field);
  if (sf.nBits < 1 || sf.ofs >= f.nBits || sf.ofs + sf.nBits > f.nBits) throw new OfError(err, `${sf.field}[${sf.ofs}+${sf.nBits}]`);
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Starts an NX action; returns a function that pads it to 8 and patches its length. */
function begin(w: Writer, subtype: number): () => void {
  const start = w.length;
  w.u16(0xffff).u16(0).u32(NX_VENDOR_ID).u16(subtype);
  return () => {
    const len = pad8(w.length - start);
    w.zeros(len - (w.length - start));
    w.set16(start + 2, len);
  };
}

/** Decodes the NX action whose header (through subtype) has been read; `r` covers the rest of the action. */
export function decodeNxAction(subtype: number, r: Reader, len: number): OfAction {
  const fixed = (want: number) => { if (len !== want) throw new OfError('OFPBAC_BAD_LEN', `NX action ${subtype} length ${len}`); };
  switch (subtype) {
    case NXAST.RESUBMIT: fixed(16); return { t: 'resubmit', port: r.u16('in_port'), table: 255, ct: false, short: true };
    case NXAST.RESUBMIT_TABLE: case NXAST.RESUBMIT_TABLE_CT: {
      fixed(16);
      const port = r.u16('in_port'), table = r.u8('table');
      const padBytes = r.bytes(3, 'pad');
      if (padBytes.some((b) => b)) throw new OfError('OFPBAC_BAD_ARGUMENT', 'resubmit pad');
      return { t: 'resubmit', port, table, ct: subtype === NXAST.RESUBMIT_TABLE_CT, short: false };
    }
    case NXAST.SET_TUNNEL: fixed(16); r.skip(2, 'pad'); return { t: 'set_tunnel', tunId: BigInt(r.u32('tun_id')), wide: false };
    case NXAST.SET_TUNNEL64: fixed(24); r.skip(6, 'pad'); return { t: 'set_tunnel', tunId: r.u64('tun_id'), wide: true };
    case NXAST.SET_QUEUE: fixed(16); r.skip(2, 'pad'); return { t: 'set_queue', queue: r.u32('queue_id') };
    case NXAST.POP_QUEUE: fixed(16); return { t: 'pop_queue' };
    case NXAST.EXIT: fixed(16); return { t: 'exit' };
    case NXAST.DEC_TTL: fixed(16); return { t: 'dec_ttl', ids: [0], explicitIds: false };
    case NXAST.GROUP: fixed(16); r.skip(2, 'pad'); return { t: 'group', group: r.u32('group_id') };
    case NXAST.NOTE: {
      if (len < 16) throw new OfError('OFPBAC_BAD_LEN');
      return { t: 'note', data: Uint8Array.from(r.bytes(len - 10, 'note')) };
    }
    case NXAST.WRITE_METADATA: {
      fixed(32);
      r.skip(6, 'pad');
      return { t: 'write_metadata', metadata: r.u64('metadata'), mask: r.u64('mask') };
    }
    case NXAST.DEC_TTL_CNT_IDS: {
      const n = r.u16('n_controllers');
      r.skip(4, 'zeros');
      if (len !== 16 + pad8(2 * n)) throw new OfError('OFPBAC_BAD_LEN', 'dec_ttl ids');
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(r.u16('cnt_id'));
      return { t: 'dec_ttl', ids, explicitIds: true };
    }
    case NXAST.CONTROLLER: {
      fixed(16);
      const maxLen = r.u16('max_len'), controllerId = r.u16('controller_id'), reason = r.u8('reason');
      return { t: 'controller', maxLen, controllerId, reason, userdata: null, pause: false, meterId: null, v2: false };
    }
    case NXAST.CONTROLLER2: return decodeController2(r, len);
    case NXAST.REG_LOAD: {
      fixed(24);
      const ofsNbits = r.u16('ofs_nbits');
      const f = readFieldHeader(r);
      const value = r.u64('value');
      const ofs = ofsNbits >>> 6, nBits = (ofsNbits & 0x3f) + 1;
      checkSubfield({ field: f.name, ofs, nBits });
      if (!f.writable) throw new OfError('OFPBAC_BAD_SET_ARGUMENT', `${f.name} is read-only`);
      if (nBits < 64 && value >> BigInt(nBits)) throw new OfError('OFPBAC_BAD_ARGUMENT', 'reg_load value too wide');
      return { t: 'set_field', field: f.name, value: value << BigInt(ofs), mask: onesBig(nBits) << BigInt(ofs), raw: 'load' };
    }
    case NXAST.REG_LOAD2: {
      const h = r.u32('oxm.header');
      const cls = h >>> 16, fld = (h >>> 9) & 0x7f, hasMask = (h >>> 8) & 1;
      let plen = h & 0xff;
      const exp = cls === 0xffff ? (plen -= 4, r.u32('oxm.experimenter')) : 0;
      const f = fieldByWire(cls, fld, exp);
      if (!f) throw new OfError('OFPBAC_BAD_SET_TYPE');
      const n = hasMask ? plen / 2 : plen;
      if (n !== f.bytes) throw new OfError('OFPBAC_BAD_SET_LEN');
      const value = bytesToBig(r.bytes(n, 'value'));
      const mask = hasMask ? bytesToBig(r.bytes(n, 'mask')) : onesBig(n * 8);
      if (r.rest().some((b) => b)) throw new OfError('OFPBAC_BAD_SET_ARGUMENT', 'reg_load2 padding');
      if (!f.writable) throw new OfError('OFPBAC_BAD_SET_ARGUMENT', `${f.name} is read-only`);
      return { t: 'set_field', field: f.name, value: value & mask, mask, raw: 'load2' };
    }
    case NXAST.REG_MOVE: {
      if (len < 24) throw new OfError('OFPBAC_BAD_LEN');
      const nBits = r.u16('n_bits'), srcOfs = r.u16('src_ofs'), dstOfs = r.u16('dst_ofs');
      const src = readFieldHeader(r), dst = readFieldHeader(r);
      const s: Subfield = { field: src.name, ofs: srcOfs, nBits }, d: Subfield = { field: dst.name, ofs: dstOfs, nBits };
      checkSubfield(s); checkSubfield(d);
      if (!dst.writable) throw new OfError('OFPBAC_BAD_SET_ARGUMENT', `${dst.name} is read-only`);
      return { t: 'move', src: s, dst: d };
    }
    case NXAST.LEARN: return decodeLearn(r, len);
    default:
      throw new OfError('OFPBAC_BAD_VENDOR_TYPE', `NX action subtype ${subtype}`);
  }
}

function decodeController2(r: Reader, len: number): ControllerAction {
  r.skip(6, 'pad');
  let maxLen = 0xffff, controllerId = 0, reason = 1, userdata: Uint8Array | null = null, pause = false, meterId: number | null = null;
  let left = len - 16;
  while (left > 0) {
    if (left < 4) throw new OfError('OFPBPC_BAD_LEN');
    const type = r.u16('prop.type'), plen = r.u16('prop.len');
    if (plen < 4 || pad8(plen) > left) throw new OfError('OFPBPC_BAD_LEN');
    const body = r.bytes(plen - 4, 'prop.body');
    r.skip(pad8(plen) - plen, 'prop.pad');
    left -= pad8(plen);
    const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    switch (type) {
      case NXAC2PT.MAX_LEN: maxLen = dv.getUint16(0); break;
      case NXAC2PT.CONTROLLER_ID: controllerId = dv.getUint16(0); break;
      case NXAC2PT.REASON: reason = body[0]!; break;
      case NXAC2PT.USERDATA: userdata = Uint8Array.from(body); break;
      case NXAC2PT.PAUSE: pause = true; break;
      case NXAC2PT.METER_ID: meterId = dv.getUint32(0); break;
      default: throw new OfError('OFPBPC_BAD_TYPE');
    }
  }
  return { t: 'controller', maxLen, controllerId, reason, userdata, pause, meterId, v2: true };
}

function decodeLearn(r: Reader, len: number): LearnAction {
  if (len < 32) throw new OfError('OFPBAC_BAD_LEN');
  const idleTimeout = r.u16('idle_timeout'), hardTimeout = r.u16('hard_timeout'), priority = r.u16('priority');
  const cookie = r.u64('cookie'), flags = r.u16('flags'), table = r.u8('table_id');
  if (r.u8('pad')) throw new OfError('NXBRC_MUST_BE_ZERO');
  const finIdleTimeout = r.u16('fin_idle_timeout'), finHardTimeout = r.u16('fin_hard_timeout');
  if (flags & ~7) throw new OfError('OFPBAC_BAD_ARGUMENT', 'learn flags');
  if (table === 255) throw new OfError('OFPBAC_BAD_ARGUMENT', 'learn table');
  const specs: LearnSpec[] = [];
  while (r.remaining >= 2) {
    const hdr = r.u16('spec.header');
    if (hdr === 0) break;
    const nBits = hdr & 0x7ff, srcImm = (hdr >>> 13) & 1, dst = (hdr >>> 11) & 3;
    if (hdr & 0xc000 || dst === 3) throw new OfError('OFPBAC_BAD_ARGUMENT', 'learn spec');
    let src: Subfield | null = null, value = 0n;
    if (srcImm) value = bytesToBig(r.bytes(2 * Math.ceil(nBits / 16), 'spec.imm'));
    else { const f = readFieldHeader(r); src = { field: f.name, ofs: r.u16('src_ofs'), nBits }; checkSubfield(src, 'OFPBAC_BAD_ARGUMENT'); }
    let dsf: Subfield | null = null;
    if (dst === 0 || dst === 1) { const f = readFieldHeader(r); dsf = { field: f.name, ofs: r.u16('dst_ofs'), nBits }; checkSubfield(dsf, 'OFPBAC_BAD_ARGUMENT'); }
    if (dst === 0) specs.push(src ? { kind: 'match_field', dst: dsf!, src } : { kind: 'match_imm', dst: dsf!, value });
    else if (dst === 1) specs.push(src ? { kind: 'load_field', dst: dsf!, src } : { kind: 'load_imm', dst: dsf!, value });
    else {
      if (!src) throw new OfError('OFPBAC_BAD_ARGUMENT', 'learn output of immediate');
      specs.push({ kind: 'output', src });
    }
  }
  if (r.rest().some((b) => b)) throw new OfError('OFPBAC_BAD_ARGUMENT', 'learn padding');
  return { t: 'learn', table, idleTimeout, hardTimeout, finIdleTimeout, finHardTimeout, priority, cookie, flags, specs };
}

export function encodeNxSimple(w: Writer, a: OfAction): boolean {
  switch (a.t) {
    case 'resubmit': {
      const end = begin(w, a.short && a.table === 255 ? NXAST.RESUBMIT : a.ct ? NXAST.RESUBMIT_TABLE_CT : NXAST.RESUBMIT_TABLE);
      w.u16(a.port);
      if (!(a.short && a.table === 255)) w.u8(a.table);
      end();
      return true;
    }
    case 'set_tunnel':
      if (a.tunId <= 0xffffffffn && !a.wide) { const end = begin(w, NXAST.SET_TUNNEL); w.zeros(2).u32(Number(a.tunId)); end(); }
      else { const end = begin(w, NXAST.SET_TUNNEL64); w.zeros(6).u64(a.tunId); end(); }
      return true;
    case 'pop_queue': begin(w, NXAST.POP_QUEUE)(); return true;
    case 'exit': begin(w, NXAST.EXIT)(); return true;
    case 'note': { const end = begin(w, NXAST.NOTE); w.bytes(a.data); end(); return true; }
    case 'write_metadata': { const end = begin(w, NXAST.WRITE_METADATA); w.zeros(6).u64(a.metadata).u64(a.mask); end(); return true; }
    case 'controller': encodeController(w, a); return true;
    case 'learn': encodeLearn(w, a); return true;
    case 'move': {
      const end = begin(w, NXAST.REG_MOVE);
      w.u16(a.dst.nBits).u16(a.src.ofs).u16(a.dst.ofs);
      writeFieldHeader(w, fieldOf(a.src.field));
      writeFieldHeader(w, fieldOf(a.dst.field));
      end();
      return true;
    }
    default: return false;
  }
}

export function encodeDecTtlIds(w: Writer, ids: readonly number[]): void {
  const end = begin(w, NXAST.DEC_TTL_CNT_IDS);
  w.u16(ids.length).zeros(4);
  for (const id of ids) w.u16(id);
  end();
}

export function encodeNxGroup(w: Writer, group: number): void {
  const end = begin(w, NXAST.GROUP); w.zeros(2).u32(group); end();
}

export function encodeNxSetQueue(w: Writer, queue: number): void {
  const end = begin(w, NXAST.SET_QUEUE); w.zeros(2).u32(queue); end();
}

export function encodeNxDecTtl(w: Writer): void {
  begin(w, NXAST.DEC_TTL)();
}

function encodeController(w: Writer, a: ControllerAction): void {
  if (a.userdata || a.pause || a.meterId !== null || a.v2) {
    const end = begin(w, NXAST.CONTROLLER2);
    w.zeros(6);
    const prop = (type: number, body: Uint8Array) => {
      w.u16(type).u16(4 + body.length).bytes(body).zeros(pad8(4 + body.length) - 4 - body.length);
    };
    if (a.maxLen !== 0xffff) prop(NXAC2PT.MAX_LEN, bigToBytes(BigInt(a.maxLen), 2));
    if (a.controllerId) prop(NXAC2PT.CONTROLLER_ID, bigToBytes(BigInt(a.controllerId), 2));
    if (a.reason !== 1) prop(NXAC2PT.REASON, Uint8Array.of(a.reason));
    if (a.userdata) prop(NXAC2PT.USERDATA, a.userdata);
    if (a.pause) prop(NXAC2PT.PAUSE, new Uint8Array(0));
    if (a.meterId !== null) prop(NXAC2PT.METER_ID, bigToBytes(BigInt(a.meterId), 4));
    end();
    return;
  }
  const end = begin(w, NXAST.CONTROLLER);
  w.u16(a.maxLen).u16(a.controllerId).u8(a.reason).u8(0);
  end();
}

/** NXAST_REG_LOAD for `value` into [ofs, ofs+nBits) of `field`. */
export function encodeRegLoad(w: Writer, field: MfField, ofs: number, nBits: number, value: bigint): void {
  const end = begin(w, NXAST.REG_LOAD);
  w.u16((ofs << 6) | (nBits - 1));
  writeFieldHeader(w, field);
  w.u64(value);
  end();
}

export function encodeRegLoad2(w: Writer, field: MfField, value: bigint, mask: bigint): void {
  const end = begin(w, NXAST.REG_LOAD2);
  const id = wireIdFor(field, 0);
  const full = mask === onesBig(field.bytes * 8);
  const exp = id.experimenter !== undefined;
  const plen = (full ? field.bytes : 2 * field.bytes) + (exp ? 4 : 0);
  w.u32(((id.cls << 16) | (id.field << 9) | ((full ? 0 : 1) << 8) | plen) >>> 0);
  if (exp) w.u32(id.experimenter!);
  w.bytes(bigToBytes(value, field.bytes));
  if (!full) w.bytes(bigToBytes(mask, field.bytes));
  end();
}

/** Contiguous runs of 1-bits of `mask`, each at most 64 bits (OVS's next_load_segment). */
export function loadSegments(mask: bigint, width: number): Array<{ ofs: number; nBits: number }> {
  const out: Array<{ ofs: number; nBits: number }> = [];
  let i = 0;
  while (i < width) {
    if (!((mask >> BigInt(i)) & 1n)) { i++; continue; }
    const ofs = i;
    while (i < width && i - ofs < 64 && ((mask >> BigInt(i)) & 1n)) i++;
    out.push({ ofs, nBits: i - ofs });
  }
  return out;
}

function encodeLearn(w: Writer, a: LearnAction): void {
  const end = begin(w, NXAST.LEARN);
  w.u16(a.idleTimeout).u16(a.hardTimeout).u16(a.priority).u64(a.cookie).u16(a.flags).u8(a.table).u8(0)
    .u16(a.finIdleTimeout).u16(a.finHardTimeout);
  for (const s of a.specs) {
    const nBits = s.kind === 'output' ? s.src.nBits : s.dst.nBits;
    const srcImm = s.kind === 'match_imm' || s.kind === 'load_imm';
    const dst = s.kind.startsWith('match') ? 0 : s.kind.startsWith('load') ? 1 : 2;
    w.u16(((srcImm ? 1 : 0) << 13) | (dst << 11) | nBits);
    if (srcImm) w.bytes(bigToBytes((s as { value: bigint }).value, 2 * Math.ceil(nBits / 16)));
    else { const src = (s as { src: Subfield }).src; writeFieldHeader(w, fieldOf(src.field)); w.u16(src.ofs); }
    if (dst !== 2) { const d = (s as { dst: Subfield }).dst; writeFieldHeader(w, fieldOf(d.field)); w.u16(d.ofs); }
  }
  end();
}

/**
 * What OpenFlow's field-writing actions do to a flow during translation:
 * set_field/load, move, set_tunnel, mod_dl_*, mod_nw_*, mod_tp_*, dec_ttl,
 * write_metadata, and the flow_mod a learn action builds from a packet.
 *
 * Flows are plain records keyed by flow-field name, in whichever
 * representation the caller uses (the switch's numeric L2/L3 key or the
 * packet layer's full FlowKey with bigint tun_id and byte-array IPv6):
 * reads treat a missing field as zero, writes keep the field's existing
 * JavaScript type. Every field an action reads or writes is reported, so
 * the megaflow that caches the translation matches on it.
 *
 * Semantics follow OVS: set_field on vlan_vid also sets the tag-present
 * bit; loading nw_tos touches only the DSCP bits; dec_ttl on a packet whose
 * TTL is 0 or 1 stops the pipeline (the caller sends the invalid_ttl
 * packet-in).
 */
import type { FlowField } from '../packet/flow.js';
import { type Match, emptyMatch, normalizeMatch } from '../packet/match.js';
import type { LearnAction, OfAction, Subfield } from './actions.js';
import { FIELDS, type KeyValue, type MfField, fieldFromKey, onesBig, toBig, writeKeyBits } from './fields.js';
import { setFieldBits } from './nx-match.js';
import type { FlowMod } from './flow-mod.js';

export type FlowRec = Record<string, unknown>;

const ZERO16 = new Uint8Array(16);

export function readKey(flow: FlowRec, f: FlowField): KeyValue {
  const v = flow[f];
  if (v === undefined) return f.includes('ipv6') || f === 'nd_target' ? ZERO16 : 0;
  return v as KeyValue;
}

/** Writes a key value, keeping the record's existing representation for that field. */
export function writeKey(flow: FlowRec, f: FlowField, v: KeyValue): void {
  const old = flow[f];
  if (typeof v === 'bigint' && typeof old !== 'bigint') flow[f] = Number(v);
  else if (typeof v === 'number' && typeof old === 'bigint') flow[f] = BigInt(v);
  else flow[f] = v;
}

/** The value of a field (field-relative bits) in the flow. */
export function readField(flow: FlowRec, f: MfField): bigint {
  return fieldFromKey(f, readKey(flow, f.flow));
}

/** Writes `value` under `mask` (field-relative) into field `f` of the flow. */
export function writeField(flow: FlowRec, f: MfField, value: bigint, mask: bigint): void {
  writeKey(flow, f.flow, writeKeyBits(f, readKey(flow, f.flow), value, mask));
}

export function readSubfield(flow: FlowRec, sf: Subfield): bigint {
  const f = FIELDS.get(sf.field)!;
  return (readField(flow, f) >> BigInt(sf.ofs)) & onesBig(sf.nBits);
}

export function writeSubfield(flow: FlowRec, sf: Subfield, value: bigint): void {
  const f = FIELDS.get(sf.field)!;
  writeField(flow, f, value << BigInt(sf.ofs), onesBig(sf.nBits) << BigInt(sf.ofs));
}

export interface EditResult {
  /** False when the pipeline must stop (dec_ttl on an expiring packet). */
  readonly ok: boolean;
}

/** Applies a field-writing action to `flow`; returns null for actions it does not handle. */
export function applyEdit(flow: FlowRec, a: OfAction, examined: Set<string>): EditResult | null {
  const touch = (...fs: string[]) => { for (const f of fs) examined.add(f); };
  const set = (name: string, v: number | bigint) => {
    const f = FIELDS.get(name)!;
    touch(f.flow);
    writeField(flow, f, BigInt(v), onesBig(f.bytes * 8));
  };
  switch (a.t) {
    case 'mod_dl_src': set('eth_src', a.mac); return { ok: true };
    case 'mod_dl_dst': set('eth_dst', a.mac); return { ok: true };
    case 'mod_nw_src': set('ip_src', a.ip); return { ok: true };
    case 'mod_nw_dst': set('ip_dst', a.ip); return { ok: true };
    case 'mod_nw_tos': set('ip_dscp', a.tos >> 2); return { ok: true };
    case 'mod_nw_ecn': set('nw_ecn', a.ecn); return { ok: true };
    case 'mod_nw_ttl': set('nw_ttl', a.ttl); return { ok: true };
    case 'mod_tp_src': set('tcp_src', a.port); return { ok: true };
    case 'mod_tp_dst': set('tcp_dst', a.port); return { ok: true };
    case 'set_tunnel': touch('tun_id'); writeKey(flow, 'tun_id', a.tunId); return { ok: true };
    case 'write_metadata': {
      touch('metadata');
      const old = toBig(readKey(flow, 'metadata'));
      writeKey(flow, 'metadata', (old & ~a.mask) | (a.metadata & a.mask));
      return { ok: true };
    }
    case 'set_field': {
      const f = FIELDS.get(a.field)!;
      touch(f.flow);
      if (f.name === 'vlan_vid') {
        writeField(flow, FIELDS.get('vlan_tci')!, (a.value & 0xfffn) | 0x1000n, (a.mask & 0xfffn) | 0x1000n);
        return { ok: true };
      }
      if (f.name === 'vlan_pcp') {
        writeField(flow, FIELDS.get('vlan_tci')!, ((a.value & 7n) << 13n) | 0x1000n, 0xf000n);
        return { ok: true };
      }
      if (f.name === 'in_port_oxm') { writeKey(flow, 'in_port', Number(a.value)); return { ok: true }; }
      writeField(flow, f, a.value, a.mask);
      return { ok: true };
    }
    case 'move': {
      const src = FIELDS.get(a.src.field)!, dst = FIELDS.get(a.dst.field)!;
      touch(src.flow, dst.flow);
      writeSubfield(flow, a.dst, readSubfield(flow, a.src));
      return { ok: true };
    }
    case 'dec_ttl': {
      touch('nw_ttl', 'dl_type');
      const ttl = Number(readKey(flow, 'nw_ttl'));
      if (ttl <= 1) return { ok: false };
      writeKey(flow, 'nw_ttl', ttl - 1);
      return { ok: true };
    }
    default:
      return null;
  }
}

/** The flow_mod a learn action installs for a packet with flow `flow` (OVS's learn_execute). */
export function learnFlowMod(a: LearnAction, flow: FlowRec, examined: Set<string>): FlowMod {
  const m: Match = emptyMatch();
  const actions: OfAction[] = [];
  for (const s of a.specs) {
    const srcVal = (sf: Subfield) => { examined.add(FIELDS.get(sf.field)!.flow); return readSubfield(flow, sf); };
    switch (s.kind) {
      case 'match_field': case 'match_imm': {
        const v = s.kind === 'match_field' ? srcVal(s.src) : s.value;
        const f = FIELDS.get(s.dst.field)!;
        setFieldBits(m, f, v << BigInt(s.dst.ofs), onesBig(s.dst.nBits) << BigInt(s.dst.ofs));
        break;
      }
      case 'load_field': case 'load_imm': {
        const v = s.kind === 'load_field' ? srcVal(s.src) : s.value;
        actions.push({ t: 'set_field', field: s.dst.field, value: v << BigInt(s.dst.ofs), mask: onesBig(s.dst.nBits) << BigInt(s.dst.ofs), raw: 'load' });
        break;
      }
      case 'output': actions.push({ t: 'output', port: Number(srcVal(s.src)) }); break;
    }
  }
  return {
    command: 'add', match: normalizeMatch(m), priority: a.priority, cookie: 0n, cookieMask: 0n, newCookie: a.cookie,
    tableId: a.table, idleTimeout: a.idleTimeout, hardTimeout: a.hardTimeout, importance: 0, bufferId: 0xffffffff,
    outPort: 0xffff, outGroup: 0xffffffff, flags: a.flags & 1 ? 1 : 0, actions,
  };
}

/**
 * Flow messages: flow_mod, flow stats (request and reply), aggregate
 * stats, and flow_removed, in their three wire forms — OpenFlow 1.0
 * (fixed ofp_match), Nicira NXM (NXT_FLOW_MOD, NXST_FLOW,
 * NXT_FLOW_REMOVED) and OpenFlow 1.1+ (OXM, instructions) — decoded into
 * and encoded from one model, as OVS's ofputil_flow_mod.
 *
 * Cookies (OVS's semantics): an OpenFlow 1.0 or NX add/modify carries the
 * *new* cookie; only NX (via NXM_NX_COOKIE) and 1.1+ can match on cookies
 * with a mask, and an add that tries is NXBRC_NXM_INVALID. In 1.0 and 1.1
 * an add always resets counters (OFPUTIL_FF_RESET_COUNTS); from 1.2 on
 * the flag says so.
 *
 * Table ids: 1.0 carries one in the command's high byte only when the
 * session enabled NXT_FLOW_MOD_TABLE_ID; otherwise the table is "all"
 * (255), which the flow table treats as table 0 for adds.
 */
import type { Match } from '../packet/match.js';
import { emptyMatch } from '../packet/match.js';
import type { OfAction } from './actions.js';
import { OfError } from './errors.js';
import { FF, NXST, NXT, OFP10, OFP12, OFP13, OFP14, OFPMP, OFPP, OFPTT_ALL, OFPG_ANY, port10To11, port11To10 } from './constants.js';
import { type OfMessage, Reader, Writer, bodyReader, buildMessage, buildNx, nxStatsHeader, statsHeader } from './message.js';
import { decodeOfp10Match, encodeOfp10Match, OFP10_MATCH_LEN } from './ofp10-match.js';
import { decodeNxMatch, decodeOfpMatch, encodeNxMatch, encodeOfpMatch } from './nx-match.js';
import { decodeActions, decodeInstructions, encodeActions, encodeContext, encodeInstructions, verifyActions } from './action-codec.js';

export type FlowModCommand = 'add' | 'modify' | 'modify_strict' | 'delete' | 'delete_strict';
const COMMANDS: readonly FlowModCommand[] = ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'];

export interface FlowMod {
  readonly command: FlowModCommand;
  readonly match: Match;
  readonly priority: number;
  /** Cookie to match (with cookieMask) for modify/delete. */
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  /** Cookie to give added/modified flows; null means keep. */
  readonly newCookie: bigint | null;
  /** 255 = all tables (delete) or "unspecified" (1.0 without the table_id extension). */
  readonly tableId: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  readonly bufferId: number;
  readonly outPort: number;
  readonly outGroup: number;
  /** FF.* bits. */
  readonly flags: number;
  readonly actions: readonly OfAction[];
}

/** How a session encodes flows: OpenFlow version, and for 1.0 the flow format and table-id extension. */
export interface Protocol {
  readonly version: number;
  readonly nxm: boolean;
  readonly tableIdExt: boolean;
}

const RAW_FLAGS: ReadonlyArray<{ raw: number; flag: number; min: number; max: number }> = [
  { raw: 1, flag: FF.SEND_FLOW_REM, min: 1, max: 99 },
  { raw: 2, flag: FF.CHECK_OVERLAP, min: 1, max: 99 },
  { raw: 4, flag: FF.EMERG, min: 1, max: 1 },
  { raw: 4, flag: FF.RESET_COUNTS, min: OFP12, max: 99 },
  { raw: 8, flag: FF.NO_PKT_COUNTS, min: OFP13, max: 99 },
  { raw: 16, flag: FF.NO_BYT_COUNTS, min: OFP13, max: 99 },
];

export function decodeFlowModFlags(raw: number, version: number, command: FlowModCommand): number {
  let flags = 0;
  for (const f of RAW_FLAGS) {
    if (raw & f.raw && version >= f.min && version <= f.max) { raw &= ~f.raw; flags |= f.flag; }
  }
  if (version <= 2 && command === 'add') flags |= FF.RESET_COUNTS;
  if (raw) throw new OfError('OFPFMFC_BAD_FLAGS');
  return flags;
}

export function encodeFlowModFlags(flags: number, version: number): number {
  let raw = 0;
  for (const f of RAW_FLAGS) if (flags & f.flag && version >= f.min && version <= f.max) raw |= f.raw;
  return raw;
}

function command(c: number): FlowModCommand {
  const name = COMMANDS[c];
  if (!name) throw new OfError('OFPFMFC_BAD_COMMAND', `command ${c}`);
  return name;
}

function pad8(r: Reader, n: number): void {
  const p = ((n + 7) & ~7) - n;
  if (p) r.skip(Math.min(p, r.remaining), 'match.pad');
}

/** Decodes OFPT_FLOW_MOD (any version) or, with `nx`, the body of NXT_FLOW_MOD after its 16-byte header. */
export function decodeFlowMod(m: OfMessage, proto: Protocol, nx = false): FlowMod {
  const r = bodyReader(m);
  if (nx || m.version === OFP10) {
    let match: Match, cookie = 0n, cookieMask = 0n;
    let newCookie: bigint, cmd: number, idle: number, hard: number, priority: number, bufferId: number, outPort: number, rawFlags: number;
    if (nx) {
      r.skip(8, 'nx.vendor_subtype');
      if (r.remaining < 32) throw new OfError('OFPBRC_BAD_LEN', 'nx_flow_mod');
      newCookie = r.u64('cookie'); cmd = r.u16('command'); idle = r.u16('idle_timeout'); hard = r.u16('hard_timeout');
      priority = r.u16('priority'); bufferId = r.u32('buffer_id'); outPort = r.u16('out_port'); rawFlags = r.u16('flags');
      const matchLen = r.u16('match_len');
      r.skip(6, 'pad');
      if (r.remaining < ((matchLen + 7) & ~7)) throw new OfError('OFPBRC_BAD_LEN', 'nx_match overruns flow_mod');
      const res = decodeNxMatch(r, matchLen, { allowCookie: true });
      pad8(r, matchLen);
      match = res.match; cookie = res.cookie; cookieMask = res.cookieMask;
      if ((cmd & 0xff) === 0 && cookieMask) throw new OfError('NXBRC_NXM_INVALID', 'add with a cookie mask');
    } else {
      if (r.remaining < OFP10_MATCH_LEN + 24) throw new OfError('OFPBRC_BAD_LEN', 'ofp10_flow_mod');
      const wildcards = r.peek16(0, 'wildcards') << 16 | r.peek16(2, 'wildcards');
      match = decodeOfp10Match(r);
      newCookie = r.u64('cookie'); cmd = r.u16('command'); idle = r.u16('idle_timeout'); hard = r.u16('hard_timeout');
      priority = r.u16('priority'); bufferId = r.u32('buffer_id'); outPort = r.u16('out_port'); rawFlags = r.u16('flags');
      // OpenFlow 1.0 §3.4: an exact-match rule has the highest priority.
      if (((wildcards >>> 0) & ((1 << 22) - 1)) === 0) priority = 0xffff;
    }
    const tableId = proto.tableIdExt ? cmd >> 8 : OFPTT_ALL;
    const c = command(proto.tableIdExt ? cmd & 0xff : cmd);
    const actions = decodeActions(r, r.remaining, m.version);
    verifyActions(actions);
    const flags = decodeFlowModFlags(rawFlags, OFP10, c);
    if (flags & FF.EMERG) throw new OfError(idle || hard ? 'OFPFMFC_BAD_EMERG_TIMEOUT' : 'OFPFMFC_TABLE_FULL');
    return {
      command: c, match, priority, cookie, cookieMask, newCookie, tableId, idleTimeout: idle, hardTimeout: hard,
      importance: 0, bufferId, outPort, outGroup: OFPG_ANY, flags, actions,
    };
  }
  if (r.remaining < 40) throw new OfError('OFPBRC_BAD_LEN', 'ofp11_flow_mod');
  const ck = r.u64('cookie'), ckMask = r.u64('cookie_mask');
  const tableId = r.u8('table_id'), cmd = r.u8('command');
  const idle = r.u16('idle_timeout'), hard = r.u16('hard_timeout'), priority = r.u16('priority');
  const bufferId = r.u32('buffer_id');
  const outPort11 = r.u32('out_port'), outGroup = r.u32('out_group');
  const rawFlags = r.u16('flags'), importance = r.u16('importance');
  const { match } = decodeOfpMatch(r);
  const c = command(cmd);
  if (tableId === OFPTT_ALL && c !== 'delete' && c !== 'delete_strict') throw new OfError('OFPFMFC_BAD_TABLE_ID');
  const outPort = port11To10(outPort11);
  if (outPort === null) throw new OfError('OFPBRC_BAD_PORT', 'out_port');
  const actions = decodeInstructions(r, r.remaining, m.version);
  const isAdd = c === 'add';
  return {
    command: c, match, priority,
    cookie: isAdd ? 0n : ck, cookieMask: isAdd ? 0n : ckMask, newCookie: isAdd ? ck : null,
    tableId, idleTimeout: idle, hardTimeout: hard, importance: m.version >= OFP14 && isAdd ? importance : 0,
    bufferId, outPort, outGroup: c === 'delete' || c === 'delete_strict' ? outGroup : OFPG_ANY,
    flags: decodeFlowModFlags(rawFlags, m.version, c), actions,
  };
}

/** Encodes a flow_mod for `proto` (NXT_FLOW_MOD when proto.nxm in 1.0). */
export function encodeFlowMod(fm: FlowMod, proto: Protocol, xid: number): Uint8Array {
  const v = proto.version;
  const ctx = encodeContext(fm.match);
  const cmd = COMMANDS.indexOf(fm.command);
  const rawFlags = encodeFlowModFlags(fm.flags, v);
  // An add or modify with no table goes to table 0 (only deletes mean "every table" by 255).
  const table = fm.tableId === 0xff && (fm.command === 'add' || fm.command === 'modify' || fm.command === 'modify_strict') ? 0 : fm.tableId;
  const cmd10 = proto.tableIdExt ? ((table & 0xff) << 8) | cmd : cmd;
  const cookie10 = fm.newCookie ?? fm.cookie;
  if (v === OFP10 && proto.nxm) {
    return buildNx(v, xid, NXT.FLOW_MOD, (w) => {
      w.u64(cookie10).u16(cmd10).u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority).u32(fm.bufferId)
        .u16(fm.outPort).u16(rawFlags);
      const lenAt = w.length;
      w.u16(0).zeros(6);
      const n = encodeNxMatch(w, fm.match, 0, fm.cookie, fm.cookieMask);
      w.set16(lenAt, n);
      w.zeros(((n + 7) & ~7) - n);
      encodeActions(w, fm.actions, v, ctx);
    });
  }
  if (v === OFP10) {
    return buildMessage(v, 'FLOW_MOD', xid, (w) => {
      encodeOfp10Match(w, fm.match);
      w.u64(cookie10).u16(cmd10).u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority).u32(fm.bufferId)
        .u16(fm.outPort).u16(rawFlags);
      encodeActions(w, fm.actions, v, ctx);
    });
  }
  return buildMessage(v, 'FLOW_MOD', xid, (w) => {
    w.u64(fm.newCookie ?? fm.cookie).u64(fm.newCookie !== null ? 0n : fm.cookieMask).u8(table).u8(cmd)
      .u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority).u32(fm.bufferId)
      .u32(port10To11(fm.outPort)).u32(fm.outGroup).u16(rawFlags).u16(v >= OFP14 ? fm.importance : 0);
    encodeOfpMatch(w, fm.match, v);
    encodeInstructions(w, fm.actions, v, ctx);
  });
}

// ---- flow stats ----

export interface FlowStatsRequest {
  readonly aggregate: boolean;
  readonly match: Match;
  readonly tableId: number;
  readonly outPort: number;
  readonly outGroup: number;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
}

/** Decodes the body of an OFPST_FLOW/AGGREGATE (1.0), NXST_FLOW/AGGREGATE or OFPMP_FLOW/AGGREGATE request. */
export function decodeFlowStatsRequest(r: Reader, version: number, nx: boolean, aggregate: boolean): FlowStatsRequest {
  if (nx) {
    if (r.remaining < 8) throw new OfError('OFPBRC_BAD_LEN', 'nx_flow_stats_request');
    const outPort = r.u16('out_port'), matchLen = r.u16('match_len'), tableId = r.u8('table_id');
    r.skip(3, 'pad');
    if (r.remaining < matchLen) throw new OfError('OFPBRC_BAD_LEN');
    const res = decodeNxMatch(r, matchLen, { allowCookie: true });
    return { aggregate, match: res.match, tableId, outPort, outGroup: OFPG_ANY, cookie: res.cookie, cookieMask: res.cookieMask };
  }
  if (version === OFP10) {
    if (r.remaining < OFP10_MATCH_LEN + 4) throw new OfError('OFPBRC_BAD_LEN', 'ofp10_flow_stats_request');
    const match = decodeOfp10Match(r);
    const tableId = r.u8('table_id');
    r.skip(1, 'pad');
    return { aggregate, match, tableId, outPort: r.u16('out_port'), outGroup: OFPG_ANY, cookie: 0n, cookieMask: 0n };
  }
  if (r.remaining < 32) throw new OfError('OFPBRC_BAD_LEN', 'ofp11_flow_stats_request');
  const tableId = r.u8('table_id');
  r.skip(3, 'pad');
  const outPort = port11To10(r.u32('out_port'));
  if (outPort === null) throw new OfError('OFPBRC_BAD_PORT');
  const outGroup = r.u32('out_group');
  r.skip(4, 'pad');
  const cookie = r.u64('cookie'), cookieMask = r.u64('cookie_mask');
  const { match } = decodeOfpMatch(r);
  return { aggregate, match, tableId, outPort, outGroup, cookie, cookieMask };
}

export function encodeFlowStatsRequest(req: FlowStatsRequest, proto: Protocol, xid: number): Uint8Array {
  const v = proto.version;
  return buildMessage(v, 'STATS_REQUEST', xid, (w) => {
    if (v === OFP10 && proto.nxm) {
      nxStatsHeader(w, v, req.aggregate ? NXST.AGGREGATE : NXST.FLOW);
      const at = w.length;
      w.u16(req.outPort).u16(0).u8(req.tableId).zeros(3);
      const n = encodeNxMatch(w, req.match, 0, req.cookie, req.cookieMask);
      w.set16(at + 2, n);
      w.zeros(((n + 7) & ~7) - n);
    } else if (v === OFP10) {
      statsHeader(w, v, req.aggregate ? OFPMP.AGGREGATE : OFPMP.FLOW);
      encodeOfp10Match(w, req.match);
      w.u8(req.tableId).zeros(1).u16(req.outPort);
    } else {
      statsHeader(w, v, req.aggregate ? OFPMP.AGGREGATE : OFPMP.FLOW);
      w.u8(req.tableId).zeros(3).u32(port10To11(req.outPort)).u32(req.outGroup).zeros(4).u64(req.cookie).u64(req.cookieMask);
      encodeOfpMatch(w, req.match, v);
    }
  });
}

export interface FlowStats {
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly flags: number;
  readonly importance: number;
  readonly idleAge: number;
  readonly hardAge: number;
  readonly cookie: bigint;
  readonly packets: number;
  readonly bytes: number;
  readonly match: Match;
  readonly actions: readonly OfAction[];
}

/** Appends one flow stats entry in the session's format. */
export function encodeFlowStats(w: Writer, fs: FlowStats, proto: Protocol): void {
  const v = proto.version, start = w.length;
  const ctx = encodeContext(fs.match);
  if (v === OFP10 && proto.nxm) {
    w.u16(0).u8(fs.tableId).u8(0).u32(fs.durationSec).u32(fs.durationNsec).u16(fs.priority).u16(fs.idleTimeout)
      .u16(fs.hardTimeout);
    const lenAt = w.length;
    w.u16(0).u16(Math.min(fs.idleAge + 1, 0xffff)).u16(Math.min(fs.hardAge + 1, 0xffff)).u64(fs.cookie)
      .u64(BigInt(fs.packets)).u64(BigInt(fs.bytes));
    const n = encodeNxMatch(w, fs.match, 0);
    w.set16(lenAt, n);
    w.zeros(((n + 7) & ~7) - n);
    encodeActions(w, fs.actions, v, ctx);
  } else if (v === OFP10) {
    w.u16(0).u8(fs.tableId).u8(0);
    encodeOfp10Match(w, fs.match);
    w.u32(fs.durationSec).u32(fs.durationNsec).u16(fs.priority).u16(fs.idleTimeout).u16(fs.hardTimeout).zeros(6)
      .u64(fs.cookie).u64(BigInt(fs.packets)).u64(BigInt(fs.bytes));
    encodeActions(w, fs.actions, v, ctx);
  } else {
    w.u16(0).u8(fs.tableId).u8(0).u32(fs.durationSec).u32(fs.durationNsec).u16(fs.priority).u16(fs.idleTimeout)
      .u16(fs.hardTimeout).u16(encodeFlowModFlags(fs.flags, v)).u16(v >= OFP14 ? fs.importance : 0).zeros(2)
      .u64(fs.cookie).u64(BigInt(fs.packets)).u64(BigInt(fs.bytes));
    encodeOfpMatch(w, fs.match, v);
    encodeInstructions(w, fs.actions, v, ctx);
  }
  w.set16(start, w.length - start);
}

/** Decodes one flow stats entry; `r` is positioned at it. */
export function decodeFlowStats(r: Reader, proto: Protocol): FlowStats {
  const v = proto.version;
  const len = r.peek16(0, 'flow_stats.length');
  const e = r.sub(len, 'flow_stats');
  e.skip(2, 'length');
  const tableId = e.u8('table_id');
  e.skip(1, 'pad');
  if (v === OFP10 && proto.nxm) {
    const durationSec = e.u32('duration_sec'), durationNsec = e.u32('duration_nsec'), priority = e.u16('priority');
    const idleTimeout = e.u16('idle_timeout'), hardTimeout = e.u16('hard_timeout'), matchLen = e.u16('match_len');
    const idleAge = e.u16('idle_age') - 1, hardAge = e.u16('hard_age') - 1;
    const cookie = e.u64('cookie'), packets = Number(e.u64('packets')), bytes = Number(e.u64('bytes'));
    const { match } = decodeNxMatch(e, matchLen);
    pad8(e, matchLen);
    const actions = decodeActions(e, e.remaining, v);
    return { tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags: 0, importance: 0, idleAge, hardAge, cookie, packets, bytes, match, actions };
  }
  if (v === OFP10) {
    const match = decodeOfp10Match(e);
    const durationSec = e.u32('duration_sec'), durationNsec = e.u32('duration_nsec'), priority = e.u16('priority');
    const idleTimeout = e.u16('idle_timeout'), hardTimeout = e.u16('hard_timeout');
    e.skip(6, 'pad');
    const cookie = e.u64('cookie'), packets = Number(e.u64('packets')), bytes = Number(e.u64('bytes'));
    const actions = decodeActions(e, e.remaining, v);
    return { tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags: 0, importance: 0, idleAge: -1, hardAge: -1, cookie, packets, bytes, match, actions };
  }
  const durationSec = e.u32('duration_sec'), durationNsec = e.u32('duration_nsec'), priority = e.u16('priority');
  const idleTimeout = e.u16('idle_timeout'), hardTimeout = e.u16('hard_timeout'), rawFlags = e.u16('flags');
  const importance = e.u16('importance');
  e.skip(2, 'pad');
  const cookie = e.u64('cookie'), packets = Number(e.u64('packets')), bytes = Number(e.u64('bytes'));
  const { match } = decodeOfpMatch(e);
  const actions = decodeInstructions(e, e.remaining, v);
  return {
    tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags: decodeFlowModFlags(rawFlags, v, 'modify'),
    importance, idleAge: -1, hardAge: -1, cookie, packets, bytes, match, actions,
  };
}

export interface AggregateStats { readonly packets: number; readonly bytes: number; readonly flows: number }

export function encodeAggregate(w: Writer, a: AggregateStats): void {
  w.u64(BigInt(a.packets)).u64(BigInt(a.bytes)).u32(a.flows).zeros(4);
}

// ---- flow removed ----

export interface FlowRemoved {
  readonly match: Match;
  readonly cookie: bigint;
  readonly priority: number;
  readonly reason: number;
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly packets: number;
  readonly bytes: number;
}

export function encodeFlowRemoved(fr: FlowRemoved, proto: Protocol, xid = 0): Uint8Array {
  const v = proto.version;
  if (v === OFP10 && proto.nxm) {
    return buildNx(v, xid, NXT.FLOW_REMOVED, (w) => {
      w.u64(fr.cookie).u16(fr.priority).u8(fr.reason).u8(fr.tableId).u32(fr.durationSec).u32(fr.durationNsec)
        .u16(fr.idleTimeout);
      const at = w.length;
      w.u16(0).u64(BigInt(fr.packets)).u64(BigInt(fr.bytes));
      const n = encodeNxMatch(w, fr.match, 0);
      w.set16(at, n);
      w.zeros(((n + 7) & ~7) - n);
    });
  }
  if (v === OFP10) {
    return buildMessage(v, 'FLOW_REMOVED', xid, (w) => {
      encodeOfp10Match(w, fr.match);
      w.u64(fr.cookie).u16(fr.priority).u8(fr.reason).zeros(1).u32(fr.durationSec).u32(fr.durationNsec)
        .u16(fr.idleTimeout).zeros(2).u64(BigInt(fr.packets)).u64(BigInt(fr.bytes));
    });
  }
  return buildMessage(v, 'FLOW_REMOVED', xid, (w) => {
    w.u64(fr.cookie).u16(fr.priority).u8(fr.reason).u8(fr.tableId).u32(fr.durationSec).u32(fr.durationNsec)
      .u16(fr.idleTimeout).u16(fr.hardTimeout).u64(BigInt(fr.packets)).u64(BigInt(fr.bytes));
    encodeOfpMatch(w, fr.match, v);
  });
}

export const CATCH_ALL: Match = emptyMatch();
export { OFPP };

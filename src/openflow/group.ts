/**
 * OpenFlow groups (1.1+): the group table, group_mod semantics, the
 * group_mod / group desc / group stats / group features codecs, and the
 * ovs-ofctl group syntax (`group_id=1,type=all,bucket=actions=output:1`).
 *
 * Types: all (every bucket gets a copy), select (one bucket, chosen by a
 * hash of the flow's addresses), indirect (exactly one bucket), fast
 * failover (the first bucket whose watch port is live).
 *
 * Semantics as OVS: adding an existing group is OFPGMFC_GROUP_EXISTS,
 * modifying an unknown one OFPGMFC_UNKNOWN_GROUP; group ids above
 * OFPG_MAX are OFPGMFC_INVALID_GROUP; deleting a group (or all, with
 * OFPG_ALL) also deletes every flow that outputs to it, which the caller
 * does with the returned ids.
 */
import type { OfAction } from './actions.js';
import { OfError } from './errors.js';
import { OFPG_ALL, OFPG_ANY, OFPG_MAX, OFPGC, OFPGT, OFPMP, OFPP, port10To11, port11To10 } from './constants.js';
import { Writer, bodyReader, buildMessage, statsHeader, type OfMessage, type Reader } from './message.js';
import { decodeActions, encodeActions, encodeContext } from './action-codec.js';
import { formatActions, parseActions, splitKeyValues, type ActionParseOptions, type ActionFormatOptions } from './action-syntax.js';

export interface Bucket {
  readonly weight: number;
  readonly watchPort: number;
  readonly watchGroup: number;
  readonly actions: readonly OfAction[];
}

export interface Group {
  readonly id: number;
  readonly type: number;
  readonly buckets: readonly Bucket[];
  created: number;
  packets: number;
  bytes: number;
  bucketStats: Array<{ packets: number; bytes: number }>;
}

export interface GroupMod {
  readonly command: number;
  readonly type: number;
  readonly groupId: number;
  readonly buckets: readonly Bucket[];
}

const TYPE_NAMES = ['all', 'select', 'indirect', 'ff'];

export class GroupTable {
  readonly groups = new Map<number, Group>();

  /** Applies a group_mod; returns the ids of groups deleted (their flows must go too). */
  apply(gm: GroupMod, now: number): number[] {
    if (gm.command === OFPGC.DELETE) {
      const ids = gm.groupId === OFPG_ALL ? [...this.groups.keys()] : this.groups.has(gm.groupId) ? [gm.groupId] : [];
      for (const id of ids) this.groups.delete(id);
      return ids;
    }
    if (gm.groupId > OFPG_MAX) throw new OfError('OFPGMFC_INVALID_GROUP');
    if (gm.type > OFPGT.FF) throw new OfError('OFPGMFC_BAD_TYPE');
    if (gm.type === OFPGT.INDIRECT && gm.buckets.length !== 1) throw new OfError('OFPGMFC_INVALID_GROUP', 'indirect group needs one bucket');
    for (const b of gm.buckets) {
      for (const a of b.actions) if (a.t === 'group' && a.group === gm.groupId) throw new OfError('OFPGMFC_LOOP');
      if (a_groupsMissing(b.actions, this)) throw new OfError('OFPGMFC_CHAINING_UNSUPPORTED');
    }
    const group: Group = {
      id: gm.groupId, type: gm.type, buckets: gm.buckets, created: now, packets: 0, bytes: 0,
      bucketStats: gm.buckets.map(() => ({ packets: 0, bytes: 0 })),
    };
    if (gm.command === OFPGC.ADD) {
      if (this.groups.has(gm.groupId)) throw new OfError('OFPGMFC_GROUP_EXISTS');
      this.groups.set(gm.groupId, group);
      return [];
    }
    if (gm.command === OFPGC.MODIFY) {
      const old = this.groups.get(gm.groupId);
      if (!old) throw new OfError('OFPGMFC_UNKNOWN_GROUP');
      this.groups.set(gm.groupId, { ...group, created: old.created });
      return [];
    }
    throw new OfError('OFPGMFC_BAD_COMMAND', `group command ${gm.command}`);
  }
}

function a_groupsMissing(actions: readonly OfAction[], t: GroupTable): boolean {
  return actions.some((a) => a.t === 'group' && !t.groups.has(a.group));
}

// ---- codec (OpenFlow 1.1-1.4) ----

function decodeBuckets(r: Reader, version: number): Bucket[] {
  const out: Bucket[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 16) throw new OfError('OFPGMFC_BAD_BUCKET', 'truncated bucket');
    const len = r.u16('bucket.len');
    if (len < 16 || len - 2 > r.remaining) throw new OfError('OFPGMFC_BAD_BUCKET', `bucket length ${len}`);
    const b = r.sub(len - 2, 'bucket');
    const weight = b.u16('weight');
    const watchPort = port11To10(b.u32('watch_port')) ?? OFPP.ANY;
    const watchGroup = b.u32('watch_group');
    b.skip(4, 'pad');
    out.push({ weight, watchPort, watchGroup, actions: decodeActions(b, b.remaining, version) });
  }
  return out;
}

function encodeBuckets(w: Writer, buckets: readonly Bucket[], version: number): void {
  for (const bk of buckets) {
    const start = w.length;
    w.u16(0).u16(bk.weight).u32(port10To11(bk.watchPort)).u32(bk.watchGroup).zeros(4);
    encodeActions(w, bk.actions, version, encodeContext(null));
    w.set16(start, w.length - start);
  }
}

export function decodeGroupMod(m: OfMessage): GroupMod {
  const r = bodyReader(m);
  if (r.remaining < 8) throw new OfError('OFPBRC_BAD_LEN', 'group_mod');
  const command = r.u16('command'), type = r.u8('type');
  r.skip(1, 'pad');
  const groupId = r.u32('group_id');
  return { command, type, groupId, buckets: decodeBuckets(r, m.version) };
}

export function encodeGroupMod(gm: GroupMod, version: number, xid: number): Uint8Array {
  return buildMessage(version, 'GROUP_MOD', xid, (w) => {
    w.u16(gm.command).u8(gm.type).u8(0).u32(gm.groupId);
    encodeBuckets(w, gm.buckets, version);
  });
}

export function encodeGroupDesc(g: Group, version: number): Uint8Array {
  const w = new Writer();
  w.u16(0).u8(g.type).u8(0).u32(g.id);
  encodeBuckets(w, g.buckets, version);
  w.set16(0, w.length);
  return w.finish().slice();
}

export function decodeGroupDesc(r: Reader, version: number): GroupMod {
  const len = r.u16('length');
  const b = r.sub(len - 2, 'group_desc');
  const type = b.u8('type');
  b.skip(1, 'pad');
  return { command: OFPGC.ADD, type, groupId: b.u32('group_id'), buckets: decodeBuckets(b, version) };
}

export function encodeGroupStats(g: Group, now: number): Uint8Array {
  const w = new Writer();
  const age = Math.max(0, now - g.created);
  w.u16(0).zeros(2).u32(g.id).u32(0).zeros(4).u64(BigInt(g.packets)).u64(BigInt(g.bytes))
    .u32(Math.floor(age / 1000)).u32(Math.floor(age % 1000) * 1e6);
  for (const s of g.bucketStats) w.u64(BigInt(s.packets)).u64(BigInt(s.bytes));
  w.set16(0, w.length);
  return w.finish().slice();
}

/** OFPMP_GROUP_FEATURES body: the types, capabilities and limits OVS reports. */
export function encodeGroupFeatures(w: Writer): void {
  w.u32(0xf).u32(0x7);
  for (let i = 0; i < 4; i++) w.u32(OFPG_MAX);
  for (let i = 0; i < 4; i++) w.u32(0x03ff_ffff);
}

export function groupStatsRequestId(r: Reader): number {
  return r.remaining >= 4 ? r.u32('group_id') : OFPG_ALL;
}

export function groupMultipartRequest(version: number, xid: number, type: number, groupId = OFPG_ALL): Uint8Array {
  return buildMessage(version, 'STATS_REQUEST', xid, (w) => {
    statsHeader(w, version, type);
    if (type === OFPMP.GROUP) w.u32(groupId).zeros(4);
  });
}

// ---- syntax ----

export function formatGroup(g: GroupMod, opts: ActionFormatOptions = {}): string {
  const parts = [`group_id=${g.groupId}`, `type=${TYPE_NAMES[g.type] ?? g.type}`];
  for (const b of g.buckets) {
    const bp: string[] = [];
    if (g.type === OFPGT.SELECT && b.weight !== 1) bp.push(`weight:${b.weight}`);
    if (b.watchPort !== OFPP.ANY) bp.push(`watch_port:${b.watchPort}`);
    if (b.watchGroup !== OFPG_ANY) bp.push(`watch_group:${b.watchGroup}`);
    bp.push(`actions=${formatActions(b.actions, opts)}`);
    parts.push(`bucket=${bp.join(',')}`);
  }
  return parts.join(',');
}

/** Parses `group_id=N,type=T,bucket=...` (add-group / mod-group syntax). */
export function parseGroup(s: string, command: number, opts: ActionParseOptions = {}): GroupMod {
  const i = s.indexOf('bucket=');
  const head = i < 0 ? s : s.slice(0, i);
  const bucketText = i < 0 ? '' : s.slice(i);
  let groupId = -1, type = -1;
  for (const [k, v] of splitKeyValues(head)) {
    if (k === 'group_id') groupId = v === 'all' ? OFPG_ALL : Number(v);
    else if (k === 'type') { type = TYPE_NAMES.indexOf(v); if (type < 0) throw new OfError('OFPGMFC_BAD_TYPE', `unknown group type ${v}`); }
    else throw new Error(`unknown keyword ${k}`);
  }
  if (groupId < 0) throw new Error('must specify a group_id');
  const buckets: Bucket[] = [];
  for (const part of bucketText.split(/,?bucket=/).filter(Boolean)) {
    let weight = type === OFPGT.SELECT ? 1 : 0, watchPort: number = OFPP.ANY, watchGroup = OFPG_ANY;
    let rest = part;
    for (;;) {
      const m = /^(weight|watch_port|watch_group)[:=](\w+),?/.exec(rest);
      if (!m) break;
      if (m[1] === 'weight') weight = Number(m[2]);
      else if (m[1] === 'watch_port') watchPort = Number(m[2]);
      else watchGroup = Number(m[2]);
      rest = rest.slice(m[0].length);
    }
    rest = rest.replace(/^actions?[=:]/, '');
    buckets.push({ weight, watchPort, watchGroup, actions: parseActions(rest, opts) });
  }
  if (command !== OFPGC.DELETE && type < 0) throw new Error('must specify a type');
  return { command, type: Math.max(type, 0), groupId, buckets };
}

/**
 * The switch's OpenFlow message handlers: one function from (bridge,
 * session state, request) to the reply messages, after OVS's
 * ofproto/handle_openflow. A refusal is an OfError thrown before anything
 * changed; the session turns it into an OFPT_ERROR carrying the request.
 *
 * Covered: echo, features, get/set config, flow_mod (1.0, NXM, 1.3),
 * packet_out, port_mod, barrier, role (OpenFlow 1.2+ and NX), the Nicira
 * session settings (flow format, packet-in format, flow_mod table id,
 * controller id), async config, group_mod, table_mod, meter_mod (no
 * meters), bundles (ONF extension for 1.3), and the stats: desc, flow,
 * aggregate, table, table features, port, port desc, queue, group, group
 * desc, group features, meter features.
 *
 * Replies to multipart requests are split at 64 KiB with the "more" flag.
 */
import { OfError } from '../errors.js';
import {
  NXST, NXT, NX_VENDOR_ID, N_TABLES, OFP10, OFP12, OFPMP, OFPGC, OFPG_ALL, OFPP, OFPRR, ONFT, ONF_VENDOR_ID, OFPBCT, FF,
} from '../constants.js';
import { type OfMessage, Writer, buildMessage, buildNx, buildOnf, bodyReader, nameOf, statsOf, vendorOf, nxStatsHeader, statsHeader } from '../message.js';
import { type FlowStats, type Protocol, decodeFlowMod, decodeFlowStatsRequest, encodeAggregate, encodeFlowStats } from '../flow-mod.js';
import { type RemovedRule, countsOf } from '../flow-table.js';
import { decodePacketOut } from '../packet-msgs.js';
import {
  decodeConfig, decodePortMod, decodePortStatsRequest, encodeConfig, encodeDesc, encodeFeaturesReply, encodePort,
  encodePortStats, encodeTableFeatures, encodeTableStats, multipartReplies,
} from '../switch-msgs.js';
import { decodeGroupMod, encodeGroupDesc, encodeGroupFeatures, encodeGroupStats, groupStatsRequestId } from '../group.js';
import { type OfBridge, type SessionState, type Role } from './bridge-view.js';
import { FIELDS, wireIdFor } from '../fields.js';

export interface HandlerEnv {
  readonly bridge: OfBridge;
  readonly state: SessionState;
  /** Notifies listeners of removed rules (flow_removed to whoever asked). */
  flowRemoved(removed: readonly RemovedRule[]): void;
  /** This connection became master: the others become slaves. */
  becameMaster(): void;
}

const MUTATING = new Set(['FLOW_MOD', 'GROUP_MOD', 'PORT_MOD', 'TABLE_MOD', 'METER_MOD', 'PACKET_OUT', 'SET_CONFIG']);

export function protocolOf(s: SessionState): Protocol {
  return { version: s.version, nxm: s.nxm, tableIdExt: s.tableIdExt };
}

/** Handles one message from a connected peer; returns the replies. */
export function handleMessage(env: HandlerEnv, m: OfMessage): Uint8Array[] {
  const s = env.state, b = env.bridge, v = s.version;
  if (m.version !== v) throw new OfError('OFPBRC_BAD_VERSION');
  const name = nameOf(m);
  if (name && MUTATING.has(name) && s.role === 'slave') throw new OfError('OFPBRC_IS_SECONDARY');
  switch (name) {
    case 'HELLO': return [];
    case 'ECHO_REQUEST': return [buildMessage(v, 'ECHO_REPLY', m.xid, (w) => w.bytes(m.bytes.subarray(8)))];
    case 'ECHO_REPLY': case 'ERROR': return [];
    case 'FEATURES_REQUEST':
      return [encodeFeaturesReply({ datapathId: b.datapathId(), nTables: N_TABLES, ports: b.ports() }, v, m.xid)];
    case 'GET_CONFIG_REQUEST':
      return [encodeConfig({ flags: s.fragFlags, missSendLen: s.missSendLen }, v, m.xid, 'GET_CONFIG_REPLY')];
    case 'SET_CONFIG': {
      const c = decodeConfig(m);
      s.fragFlags = c.flags & 3;
      s.missSendLen = c.missSendLen;
      return [];
    }
    case 'BARRIER_REQUEST': return [buildMessage(v, 'BARRIER_REPLY', m.xid)];
    case 'FLOW_MOD': flowMod(env, m, false); return [];
    case 'PACKET_OUT': b.packetOut(decodePacketOut(m)); return [];
    case 'PORT_MOD': b.portMod(decodePortMod(m)); return [];
    case 'GROUP_MOD': groupMod(env, m); return [];
    case 'TABLE_MOD': return [];
    case 'METER_MOD': throw new OfError('OFPMMFC_OUT_OF_METERS');
    case 'ROLE_REQUEST': return [roleRequest(env, m, false)];
    case 'GET_ASYNC_REQUEST':
      return [buildMessage(v, 'GET_ASYNC_REPLY', m.xid, (w) => { w.u32(7).u32(0).u32(7).u32(7).u32(0xf).u32(0); })];
    case 'SET_ASYNC': return [];
    case 'QUEUE_GET_CONFIG_REQUEST':
      return [buildMessage(v, 'QUEUE_GET_CONFIG_REPLY', m.xid, (w) => {
        const r = bodyReader(m);
        if (v === OFP10) w.u16(r.remaining >= 2 ? r.u16('port') : OFPP.ANY).zeros(6);
        else w.u32(r.remaining >= 4 ? r.u32('port') : 0xffffffff).zeros(4);
      })];
    case 'STATS_REQUEST': return stats(env, m);
    case 'VENDOR': return vendor(env, m);
    case 'BUNDLE_CONTROL': case 'BUNDLE_ADD_MESSAGE': throw new OfError('OFPBRC_BAD_TYPE', 'OpenFlow 1.4 bundles need OpenFlow 1.4');
    default: throw new OfError('OFPBRC_BAD_TYPE', `message type ${m.type}`);
  }
}

function flowMod(env: HandlerEnv, m: OfMessage, nx: boolean): void {
  const fm = decodeFlowMod(m, protocolOf(env.state), nx);
  const b = env.bridge;
  const out = b.flows.apply(fm, b.now(), { version: env.state.version, groupExists: (id) => b.groups.groups.has(id) });
  if (out.added.length || out.modified.length || out.removed.length) b.flowsChanged();
  // Replacing a rule is not a removal; deleting one that asked for it is.
  const deleted = fm.command === 'delete' || fm.command === 'delete_strict' ? out.removed : [];
  if (deleted.length) env.flowRemoved(deleted);
}

function groupMod(env: HandlerEnv, m: OfMessage): void {
  const b = env.bridge;
  const gm = decodeGroupMod(m);
  const gone = b.groups.apply(gm, b.now());
  // Deleting a group deletes the flows that output to it.
  const removed: RemovedRule[] = [];
  for (const id of gone) {
    const out = b.flows.apply({
      command: 'delete', match: { fields: {}, masks: {} }, priority: 0, cookie: 0n, cookieMask: 0n, newCookie: null,
      tableId: 0xff, idleTimeout: 0, hardTimeout: 0, importance: 0, bufferId: 0xffffffff, outPort: OFPP.ANY, outGroup: id,
      flags: 0, actions: [],
    }, b.now(), { version: env.state.version, groupExists: () => true });
    removed.push(...out.removed.map((r) => ({ ...r, reason: OFPRR.GROUP_DELETE })));
  }
  if (gm.command !== OFPGC.ADD || gone.length) b.flowsChanged();
  if (removed.length) env.flowRemoved(removed);
}

const ROLES: Role[] = ['equal', 'equal', 'master', 'slave'];

function roleRequest(env: HandlerEnv, m: OfMessage, nx: boolean): Uint8Array {
  const s = env.state, v = s.version;
  const r = bodyReader(m);
  if (nx) r.skip(8, 'nx');
  if (r.remaining < 4) throw new OfError('OFPBRC_BAD_LEN', 'role request');
  const raw = r.u32('role');
  // NX roles are 0 other, 1 master, 2 slave; OpenFlow 1.2+ 0 nochange, 1 equal, 2 master, 3 slave.
  const role: Role | null = nx ? (['equal', 'master', 'slave'] as const)[raw] ?? null : raw === 0 ? s.role : ROLES[raw] ?? null;
  if (!role) throw new OfError('OFPRRFC_BAD_ROLE');
  if (role === 'master' && s.role !== 'master') env.becameMaster();
  s.role = role;
  if (nx) return buildNx(v, m.xid, NXT.ROLE_REPLY, (w) => w.u32(['equal', 'master', 'slave'].indexOf(role)));
  return buildMessage(v, 'ROLE_REPLY', m.xid, (w) => { w.u32(ROLES.lastIndexOf(role)).zeros(4).u64(0n); });
}

function vendor(env: HandlerEnv, m: OfMessage): Uint8Array[] {
  const s = env.state, v = s.version;
  const { vendor: vid, subtype, body } = vendorOf(m);
  if (vid === ONF_VENDOR_ID && v >= OFP12) return onfBundle(env, m, subtype);
  if (vid !== NX_VENDOR_ID) throw new OfError('OFPBRC_BAD_VENDOR', `vendor ${vid}`);
  switch (subtype) {
    case NXT.SET_FLOW_FORMAT: {
      if (v !== OFP10) throw new OfError('OFPBRC_BAD_SUBTYPE');
      const f = body.u32('format');
      if (f !== 0 && f !== 2) throw new OfError('OFPBRC_EPERM', `flow format ${f}`);
      s.nxm = f === 2;
      return [];
    }
    case NXT.FLOW_MOD_TABLE_ID: s.tableIdExt = body.u8('set') !== 0; return [];
    case NXT.FLOW_MOD:
      if (v !== OFP10) throw new OfError('OFPBRC_BAD_SUBTYPE');
      if (s.role === 'slave') throw new OfError('OFPBRC_IS_SECONDARY');
      flowMod(env, m, true);
      return [];
    case NXT.SET_PACKET_IN_FORMAT: {
      const f = body.u32('format');
      if (f > 2) throw new OfError('OFPBRC_EPERM', `packet-in format ${f}`);
      s.packetInFormat = f;
      return [];
    }
    case NXT.SET_CONTROLLER_ID: body.skip(6, 'pad'); s.controllerId = body.u16('id'); return [];
    case NXT.ROLE_REQUEST: return [roleRequest(env, m, true)];
    case NXT.FLOW_AGE: case NXT.SET_ASYNC_CONFIG: return [];
    case 27: return [];   // NXT_SET_ASYNC_CONFIG2
    default: throw new OfError('OFPBRC_BAD_SUBTYPE', `NX subtype ${subtype}`);
  }
}

// ---- stats ----

const featureCache = new Map<string, Uint8Array>();

/** The OXM headers (without length) of every field, as version `v` names them. */
function oxmHeaders(v: number): { match: number[]; maskable: Set<number>; settable: number[] } {
  const match: number[] = [], settable: number[] = [], maskable = new Set<number>();
  for (const f of FIELDS.values()) {
    if (f.name === 'in_port') continue;
    const id = wireIdFor(f, v);
    if (id.experimenter !== undefined) continue;
    const h = ((id.cls << 16) | (id.field << 9) | f.bytes) >>> 0;
    if (match.includes(h)) continue;
    match.push(h);
    if (f.maskable) maskable.add(h);
    if (f.writable) settable.push(h);
  }
  return { match, maskable, settable };
}

function tableFeatures(v: number, t: number): Uint8Array {
  const key = `${v}/${t}`;
  let b = featureCache.get(key);
  if (!b) {
    const w = new Writer(1024);
    encodeTableFeatures(w, t, 1000000, oxmHeaders(v));
    b = w.finish().slice();
    featureCache.set(key, b);
  }
  return b;
}

function flowStatsEntries(env: HandlerEnv, entries: FlowStats[]): Uint8Array[] {
  const proto = protocolOf(env.state);
  return entries.map((fs) => { const w = new Writer(); encodeFlowStats(w, fs, proto); return w.finish().slice(); });
}

function ruleStats(env: HandlerEnv, nx: boolean, aggregate: boolean, m: OfMessage, body: ReturnType<typeof statsOf>['body']): Uint8Array[] {
  const b = env.bridge, v = env.state.version, now = b.now();
  const req = decodeFlowStatsRequest(body, v, nx, aggregate);
  const rules = b.flows.statsSelect(req).filter((r) => r.priority <= 0xffff);
  const head = (w: Writer, type: number, more = 0) => nx ? nxStatsHeader(w, v, type, more) : statsHeader(w, v, type, more);
  if (aggregate) {
    let packets = 0, bytes = 0;
    for (const r of rules) { const c = countsOf(r); packets += c.packets; bytes += c.bytes; }
    return [buildMessage(v, 'STATS_REPLY', m.xid, (w) => {
      head(w, nx ? NXST.AGGREGATE : OFPMP.AGGREGATE);
      encodeAggregate(w, { packets, bytes, flows: rules.length });
    })];
  }
  rules.sort((a, c) => a.table - c.table || c.priority - a.priority);
  const entries = rules.map((r): FlowStats => {
    const age = Math.max(0, now - r.created), c = countsOf(r);
    return {
      tableId: r.table, durationSec: Math.floor(age / 1000), durationNsec: Math.floor(age % 1000) * 1e6, priority: r.priority,
      idleTimeout: r.idleTimeout, hardTimeout: r.hardTimeout, flags: r.flags, importance: r.importance,
      idleAge: Math.floor(Math.max(0, now - Math.max(r.counters.used, r.created)) / 1000),
      hardAge: Math.floor(Math.max(0, now - r.modified) / 1000), cookie: r.cookie, packets: c.packets, bytes: c.bytes,
      match: r.match, actions: r.actions,
    };
  });
  const type = nx ? NXST.FLOW : OFPMP.FLOW;
  return multipartReplies(v, m.xid, type, flowStatsEntries(env, entries), nx ? (w) => head(w, type) : undefined);
}

function stats(env: HandlerEnv, m: OfMessage): Uint8Array[] {
  const b = env.bridge, v = env.state.version, now = b.now();
  const st = statsOf(m);
  const one = (type: number, body: (w: Writer) => void) => [buildMessage(v, 'STATS_REPLY', m.xid, (w) => { statsHeader(w, v, type); body(w); })];
  const list = (type: number, entries: Uint8Array[]) => multipartReplies(v, m.xid, type, entries);
  const bytes = (f: (w: Writer) => void) => { const w = new Writer(); f(w); return w.finish().slice(); };
  switch (st.type) {
    case OFPMP.DESC:
      return one(OFPMP.DESC, (w) => encodeDesc(w, { mfr: 'Weft', hw: 'Weft', sw: '0.1.0', serial: 'None', dp: `${b.name}` }));
    case OFPMP.FLOW: return ruleStats(env, false, false, m, st.body);
    case OFPMP.AGGREGATE: return ruleStats(env, false, true, m, st.body);
    case OFPMP.TABLE: {
      const entries: Uint8Array[] = [];
      for (let t = 0; t < N_TABLES; t++) entries.push(bytes((w) => encodeTableStats(w, { tableId: t, active: b.flows.count(t), lookup: 0, matched: 0 }, v)));
      return list(OFPMP.TABLE, entries);
    }
    case OFPMP.PORT_STATS: {
      const port = decodePortStatsRequest(st.body, v);
      const ports = b.portStats(port);
      if (port !== OFPP.ANY && ports.length === 0) throw new OfError('OFPBRC_BAD_PORT');
      return list(OFPMP.PORT_STATS, ports.map((p) => bytes((w) => encodePortStats(w, p, v))));
    }
    case OFPMP.QUEUE: return list(OFPMP.QUEUE, []);
    case OFPMP.PORT_DESC: return list(OFPMP.PORT_DESC, b.ports().map((p) => bytes((w) => encodePort(w, p, v))));
    case OFPMP.TABLE_FEATURES: {
      if (v === OFP10) throw new OfError('OFPBRC_BAD_STAT');
      if (st.body.remaining > 0) throw new OfError('OFPTFFC_EPERM', 'setting table features');
      const entries: Uint8Array[] = [];
      for (let t = 0; t < N_TABLES; t++) entries.push(tableFeatures(v, t));
      return list(OFPMP.TABLE_FEATURES, entries);
    }
    case OFPMP.GROUP: {
      const id = groupStatsRequestId(st.body);
      const groups = [...b.groups.groups.values()].filter((g) => id === OFPG_ALL || g.id === id).sort((x, y) => x.id - y.id);
      return list(OFPMP.GROUP, groups.map((g) => encodeGroupStats(g, now)));
    }
    case OFPMP.GROUP_DESC: {
      const groups = [...b.groups.groups.values()].sort((x, y) => x.id - y.id);
      return list(OFPMP.GROUP_DESC, groups.map((g) => encodeGroupDesc(g, v)));
    }
    case OFPMP.GROUP_FEATURES: return one(OFPMP.GROUP_FEATURES, (w) => encodeGroupFeatures(w));
    case OFPMP.METER: case OFPMP.METER_CONFIG: return list(st.type, []);
    case OFPMP.METER_FEATURES: return one(OFPMP.METER_FEATURES, (w) => w.u32(0).u32(0).u32(0).u8(0).u8(0).zeros(2));
    case OFPMP.VENDOR: {
      if (st.vendor !== NX_VENDOR_ID) throw new OfError('OFPBRC_BAD_VENDOR');
      if (st.subtype === NXST.FLOW) return ruleStats(env, true, false, m, st.body);
      if (st.subtype === NXST.AGGREGATE) return ruleStats(env, true, true, m, st.body);
      throw new OfError('OFPBRC_BAD_SUBTYPE', `NXST subtype ${st.subtype}`);
    }
    default: throw new OfError('OFPBRC_BAD_STAT', `stats type ${st.type}`);
  }
}

// ---- bundles (ONF extension 2300/2301 for OpenFlow 1.3) ----

function onfBundle(env: HandlerEnv, m: OfMessage, subtype: number): Uint8Array[] {
  const s = env.state, v = s.version;
  const { body } = vendorOf(m);
  if (body.remaining < 8) throw new OfError('OFPBFC_MSG_BAD_LEN');
  const id = body.u32('bundle_id');
  if (subtype === ONFT.BUNDLE_ADD_MESSAGE) {
    body.skip(2, 'pad');
    const flags = body.u16('flags');
    const inner = body.rest();
    if (inner.length < 8) throw new OfError('OFPBFC_MSG_BAD_LEN');
    const len = (inner[2]! << 8) | inner[3]!;
    if (len > inner.length || len < 8) throw new OfError('OFPBFC_MSG_BAD_LEN');
    const bytes = Uint8Array.from(inner.subarray(0, len));
    const msg: OfMessage = { version: bytes[0]!, type: bytes[1]!, xid: new DataView(bytes.buffer).getUint32(4), bytes };
    if (msg.version !== v) throw new OfError('OFPBRC_BAD_VERSION');
    const n = nameOf(msg);
    if (n !== 'FLOW_MOD' && n !== 'GROUP_MOD' && n !== 'PORT_MOD') throw new OfError('OFPBFC_MSG_UNSUP');
    let bundle = s.bundles.get(id);
    if (!bundle) { bundle = { flags, msgs: [], closed: false }; s.bundles.set(id, bundle); }
    if (bundle.closed) throw new OfError('OFPBFC_BUNDLE_CLOSED');
    if (bundle.flags !== flags) throw new OfError('OFPBFC_BAD_FLAGS');
    bundle.msgs.push(msg);
    return [];
  }
  if (subtype !== ONFT.BUNDLE_CONTROL) throw new OfError('OFPBRC_BAD_SUBTYPE');
  const type = body.u16('type'), flags = body.u16('flags');
  const reply = (t: number) => [buildOnf(v, m.xid, ONFT.BUNDLE_CONTROL, (w) => { w.u32(id).u16(t).u16(flags); })];
  const bundle = s.bundles.get(id);
  switch (type) {
    case OFPBCT.OPEN_REQUEST:
      if (bundle) throw new OfError('OFPBFC_BUNDLE_EXIST');
      s.bundles.set(id, { flags, msgs: [], closed: false });
      return reply(OFPBCT.OPEN_REPLY);
    case OFPBCT.CLOSE_REQUEST:
      if (!bundle) throw new OfError('OFPBFC_BAD_ID');
      if (bundle.closed) throw new OfError('OFPBFC_BUNDLE_CLOSED');
      bundle.closed = true;
      return reply(OFPBCT.CLOSE_REPLY);
    case OFPBCT.DISCARD_REQUEST:
      if (!bundle) throw new OfError('OFPBFC_BAD_ID');
      s.bundles.delete(id);
      return reply(OFPBCT.DISCARD_REPLY);
    case OFPBCT.COMMIT_REQUEST: {
      if (!bundle) throw new OfError('OFPBFC_BAD_ID');
      s.bundles.delete(id);
      commitAtomically(env, bundle.msgs);
      return reply(OFPBCT.COMMIT_REPLY);
    }
    default: throw new OfError('OFPBFC_BAD_TYPE');
  }
}

/** A bundle commit failed: the message that failed and why (answered first), then OFPBFC_MSG_FAILED. */
export class BundleFailure extends OfError {
  constructor(readonly inner: OfError, readonly msg: OfMessage) {
    super('OFPBFC_MSG_FAILED', inner.message);
  }
}

/** Applies every message of a bundle, or none: on the first error the tables are restored. */
function commitAtomically(env: HandlerEnv, msgs: readonly OfMessage[]): void {
  const b = env.bridge;
  const snapshot = [...b.flows.all()].map((r) => ({ rule: r, actions: r.actions, cookie: r.cookie, n_packets: r.counters.n_packets, n_bytes: r.counters.n_bytes, modified: r.modified }));
  const groups = new Map(b.groups.groups);
  const pendingRemoved: RemovedRule[] = [];
  const sub: HandlerEnv = { ...env, flowRemoved: (r) => { pendingRemoved.push(...r); } };
  let failing: OfMessage | null = null;
  try {
    for (const msg of msgs) { failing = msg; handleMessage(sub, msg); }
  } catch (e) {
    b.flows.clear();
    for (const s of snapshot) {
      s.rule.actions = s.actions; s.rule.cookie = s.cookie; s.rule.counters.n_packets = s.n_packets; s.rule.counters.n_bytes = s.n_bytes; s.rule.modified = s.modified;
      b.flows.insert(s.rule);
    }
    b.groups.groups.clear();
    for (const [k, g] of groups) b.groups.groups.set(k, g);
    b.flowsChanged();
    if (e instanceof OfError) throw new BundleFailure(e, failing!);
    throw e;
  }
  if (pendingRemoved.length) env.flowRemoved(pendingRemoved);
}

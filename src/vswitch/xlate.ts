/**
 * Translation ("xlate", after OVS's ofproto-dpif-xlate): runs a packet's
 * flow through a bridge's flow table and its actions, and compiles the
 * outcome into datapath actions plus the set of flow fields the decision
 * depended on (the megaflow mask).
 *
 * Two views of the VLAN tag are kept apart: the *logical* flow, which
 * OpenFlow actions read and modify, and the *committed* tag, the one the
 * datapath packet actually carries at this point of the action list. An
 * output first commits the tag it needs (pop_vlan / push_vlan), so
 * `pop_vlan,1,push_vlan(vid=10,pcp=0),2` falls out naturally.
 *
 * Patch ports are not datapath ports: output to one continues translation
 * in the peer bridge, in the same pass, so one megaflow covers the path
 * across both bridges.
 *
 * The OpenFlow pipeline: a lookup in table 0, then the rule's actions;
 * resubmit and goto_table look up other tables recursively, groups run
 * their buckets on copies of the flow, learn installs flows (again on
 * every cache hit, as a side effect), controller actions become
 * `userspace` actions that hand the packet to the bridge's packet-in
 * hook. Header fields the actions change are committed as datapath
 * `set(...)` actions just before each output (src/openflow/odp-commit.ts).
 *
 * Every drop records its reason; `ofproto/trace` prints them, and the
 * packet path counts them.
 */
import type { DpAction } from './odp.js';
import { formatDpActions } from './odp.js';
import type { HitEffect, RuleCounters } from './megaflow.js';
import { OFPP_LOCAL, type Ofproto, type OfAction, type OfPort } from './ofproto.js';
import { normal } from './normal.js';
import { VLAN_CFI, formatMac } from './flowkey.js';
import type { HostTunnels } from './tunnel-host.js';
import { type TunnelTables, tunnelEncap, arpRequest, formatIpv4, udpSourcePort } from './tunnel.js';
import { formatMatch } from '../packet/flow-syntax.js';
import { formatAction } from '../openflow/action-syntax.js';
import { applyEdit, learnFlowMod } from '../openflow/flow-edit.js';
import { commitSets } from '../openflow/odp-commit.js';
import { packetInMetadata } from '../openflow/packet-msgs.js';
import type { OfAction as Act } from '../openflow/actions.js';
import { OFPP, OFPR, OFPGT } from '../openflow/constants.js';

export interface XlateRegistry {
  /** Finds the bridge port (interface) named `name` in any bridge, for patch peers. */
  portByInterfaceName(name: string): { ofproto: Ofproto; port: OfPort } | undefined;
  readonly bridges: ReadonlyMap<string, Ofproto>;
  readonly tunnels: TunnelTables;
  /** Tunnels through the host's UDP stack, used when no bridge routes to the remote VTEP. */
  readonly hostTunnels?: HostTunnels;
  /** Sends a frame the switch originates (an ARP request for a VTEP) out of a bridge, as its own port would. */
  sendFromLocal(bridge: string, frame: Buffer): void;
}

export interface XlateResult {
  readonly actions: DpAction[];
  readonly fields: string[];
  readonly effects: HitEffect[];
  readonly rules: RuleCounters[];
  /** Trace text (when requested), without the final "Datapath actions:" line. */
  readonly trace: string[];
  readonly dropReasons: string[];
  readonly macDeps: number[];
  /** False when the decision must be re-made for every packet (e.g. waiting for ARP). */
  readonly cacheable: boolean;
  /** The flow after the actions modified it (ofproto/trace's "Final flow"). */
  readonly finalFlow?: Readonly<Record<string, number>>;
}

export interface XlateInput {
  readonly ofproto: Ofproto;
  readonly inOfport: number;
  /** The flow; `in_port` is the OpenFlow port of `ofproto`. */
  readonly flow: Readonly<Record<string, number>>;
  readonly now: number;
  /** False for ofproto/trace: tracing must not learn. */
  readonly mayLearn: boolean;
  readonly wantTrace: boolean;
}

const MAX_DEPTH = 64;

class Ctx {
  readonly actions: DpAction[] = [];
  readonly fields = new Set<string>(['in_port']);
  readonly effects: HitEffect[] = [];
  readonly rules: RuleCounters[] = [];
  readonly trace: string[] = [];
  readonly drops: string[] = [];
  readonly macDeps = new Set<number>();
  cacheable = true;
  committedTci: number;
  depth = 0;
  /** The datapath's view of the header fields (what set actions were committed against). */
  readonly committed: Record<string, unknown>;
  /** OpenFlow 1.1+ action set (write_actions), executed when the pipeline ends. */
  actionSet: Act[] = [];
  /** `exit` was executed: stop every action list. */
  exited = false;
  resubmits = 0;
  /** The rule whose actions run now (for packet-in cookie and table). */
  rule: { cookie: bigint; table: number } = { cookie: 0n, table: 0 };

  constructor(readonly reg: XlateRegistry, readonly in0: XlateInput) {
    this.committedTci = in0.flow.vlan_tci ?? 0;
    this.committed = { ...in0.flow };
  }

  /** Emits datapath set actions for the header fields the OpenFlow actions changed. */
  commitSets(flow: Record<string, unknown>): void {
    for (const s of commitSets(this.committed, flow)) this.actions.push({ t: 'set', text: s.text, apply: s.apply });
  }

  line(indent: number, text: string): void {
    if (this.in0.wantTrace) this.trace.push(' '.repeat(indent) + text);
  }

  drop(indent: number, reason: string, alarming = false): void {
    this.drops.push(reason);
    if (alarming) this.line(indent, `>>>> ${reason} <<<<`);
    else this.line(indent, `-> ${reason}`);
  }

  /** Emits actions so the datapath packet carries `tci`. */
  commitVlan(tci: number): void {
    if (tci !== this.committedTci) {
      if (this.committedTci & VLAN_CFI) this.actions.push({ t: 'pop_vlan' });
      if (tci & VLAN_CFI) this.actions.push({ t: 'push_vlan', vid: tci & 0xfff, pcp: (tci >> 13) & 7 });
      this.committedTci = tci;
    }
  }

  /** Commits the tag `tci` needs, then outputs on datapath port `odp`. */
  output(odp: number, tci: number): void {
    this.commitVlan(tci);
    this.actions.push({ t: 'output', port: odp });
  }
}

export function xlate(reg: XlateRegistry, input: XlateInput): XlateResult {
  const ctx = new Ctx(reg, input);
  const flow = { ...input.flow };
  xlateBridge(ctx, input.ofproto, input.inOfport, flow, 0);
  return {
    finalFlow: flow,
    actions: ctx.actions,
    fields: [...ctx.fields],
    effects: ctx.effects,
    rules: ctx.rules,
    trace: ctx.trace,
    dropReasons: ctx.drops,
    macDeps: [...ctx.macDeps],
    cacheable: ctx.cacheable,
  };
}

/** Translates an explicit action list (OpenFlow packet-out) instead of the bridge's tables. */
export function xlateActions(reg: XlateRegistry, input: XlateInput, actions: readonly OfAction[]): XlateResult {
  const ctx = new Ctx(reg, input);
  const flow = { ...input.flow } as Record<string, number>;
  for (const a of actions) {
    if (ctx.exited) break;
    doAction(ctx, input.ofproto, input.inOfport, flow, a, 0);
  }
  return {
    actions: ctx.actions, fields: [...ctx.fields], effects: ctx.effects, rules: ctx.rules, trace: ctx.trace,
    dropReasons: ctx.drops, macDeps: [...ctx.macDeps], cacheable: false,
  };
}

function xlateBridge(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, indent: number): void {
  if (++ctx.depth > MAX_DEPTH) { ctx.drop(indent, 'over max translation depth, dropping', true); return; }
  const title = `bridge("${of.name}")`;
  ctx.line(indent, title);
  ctx.line(indent, '-'.repeat(title.length));
  flow.in_port = inOfport;
  xlateTable(ctx, of, inOfport, flow, 0, indent);
  // The OpenFlow 1.1+ action set runs when the pipeline ends.
  const set = ctx.actionSet;
  ctx.actionSet = [];
  if (set.length && !ctx.exited) {
    ctx.line(indent, 'Executing action set:');
    for (const a of set) doAction(ctx, of, inOfport, flow, a, indent + 4);
  }
}

const MAX_RESUBMITS = 4096;

/** Looks the flow up in one OpenFlow table and runs the rule's actions (resubmit and goto_table recurse here). */
function xlateTable(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, table: number, indent: number, fromResubmit = false): void {
  if (++ctx.resubmits > MAX_RESUBMITS || ctx.depth > MAX_DEPTH) { ctx.drop(indent, 'over max translation depth, dropping', true); return; }
  const rule = of.lookup(flow, ctx.fields, table);
  if (!rule) {
    ctx.line(indent, ` ${table}. No match.`);
    if (of.missToController && !fromResubmit) { toController(ctx, of, flow, 0xffff, OFPR.NO_MATCH, 0, null, indent + 4, 'CONTROLLER (table miss)'); return; }
    ctx.line(indent + 4, 'drop');
    ctx.drops.push('no matching flow');
    return;
  }
  ctx.rules.push(rule.counters);
  // Formatting the match costs a third of a NORMAL translation: only a trace pays for it.
  if (ctx.in0.wantTrace) {
    const matchText = formatMatch(rule.match);
    ctx.line(indent, ` ${table}. ${matchText ? `${matchText}, ` : ''}priority ${rule.priority}${rule.cookie ? `, cookie 0x${rule.cookie.toString(16)}` : ''}`);
  }
  if (rule.actions.length === 0) {
    ctx.line(indent + 4, 'drop');
    ctx.drops.push('dropped by flow');
    return;
  }
  const saved = ctx.rule;
  ctx.rule = { cookie: rule.cookie, table };
  for (const a of rule.actions) {
    if (ctx.exited) break;
    doAction(ctx, of, inOfport, flow, a, indent + 4, table);
  }
  ctx.rule = saved;
}

function doAction(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, a: OfAction, indent: number, table = 0): void {
  switch (a.t) {
    case 'normal':
      ctx.line(indent, 'NORMAL');
      doNormal(ctx, of, inOfport, flow, indent + 1);
      return;
    case 'output':
      if (a.port === OFPP.CONTROLLER) { toController(ctx, of, flow, a.maxLen ?? 0xffff, OFPR.ACTION, 0, null, indent, formatAction(a)); return; }
      if (a.port === OFPP.TABLE) { ctx.line(indent, 'output:TABLE'); xlateTable(ctx, of, inOfport, flow, 0, indent); return; }
      ctx.line(indent, `output:${a.port === OFPP_LOCAL ? 'LOCAL' : a.port}`);
      if (a.port === inOfport) { ctx.drop(indent + 1, 'skipping output to input port'); return; }
      outputPort(ctx, of, a.port, flow.vlan_tci ?? 0, flow, indent + 1);
      return;
    case 'in_port':
      ctx.line(indent, 'IN_PORT');
      outputPort(ctx, of, inOfport, flow.vlan_tci ?? 0, flow, indent + 1);
      return;
    case 'flood': case 'all':
      ctx.line(indent, a.t === 'flood' ? 'FLOOD' : 'ALL');
      for (const p of of.ports.values()) {
        if (p.ofport !== inOfport) outputPort(ctx, of, p.ofport, flow.vlan_tci ?? 0, flow, indent + 1);
      }
      return;
    case 'mod_vlan_vid':
      ctx.line(indent, `mod_vlan_vid:${a.vid}`);
      flow.vlan_tci = ((flow.vlan_tci ?? 0) & 0xe000) | VLAN_CFI | (a.vid & 0xfff);
      return;
    case 'mod_vlan_pcp':
      ctx.line(indent, `mod_vlan_pcp:${a.pcp}`);
      flow.vlan_tci = ((flow.vlan_tci ?? 0) & 0x0fff) | VLAN_CFI | ((a.pcp & 7) << 13);
      return;
    case 'strip_vlan':
      ctx.line(indent, 'strip_vlan');
      flow.vlan_tci = 0;
      return;
    default:
      doOpenFlowAction(ctx, of, inOfport, flow, a, indent, table);
  }
}

/** The OpenFlow actions beyond NORMAL switching: field writes, tables, groups, controller, learn. */
function doOpenFlowAction(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, a: Act, indent: number, table: number): void {
  const text = formatAction(a);
  switch (a.t) {
    case 'controller':
      toController(ctx, of, flow, a.maxLen, a.reason, a.controllerId, a.userdata, indent, text);
      return;
    case 'enqueue':
      doAction(ctx, of, inOfport, flow, { t: 'output', port: a.port }, indent, table);
      return;
    case 'push_vlan':
      ctx.line(indent, text);
      if (!((flow.vlan_tci ?? 0) & VLAN_CFI)) flow.vlan_tci = VLAN_CFI;
      return;
    case 'resubmit': {
      ctx.line(indent, text);
      const savedPort = flow.in_port!;
      const port = a.port === OFPP.IN_PORT ? inOfport : a.port;
      flow.in_port = port;
      ctx.depth++;
      // A resubmit that finds nothing just drops (no table-miss packet-in).
      xlateTable(ctx, of, port, flow, a.table === 255 ? table : a.table, indent + 1, true);
      ctx.depth--;
      flow.in_port = savedPort;
      return;
    }
    case 'goto_table':
      ctx.line(indent, text);
      xlateTable(ctx, of, inOfport, flow, a.table, indent);
      return;
    case 'group': {
      ctx.line(indent, text);
      const g = of.groups.groups.get(a.group);
      if (!g) { ctx.drop(indent + 1, `group ${a.group} does not exist`); return; }
      let buckets = g.buckets;
      if (g.type === OFPGT.SELECT && buckets.length) {
        ctx.fields.add('dl_src').add('dl_dst');
        const h = (((flow.dl_src ?? 0) % 65521) * 31 + ((flow.dl_dst ?? 0) % 65521)) >>> 0;
        buckets = [buckets[h % buckets.length]!];
      } else if (g.type === OFPGT.INDIRECT || g.type === OFPGT.FF) buckets = buckets.slice(0, 1);
      for (const b of buckets) {
        const copy = { ...flow };
        const savedTci = ctx.committedTci;
        for (const ba of b.actions) doAction(ctx, of, inOfport, copy, ba, indent + 4, table);
        if (g.type === OFPGT.ALL) ctx.commitVlan(savedTci);
      }
      return;
    }
    case 'learn': {
      ctx.line(indent, text);
      const fm = learnFlowMod(a, flow, ctx.fields);
      if (!ctx.in0.mayLearn) return;
      const env = { version: 4, groupExists: (id: number) => of.groups.groups.has(id) };
      const install = (now: number) => {
        const old = of.flows.table(fm.tableId).findExact(fm.match, fm.priority);
        if (old && JSON.stringify(old.actions, big) === JSON.stringify(fm.actions, big)) { old.modified = now; old.counters.used = now; return; }
        try { of.flows.apply(fm, now, env); of.dpif.invalidate(); } catch { /* a learned flow that cannot be added is dropped, as in OVS */ }
      };
      install(ctx.in0.now);
      ctx.effects.push(install);
      return;
    }
    case 'note': case 'set_queue': case 'pop_queue': case 'meter':
      ctx.line(indent, text);
      return;
    case 'exit':
      ctx.line(indent, text);
      ctx.exited = true;
      return;
    case 'clear_actions':
      ctx.line(indent, text);
      ctx.actionSet = [];
      return;
    case 'write_actions':
      ctx.line(indent, text);
      for (const w of a.actions) {
        const i = ctx.actionSet.findIndex((x) => x.t === w.t);
        if (i >= 0) ctx.actionSet.splice(i, 1);
        ctx.actionSet.push(w);
      }
      return;
    default: {
      ctx.line(indent, text);
      const r = applyEdit(flow, a, ctx.fields);
      if (r && !r.ok) {
        // dec_ttl on an expiring packet: the controllers hear of it (reason invalid_ttl) and the pipeline stops.
        toController(ctx, of, flow, 0xffff, OFPR.INVALID_TTL, 0, null, indent + 1, 'invalid_ttl');
        ctx.exited = true;
      }
    }
  }
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}` : v;
}

/** A packet-in: the packet as modified so far, with its pipeline metadata, to the bridge's controllers. */
function toController(ctx: Ctx, of: Ofproto, flow: Record<string, number>, maxLen: number, reason: number, controllerId: number,
  userdata: Uint8Array | null, indent: number, text: string): void {
  ctx.line(indent, text);
  ctx.commitVlan(flow.vlan_tci ?? 0);
  ctx.commitSets(flow);
  const metadata = packetInMetadata(flow);
  const { cookie, table } = ctx.rule;
  ctx.actions.push({
    t: 'userspace',
    reason: `pid=0,controller(reason=${reason},dont_send=${of.onPacketIn ? 0 : 1},continuation=0,recirc_id=1,rule_cookie=0x${cookie.toString(16)},controller_id=${controllerId},max_len=${maxLen})`,
    handler: (frame) => of.onPacketIn?.({
      data: frame.subarray(0, Math.min(frame.length, maxLen)), totalLen: frame.length, reason, tableId: table, cookie, metadata, userdata,
    }),
  });
}

function outputPort(ctx: Ctx, of: Ofproto, ofport: number, tci: number, flow: Record<string, number>, indent: number): void {
  const p = of.ports.get(ofport);
  if (!p) { ctx.drop(indent, `output to nonexistent port ${ofport}`); return; }
  if (p.patchPeer !== null) {
    const peer = ctx.reg.portByInterfaceName(p.patchPeer);
    if (!peer || peer.port.patchPeer !== p.name) { ctx.drop(indent, `patch port ${p.name} has no peer`); return; }
    ctx.line(indent, '');
    const saved = flow.vlan_tci;
    const peerFlow = { ...flow, vlan_tci: tci };
    xlateBridge(ctx, peer.ofproto, peer.port.ofport, peerFlow, indent);
    flow.vlan_tci = saved!;
    return;
  }
  if (p.tunnel) { outputTunnel(ctx, p, tci, flow, indent); return; }
  if (ofport === OFPP_LOCAL && ctx.reg.tunnels.addrs.has(of.name) && tunnelPop(ctx, of, flow, indent)) return;
  if (p.odp === null) { ctx.drop(indent, `port ${p.name} is not in the datapath`); return; }
  ctx.commitSets(flow);
  ctx.output(p.odp, tci);
}

/**
 * A packet for one of this bridge's tunnel addresses, to the UDP port of a
 * tunnel, is decapsulated instead of delivered to the bridge's own port.
 */
function tunnelPop(ctx: Ctx, of: Ofproto, flow: Record<string, number>, indent: number): boolean {
  ctx.fields.add('dl_type').add('nw_proto').add('nw_dst');
  const gre = flow.nw_proto === 47;
  if (flow.dl_type !== 0x0800 || (flow.nw_proto !== 17 && !gre)) return false;
  if (!ctx.reg.tunnels.ownsAddress(of.name, flow.nw_dst ?? 0)) return false;
  if (!gre) ctx.fields.add('tp_dst');
  let known = false;
  for (const b of ctx.reg.bridges.values()) {
    for (const p of b.ports.values()) {
      if (gre ? p.tunnel?.type === 'gre' : p.tunnel && p.tunnel.type !== 'gre' && p.tunnel.dstPort === flow.tp_dst) known = true;
    }
  }
  if (!known) return false;
  ctx.line(indent, `-> tunnel packet to ${formatIpv4(flow.nw_dst!)}: decapsulating (tnl_pop)`);
  ctx.commitVlan(0);
  // GRE ports share one virtual datapath port (0); UDP tunnels are told apart by destination port.
  ctx.actions.push({ t: 'tnl_pop', vport: gre ? 0 : flow.tp_dst! });
  return true;
}

/** Encapsulates towards the tunnel's remote VTEP and sends the result through the underlay bridge. */
function outputTunnel(ctx: Ctx, p: OfPort, tci: number, flow: Record<string, number>, indent: number): void {
  const t = p.tunnel!;
  if (t.remoteIp === 'flow') ctx.fields.add('tun_dst');
  if (t.outKey === 'flow') ctx.fields.add('tun_id');
  const remote = t.remoteIp === 'flow' ? flow.tun_dst ?? 0 : t.remoteIp;
  const vni = t.outKey === 'flow' ? flow.tun_id ?? 0 : t.outKey;
  const tables = ctx.reg.tunnels;
  const route = tables.lookup(remote);
  if (!route) {
    const host = ctx.reg.hostTunnels;
    if (host && t.type !== 'gre' && host.has(t.type, t.dstPort)) {
      // No bridge owns a way there: the host's own UDP/IP stack carries the encapsulated packet.
      const type = t.type, port = t.dstPort;
      ctx.line(indent, `-> output to kernel tunnel ${p.name}: ${formatIpv4(remote)} ${type} vni ${vni} via the host's UDP stack`);
      ctx.commitVlan(tci);
      ctx.actions.push({ t: 'userspace', reason: `tunnel(${type},vni=${vni},dst=${formatIpv4(remote)},host)`, handler: (f) => host.send(type, port, remote, vni, f) });
      return;
    }
    ctx.drop(indent, `native tunnel routing failed for ${formatIpv4(remote)}`);
    return;
  }
  const underlay = ctx.reg.bridges.get(route.bridge);
  if (!underlay) { ctx.drop(indent, `route to ${formatIpv4(remote)} names unknown bridge ${route.bridge}`); return; }
  const src = t.localIp ?? route.src;
  const neigh = tables.neigh.get(remote);
  if (!neigh) {
    // Resolve the VTEP first; the packet is dropped, as in OVS. Not cached: the next packet must look again.
    ctx.cacheable = false;
    // Behind a gateway, the gateway is the neighbour to resolve (as ovs-vswitchd does).
    const hop = route.gw ?? remote;
    ctx.drop(indent, `neighbor cache miss for ${formatIpv4(hop)} on bridge ${route.bridge}, sending ARP request`);
    const req = arpRequest(underlay.settings.mac, src, hop);
    const reg = ctx.reg, bridge = route.bridge;
    ctx.actions.push({ t: 'userspace', reason: 'arp', handler: () => reg.sendFromLocal(bridge, req) });
    return;
  }
  const sport = udpSourcePort(((flow.dl_src ?? 0) ^ (flow.dl_dst ?? 0) ^ (flow.nw_src ?? 0) ^ (flow.nw_dst ?? 0)) >>> 0);
  const gre = t.type === 'gre';
  const params = { dstMac: neigh.mac, srcMac: underlay.settings.mac, src, dst: remote, vni, udpSrc: sport, udpDst: t.dstPort, ttl: t.ttl, tos: t.tos, df: t.dfDefault, type: t.type, csum: t.csum, hasKey: t.hasKey };
  ctx.line(indent, `-> output to native tunnel ${p.name}: ${formatIpv4(src)} -> ${formatIpv4(remote)} ${gre ? 'key' : 'vni'} ${vni} via ${route.bridge}`);
  ctx.commitVlan(tci);
  // The encapsulated packet enters the underlay bridge as if its own port had sent it.
  const outer: Record<string, number> = {
    in_port: OFPP_LOCAL, dl_src: underlay.settings.mac, dl_dst: neigh.mac, vlan_tci: 0, dl_type: 0x0800,
    nw_src: src, nw_dst: remote, nw_proto: gre ? 47 : 17, tp_src: gre ? 0 : sport, tp_dst: gre ? 0 : t.dstPort, tun_id: 0, tun_src: 0, tun_dst: 0,
  };
  const savedActions = ctx.actions.splice(0), savedTci = ctx.committedTci;
  const savedFields = new Set(ctx.fields);
  ctx.committedTci = 0;
  xlateBridge(ctx, underlay, OFPP_LOCAL, outer, indent);
  const nested = ctx.actions.splice(0);
  ctx.actions.push(...savedActions, { t: 'clone', actions: [{ t: 'tnl_push', encap: (inner) => tunnelEncap(inner, params), text: `${t.type}(${gre ? 'key' : 'vni'}=${vni},dst=${formatIpv4(remote)})` }, ...nested] });
  ctx.committedTci = savedTci;
  // The underlay's fields describe the outer packet, not this packet's key; its MAC-table reads become dependencies.
  ctx.fields.clear();
  for (const f of savedFields) ctx.fields.add(f);
  ctx.fields.add('dl_src').add('dl_dst').add('nw_src').add('nw_dst');
  ctx.macDeps.add(neigh.mac).add(underlay.settings.mac);
}

function doNormal(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, indent: number): void {
  ctx.fields.add('dl_src').add('dl_dst').add('vlan_tci');
  if (flow.dl_src !== undefined) ctx.macDeps.add(flow.dl_src);
  if (flow.dl_dst !== undefined) ctx.macDeps.add(flow.dl_dst);
  const inPort = of.ports.get(inOfport);
  const inBundle = inPort && of.bundles.get(inPort.bundle);
  if (!inBundle) {
    ctx.drop(indent, `received packet on unknown port ${inOfport === OFPP_LOCAL ? 'LOCAL' : inOfport}`, true);
    ctx.line(indent, '>> no input bundle, dropping');
    return;
  }
  const tci = flow.vlan_tci ?? 0;
  const vid = tci & VLAN_CFI ? tci & 0xfff : 0;
  const pcp = tci & VLAN_CFI ? (tci >> 13) & 7 : 0;
  const res = normal(
    { inBundle, inMember: inOfport, vid, dlSrc: flow.dl_src ?? 0, dlDst: flow.dl_dst ?? 0, flow },
    {
      bundles: of.bundles.values(), fdb: of.fdb, now: ctx.in0.now, mayLearn: ctx.in0.mayLearn,
      forwardBpdu: of.settings.forwardBpdu, bundleById: (id) => of.bundles.get(id),
    },
  );
  if (res.learn && ctx.in0.mayLearn) {
    const { vlan, mac, bundle } = res.learn;
    const fdb = of.fdb;
    // A cache hit must keep the MAC entry fresh (re-learning a lost entry invalidates the cache via fdb.onChange).
    ctx.effects.push((now) => { fdb.learn(vlan, mac, bundle, now); });
  }
  if (res.drop) {
    if (res.vlan === undefined) {
      ctx.drop(indent, res.drop, true);
      ctx.line(indent, '>> disallowed VLAN VID for this input port, dropping');
    } else {
      ctx.drop(indent, res.drop);
    }
    return;
  }
  for (const n of res.notes) ctx.line(indent, `-> ${n}`);
  // Bond outputs: the bucket's load counters ride on the megaflow; L3/L4-hashing bonds widen its match.
  for (const o of res.outputs) {
    if (o.counters) ctx.rules.push(o.counters);
    for (const fld of o.fields ?? []) ctx.fields.add(fld);
  }
  // Group outputs by the tag they need, starting with the packet's current one, to keep the action list short.
  // A port that carries the VLAN untagged (access, or its native VLAN when native-untagged) strips
  // the tag; any other keeps a tag whenever VID or PCP is non-zero, so a priority tag (VID 0) survives.
  const wanted = res.outputs.map((o) => {
    const m = o.bundle.vlan.mode;
    const untagged = m === 'access' || (m === 'native-untagged' && o.vid === 0);
    return { o, tci: untagged || (o.vid === 0 && pcp === 0) ? 0 : (pcp << 13) | VLAN_CFI | o.vid };
  });
  wanted.sort((a, b) => Number(b.tci === ctx.committedTci) - Number(a.tci === ctx.committedTci) || a.tci - b.tci);
  for (const { o, tci: t } of wanted) outputPort(ctx, of, o.ofport, t, flow, indent);
}

/** Formats the "Datapath actions:" line of a trace. */
export function datapathActionsLine(actions: readonly DpAction[]): string {
  return `Datapath actions: ${formatDpActions(actions)}`;
}

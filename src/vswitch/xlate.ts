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
 * Every drop records its reason; `ofproto/trace` prints them, and the
 * packet path counts them.
 */
import type { DpAction } from './odp.js';
import { formatDpActions } from './odp.js';
import type { HitEffect, RuleCounters } from './megaflow.js';
import { OFPP_LOCAL, type Ofproto, type OfAction, type OfPort } from './ofproto.js';
import { normal } from './normal.js';
import { VLAN_CFI, formatMac } from './flowkey.js';

export interface XlateRegistry {
  /** Finds the bridge port (interface) named `name` in any bridge, for patch peers. */
  portByInterfaceName(name: string): { ofproto: Ofproto; port: OfPort } | undefined;
}

export interface XlateResult {
  readonly actions: DpAction[];
  readonly fields: string[];
  readonly effects: HitEffect[];
  readonly rules: RuleCounters[];
  /** Trace text (when requested), without the final "Datapath actions:" line. */
  readonly trace: string[];
  readonly dropReasons: string[];
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
  committedTci: number;
  depth = 0;

  constructor(readonly reg: XlateRegistry, readonly in0: XlateInput) {
    this.committedTci = in0.flow.vlan_tci ?? 0;
  }

  line(indent: number, text: string): void {
    if (this.in0.wantTrace) this.trace.push(' '.repeat(indent) + text);
  }

  drop(indent: number, reason: string, alarming = false): void {
    this.drops.push(reason);
    if (alarming) this.line(indent, `>>>> ${reason} <<<<`);
    else this.line(indent, `-> ${reason}`);
  }

  /** Emits actions so the datapath packet carries `tci`, then outputs on datapath port `odp`. */
  output(odp: number, tci: number): void {
    if (tci !== this.committedTci) {
      if (this.committedTci & VLAN_CFI) this.actions.push({ t: 'pop_vlan' });
      if (tci & VLAN_CFI) this.actions.push({ t: 'push_vlan', vid: tci & 0xfff, pcp: (tci >> 13) & 7 });
      this.committedTci = tci;
    }
    this.actions.push({ t: 'output', port: odp });
  }
}

export function xlate(reg: XlateRegistry, input: XlateInput): XlateResult {
  const ctx = new Ctx(reg, input);
  xlateBridge(ctx, input.ofproto, input.inOfport, { ...input.flow }, 0);
  return {
    actions: ctx.actions,
    fields: [...ctx.fields],
    effects: ctx.effects,
    rules: ctx.rules,
    trace: ctx.trace,
    dropReasons: ctx.drops,
  };
}

function xlateBridge(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, indent: number): void {
  if (++ctx.depth > MAX_DEPTH) { ctx.drop(indent, 'over max translation depth, dropping', true); return; }
  const title = `bridge("${of.name}")`;
  ctx.line(indent, title);
  ctx.line(indent, '-'.repeat(title.length));
  flow.in_port = inOfport;
  const rule = of.lookup(flow, ctx.fields);
  if (!rule) {
    ctx.line(indent, ' 0. No match.');
    ctx.line(indent + 4, 'drop');
    ctx.drops.push('no matching flow');
    return;
  }
  ctx.rules.push(rule.counters);
  const matchText = [...rule.match.keys()].length ? `${formatMatch(rule.match)}, ` : '';
  ctx.line(indent, ` 0. ${matchText}priority ${rule.priority}${rule.cookie ? `, cookie 0x${rule.cookie.toString(16)}` : ''}`);
  if (rule.actions.length === 0) {
    ctx.line(indent + 4, 'drop');
    ctx.drops.push('dropped by flow');
    return;
  }
  for (const a of rule.actions) doAction(ctx, of, inOfport, flow, a, indent + 4);
}

function formatMatch(m: ReadonlyMap<string, { value: number; mask: number }>): string {
  return [...m].map(([f, v]) => `${f}=${f.startsWith('dl_') ? formatMac(v.value) : v.value}`).join(',');
}

function doAction(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, a: OfAction, indent: number): void {
  switch (a.t) {
    case 'normal':
      ctx.line(indent, 'NORMAL');
      doNormal(ctx, of, inOfport, flow, indent + 1);
      return;
    case 'output':
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
  }
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
  if (p.odp === null) { ctx.drop(indent, `port ${p.name} is not in the datapath`); return; }
  ctx.output(p.odp, tci);
}

function doNormal(ctx: Ctx, of: Ofproto, inOfport: number, flow: Record<string, number>, indent: number): void {
  ctx.fields.add('dl_src').add('dl_dst').add('vlan_tci');
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
    { inBundle, inMember: inOfport, vid, dlSrc: flow.dl_src ?? 0, dlDst: flow.dl_dst ?? 0 },
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
  // Group outputs by the tag they need, starting with the packet's current one, to keep the action list short.
  const wanted = res.outputs.map((o) => ({ o, tci: o.vid === 0 ? 0 : (pcp << 13) | VLAN_CFI | o.vid }));
  wanted.sort((a, b) => Number(b.tci === ctx.committedTci) - Number(a.tci === ctx.committedTci) || a.tci - b.tci);
  for (const { o, tci: t } of wanted) outputPort(ctx, of, o.ofport, t, flow, indent);
}

/** Formats the "Datapath actions:" line of a trace. */
export function datapathActionsLine(actions: readonly DpAction[]): string {
  return `Datapath actions: ${formatDpActions(actions)}`;
}

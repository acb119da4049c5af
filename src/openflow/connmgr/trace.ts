/**
 * `ovs-appctl ofproto/trace BRIDGE FLOW` over the full OpenFlow pipeline:
 * the flow in ovs-ofctl syntax (every field the packet layer knows: L2,
 * VLAN, ARP, IPv4/IPv6, TCP/UDP/ICMP, tunnel, metadata, registers), the
 * tables walked with every rule and action, the final flow, the megaflow,
 * and the "Datapath actions:" line scripts compare.
 *
 * Tracing never learns MAC addresses or flows, and never sends anything.
 */
import type { Switch } from '../../vswitch/bridge.js';
import { OFPP_LOCAL } from '../../vswitch/ofproto.js';
import { xlate, datapathActionsLine } from '../../vswitch/xlate.js';
import { FlowSyntaxError, formatFlow, parseFlow } from '../../packet/flow-syntax.js';
import type { FlowKey } from '../../packet/flow.js';
import { formatMatch } from '../../packet/flow-syntax.js';
import { matchForPacket, emptyMatch, setMatchField, type Match } from '../../packet/match.js';
import type { Clock } from '../../base/clock.js';

export type TraceResult = { ok: string } | { error: string };

/** A packet-layer key as the switch's numeric flow record (64-bit fields as numbers). */
function toRecord(k: FlowKey): Record<string, number> {
  const out: Record<string, unknown> = {};
  for (const [f, v] of Object.entries(k)) out[f] = typeof v === 'bigint' ? Number(v) : v;
  return out as Record<string, number>;
}

function toKey(rec: Record<string, unknown>, base: FlowKey): FlowKey {
  const k = { ...base } as Record<string, unknown>;
  for (const [f, v] of Object.entries(rec)) {
    if (!(f in k)) continue;
    k[f] = typeof base[f as keyof FlowKey] === 'bigint' ? BigInt(v as number) : v;
  }
  return k as unknown as FlowKey;
}

/** The megaflow: the packet's exact match restricted to the fields translation examined. */
function megaflow(k: FlowKey, fields: readonly string[]): Match {
  const full = matchForPacket(k), m = emptyMatch();
  for (const f of fields) {
    const mask = (full.masks as Record<string, unknown>)[f];
    if (mask !== undefined) setMatchField(m, f as never, (full.fields as Record<string, unknown>)[f] as never, mask as never);
  }
  if (full.masks.dl_type !== undefined) setMatchField(m, 'dl_type', k.dl_type);
  return m;
}

export function traceCommand(sw: Switch, clock: Clock, args: readonly string[]): TraceResult {
  const [br, flowText] = args;
  const of = br === undefined ? undefined : sw.bridges.get(br);
  if (!of || flowText === undefined) {
    return flowText === undefined ? { error: `syntax error at ${br} (or the bridge name was omitted)\n` } : { error: `${br}: unknown bridge\n` };
  }
  const portName = (p: number) => (p === OFPP_LOCAL ? 'LOCAL' : undefined);
  let key: FlowKey;
  try {
    key = parseFlow(flowText, { portByName: (n) => of.portsByName.get(n)?.ofport ?? (n === of.name ? OFPP_LOCAL : undefined) });
  } catch (e) {
    if (e instanceof FlowSyntaxError) return { error: `Bad openflow flow syntax: ${flowText}: ${e.message}\n` };
    throw e;
  }
  const flow = toRecord(key);
  const r = xlate(sw, { ofproto: of, inOfport: key.in_port, flow, now: clock.now(), mayLearn: false, wantTrace: true });
  const finalKey = toKey(r.finalFlow ?? flow, key);
  const before = formatFlow(key, { portName }), after = formatFlow(finalKey, { portName });
  const text = [
    `Flow: ${before}`,
    '',
    ...r.trace,
    '',
    `Final flow: ${after === before ? 'unchanged' : after}`,
    `Megaflow: recirc_id=0,eth,${formatMatch(megaflow(key, r.fields), { portName })}`,
    datapathActionsLine(r.actions),
  ];
  return { ok: text.join('\n') + '\n' };
}

/**
 * One bridge as an OpenFlow switch (after OVS's ofproto): its OpenFlow
 * ports, the bundles (OVS "ports", one or more interfaces) that NORMAL
 * switches between, its MAC learning table, and its flow table.
 *
 * Port numbering: every interface gets an OpenFlow port number, honouring
 * `ofport_request` when free; the bridge's own interface is LOCAL (65534).
 * Datapath port numbers are a different space (see dpif.ts); the mapping
 * lives here.
 *
 * Flow table: rules in priority order. A standalone bridge starts with the
 * single rule `priority=0 actions=NORMAL`; a secure one with none (OpenFlow
 * controllers program it). The OpenFlow layer (src/openflow) edits this
 * table; translation (xlate.ts) reads it.
 */
import type { Netdev } from '../netdev/netdev.js';
import { Fdb, type BundleId } from './fdb.js';
import type { Bundle } from './normal.js';
import type { Dpif } from './dpif.js';
import type { Bond } from './bond.js';
import type { TunnelConfig } from './tunnel.js';
import { FlowTables, type FlowRule } from '../openflow/flow-table.js';
import { GroupTable } from '../openflow/group.js';
import type { PacketIn } from '../openflow/packet-msgs.js';
import { Classifier } from './classifier.js';

export const OFPP_LOCAL = 65534;
export const OFPP_NONE = 0xffff;
export const OFPP_MAX = 0xff00;

export interface OfPort {
  readonly ofport: number;
  readonly name: string;
  readonly ifaceUuid: string;
  readonly portName: string;
  /** Datapath port, or null for patch ports (they exist only in translation). */
  readonly odp: number | null;
  readonly netdev: Netdev | null;
  /** For patch ports: the peer interface's name. */
  readonly patchPeer: string | null;
  readonly bundle: BundleId;
  readonly type: string;
  /** For tunnel ports (their `odp` is the shared virtual port, numbered by UDP port). */
  readonly tunnel?: TunnelConfig;
}

/** A field match with a mask; fields named as in the flow key. `EXACT` as mask means all bits. */
export interface FieldMatch { readonly value: number; readonly mask: number }

export const EXACT = -1;

const TWO32 = 2 ** 32;

/** value and flow agree on the bits of mask; works for fields up to 53 bits (MACs are 48). */
export function maskedEqual(a: number, b: number, mask: number): boolean {
  if (mask === EXACT) return a === b;
  const hi = ((Math.floor(a / TWO32) ^ Math.floor(b / TWO32)) & Math.floor(mask / TWO32)) >>> 0;
  const lo = (((a >>> 0) ^ (b >>> 0)) & (mask >>> 0)) >>> 0;
  return hi === 0 && lo === 0;
}

export type { OfAction } from '../openflow/actions.js';

/** An OpenFlow rule (src/openflow/flow-table.ts): match, priority, actions, cookie, timeouts, counters. */
export type Rule = FlowRule;

export interface OfprotoSettings {
  name: string;
  uuid: string;
  mac: number;
  datapathId: string;
  failMode: 'standalone' | 'secure';
  forwardBpdu: boolean;
  /** Controller targets; a standalone bridge with controllers starts with an empty table, as in OVS. */
  controllers?: readonly string[];
}

export class Ofproto {
  readonly ports = new Map<number, OfPort>();
  readonly portsByName = new Map<string, OfPort>();
  readonly bundles = new Map<BundleId, Bundle>();
  readonly fdb = new Fdb();
  /** Bonds by port name. */
  readonly bonds = new Map<string, Bond>();
  /** OpenFlow tables 0..253, each a tuple-space classifier. */
  readonly flows = new FlowTables<Rule>(() => new Classifier<Rule>());
  readonly groups = new GroupTable();
  /** Where packet-ins go (the connection manager installs it); null drops them. */
  onPacketIn: ((pi: PacketIn) => void) | null = null;
  /** A table miss becomes a packet-in (some OpenFlow 1.0-1.2 controller wants them); set by the connection manager. */
  missToController = false;
  private nextBundleId = 1;
  private readonly bundleIds = new Map<string, BundleId>();

  constructor(public settings: OfprotoSettings, readonly dpif: Dpif) {
    this.fdb.onChange = (mac) => (mac === null ? dpif.invalidate() : dpif.cache.invalidateMac(mac));
  }

  get name(): string {
    return this.settings.name;
  }

  /** Stable bundle id for a Port name (kept across reconfiguration so MAC entries survive). */
  bundleId(portName: string): BundleId {
    let id = this.bundleIds.get(portName);
    if (id === undefined) { id = this.nextBundleId++; this.bundleIds.set(portName, id); }
    return id;
  }

  forgetBundle(portName: string): void {
    const id = this.bundleIds.get(portName);
    if (id === undefined) return;
    this.fdb.flushBundle(id);
    this.bundleIds.delete(portName);
    this.bundles.delete(id);
  }

  /** Picks an OpenFlow port number: the request if free, else the lowest free from 1. */
  allocOfport(requested: number | null, taken: ReadonlySet<number>): number {
    if (requested !== null && requested >= 1 && requested < OFPP_MAX && !taken.has(requested)) return requested;
    let n = 1;
    while (taken.has(n)) n++;
    return n;
  }

  addPort(p: OfPort): void {
    this.ports.set(p.ofport, p);
    this.portsByName.set(p.name, p);
  }

  removePort(ofport: number): OfPort | undefined {
    const p = this.ports.get(ofport);
    if (!p) return undefined;
    this.ports.delete(ofport);
    this.portsByName.delete(p.name);
    if (p.odp !== null && !p.tunnel) this.dpif.removePort(p.odp);
    p.netdev?.close();
    return p;
  }

  portByOdp(odp: number): OfPort | undefined {
    for (const p of this.ports.values()) if (p.odp === odp && !p.tunnel) return p;
    return undefined;
  }

  /** Resets the flow table to what the fail mode implies: NORMAL for a standalone bridge without controllers, else empty. */
  resetFlows(now: number): void {
    this.flows.clear();
    if (this.settings.failMode === 'standalone' && !this.settings.controllers?.length) {
      this.flows.insert({
        table: 0, priority: 0, match: { fields: {}, masks: {} }, actions: [{ t: 'normal' }], cookie: 0n,
        counters: { n_packets: 0, n_bytes: 0, used: now }, created: now, modified: now, idleTimeout: 0, hardTimeout: 0,
        flags: 0, importance: 0,
      });
    }
    this.dpif.invalidate();
  }

  /** Every rule, table by table, highest priority first. */
  get rules(): Rule[] {
    return [...this.flows.all()];
  }

  /** Highest-priority rule of `table` matching `flow`; also reports the fields examined. */
  lookup(flow: Readonly<Record<string, unknown>>, examined: Set<string>, table = 0): Rule | undefined {
    return this.flows.lookup(table, flow, examined);
  }
}

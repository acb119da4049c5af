/**
 * Bundles from ports, and the periodic life of their bonds and LACP (after
 * OVS's ofproto-dpif bundle_set/bundle_run/port_run and vswitchd/bridge.c's
 * port settings).
 *
 * `rebuildBundles` turns a bridge's PortConfigs into the Bundle objects
 * NORMAL switches between. A port with LACP enabled gets a Lacp object (even
 * with one interface); a port with two or more interfaces gets a Bond. Both
 * live as long as their port does, so negotiated partners and hash buckets
 * survive unrelated reconfiguration; settings are re-applied on every pass,
 * with OVS's defaults and validation (e.g. a rebalance interval below 1 s
 * becomes 1 s, the primary is honoured only in active-backup mode or with
 * lacp-fallback-ab, the LACP system priority defaults to 65534 on a bond and
 * 65535 on a single link).
 *
 * `runBundles` is the periodic step, in OVS's order: carrier changes reach
 * LACP (only for devices that count carrier resets — dummy devices do not,
 * so `netdev-dummy/set-admin-state` takes a member out of the bond without
 * expiring its LACP partner, as in OVS); LACP runs and its PDUs are sent;
 * each member's may-enable (carrier and LACP) reaches the bond; the bond
 * runs; learning packets go out if the bond asks; and, when the caller
 * says a datapath statistics round has passed, the bond rebalances.
 *
 * `lacpReceive` consumes Slow Protocols frames on LACP ports.
 */
import type { BridgeConfig, PortConfig, InterfaceConfig } from './config.js';
import type { Ofproto, OfPort } from './ofproto.js';
import { Bond, type BondMode, type BondSettings, type BondLink } from './bond.js';
import { Lacp, encodeLacpdu, type LacpSettings, type MemberSettings } from './lacp.js';
import type { Bundle } from './normal.js';
import { portVlan, type PortVlan } from './vlan.js';
import { parseMacKey } from './flowkey.js';

/** LACP and bond state of one port. */
interface Aggregate {
  lacp: Lacp | null;
  bond: Bond | null;
  /** Member interfaces by name, in registration order. */
  members: Map<string, OfPort>;
  /** Last carrier seen per member, for devices that report carrier resets. */
  carrier: Map<string, boolean>;
}

const aggregates = new WeakMap<Ofproto, Map<string, Aggregate>>();

function aggregatesOf(of: Ofproto): Map<string, Aggregate> {
  let m = aggregates.get(of);
  if (!m) { m = new Map(); aggregates.set(of, m); }
  return m;
}

/** smap_get_int: a decimal integer, else the default. */
function int(v: string | undefined, dflt: number): number {
  if (v === undefined || !/^\s*[-+]?\d+/.test(v)) return dflt;
  const n = parseInt(v, 10);
  return Number.isFinite(n) && Math.abs(n) <= 2 ** 31 ? n : dflt;
}

/** smap_get_bool: "true" (any case) or "false", else the default. */
function bool(v: string | undefined, dflt = false): boolean {
  if (v === undefined) return dflt;
  return v.toLowerCase() === 'true' ? true : v.toLowerCase() === 'false' ? false : dflt;
}

function bondMode(v: string | null): BondMode {
  return v === 'balance-slb' || v === 'balance-tcp' ? v : 'active-backup';
}

function vlanKey(v: PortVlan): string {
  return JSON.stringify([v.mode, v.tag, v.trunks ? [...v.trunks].sort((a, b) => a - b) : null]);
}

/** The port's LACP settings, or null when LACP is off (or its system id is unusable). */
function lacpSettings(p: PortConfig, bridgeMac: number, nIfaces: number): LacpSettings | null {
  if (p.lacp !== 'active' && p.lacp !== 'passive') return null;
  const oc = p.otherConfig;
  const idText = oc.get('lacp-system-id');
  const sysId = idText === undefined ? bridgeMac : parseMacKey(idText);
  if (sysId === null || sysId === 0) return null;
  const prio = int(oc.get('lacp-system-priority'), 0);
  return {
    name: p.name, sysId, active: p.lacp === 'active',
    // Bondable links are preferred when the priority is not given.
    sysPriority: prio > 0 && prio <= 65535 ? prio : 65535 - (nIfaces > 1 ? 1 : 0),
    fast: (oc.get('lacp-time') ?? '').toLowerCase() === 'fast',
    fallbackAb: bool(oc.get('lacp-fallback-ab')),
  };
}

function memberLacpSettings(i: InterfaceConfig | undefined, ofport: number): MemberSettings {
  const oc = i?.otherConfig ?? new Map<string, string>();
  const portId = int(oc.get('lacp-port-id'), 0);
  const portPriority = int(oc.get('lacp-port-priority'), 0);
  const key = int(oc.get('lacp-aggregation-key'), 0);
  return {
    portId: portId > 0 && portId <= 65535 ? portId : ofport & 0xffff,
    portPriority: portPriority > 0 && portPriority <= 65535 ? portPriority : 65535,
    key: key >= 0 && key <= 65535 ? key : 0,
  };
}

function bondSettings(p: PortConfig): BondSettings {
  const oc = p.otherConfig;
  const mode = bondMode(p.bondMode);
  let rebalanceMs = int(oc.get('bond-rebalance-interval'), 10000);
  if (rebalanceMs !== 0 && rebalanceMs < 1000) rebalanceMs = 1000;
  const fallback = bool(oc.get('lacp-fallback-ab'));
  return {
    name: p.name, mode, rebalanceMs, lacpFallbackAb: fallback,
    updelayMs: Math.max(0, p.bondUpdelay), downdelayMs: Math.max(0, p.bondDowndelay),
    basis: int(oc.get('bond-hash-basis'), 0) >>> 0,
    primary: mode === 'active-backup' || fallback ? oc.get('bond-primary') ?? null : null,
    allMembersActive: bool(oc.get('all-members-active')),
  };
}

const ALWAYS_UP: BondLink = Object.freeze({ linkUp: true, mac: 0 });

function linkOf(m: OfPort): BondLink {
  return m.netdev ?? ALWAYS_UP;
}

/** Dummy devices do not count carrier resets, so OVS never tells LACP about their carrier changes. */
function reportsCarrierResets(m: OfPort): boolean {
  return !!m.netdev && !m.netdev.displayType.startsWith('dummy');
}

function destroyAggregate(of: Ofproto, name: string): void {
  const all = aggregatesOf(of);
  const a = all.get(name);
  if (!a) return;
  a.lacp?.destroy();
  a.bond?.destroy();
  of.bonds.delete(name);
  all.delete(name);
}

/** Creates/updates the LACP object and bond of a port (OVS bundle_set). */
function configureAggregate(of: Ofproto, p: PortConfig, ports: OfPort[], now: number): Aggregate | null {
  const all = aggregatesOf(of);
  const ls = lacpSettings(p, of.settings.mac, ports.length);
  if (!ls && ports.length < 2) { destroyAggregate(of, p.name); return null; }
  let a = all.get(p.name);
  if (!a) { a = { lacp: null, bond: null, members: new Map(), carrier: new Map() }; all.set(p.name, a); }
  if (ls) {
    if (a.lacp) a.lacp.configure(ls);
    else a.lacp = new Lacp(ls, of);
  } else if (a.lacp) {
    a.lacp.destroy();
    a.lacp = null;
  }
  const sorted = [...ports].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (const m of sorted) {
    a.lacp?.registerMember(m.name, memberLacpSettings(p.interfaces.find((i) => i.name === m.name), m.ofport), now);
  }
  const names = new Set(sorted.map((m) => m.name));
  for (const n of [...a.members.keys()]) {
    if (names.has(n)) continue;
    a.lacp?.unregisterMember(n);
    a.bond?.unregisterMember(n);
    a.carrier.delete(n);
  }
  a.members = new Map(sorted.map((m) => [m.name, m]));
  if (sorted.length >= 2) {
    const bs = bondSettings(p);
    if (a.bond) a.bond.reconfigure(bs, now);
    else { a.bond = new Bond(bs, now, of); of.bonds.set(p.name, a.bond); }
    a.bond.lacp = a.lacp;
    for (const m of sorted) a.bond.registerMember(m.name, m.ofport, linkOf(m));
  } else if (a.bond) {
    a.bond.destroy();
    a.bond = null;
    of.bonds.delete(p.name);
  }
  return a;
}

/** Rebuilds the bridge's bundles from its configuration and the ports that exist. */
export function rebuildBundles(of: Ofproto, b: BridgeConfig, portOf: (iface: string) => OfPort | null, now: number): void {
  now = Math.floor(now);
  const live = new Set<number>();
  const livePorts = new Set<string>();
  for (const p of b.ports) {
    const id = of.bundleId(p.name);
    const members = p.interfaces.map((i) => portOf(i.name)).filter((x): x is OfPort => !!x && x.bundle === id);
    if (members.length === 0) continue;
    live.add(id);
    livePorts.add(p.name);
    const vlan = portVlan({ tag: p.tag, trunks: p.trunks, vlanMode: p.vlanMode });
    const old = of.bundles.get(id);
    if (old && vlanKey(old.vlan) !== vlanKey(vlan)) of.fdb.flushBundle(id);
    const bond = configureAggregate(of, p, members, now)?.bond ?? null;
    const bundle: Bundle = bond
      ? {
        id, name: p.name, vlan, isBond: true, floodable: true,
        get members() { return bond.enabledOfports(); },
        selectMember: (src, vid, flow) => bond.chooseOutputMember({ ...flow, dl_src: src }, vid),
        admits: (member, dst, srcElsewhere) => {
          const v = bond.checkAdmissibility(member, dst);
          if (v === 'drop') return 'bonding refused admissibility, dropping';
          return v === 'drop-if-moved' && srcElsewhere ? 'SLB bond thinks this packet looped back, dropping' : null;
        },
      }
      : {
        id, name: p.name, vlan, isBond: false, floodable: true,
        get members() { return members.filter((m) => !m.netdev || m.netdev.linkUp).map((m) => m.ofport); },
      };
    of.bundles.set(id, bundle);
  }
  for (const name of [...aggregatesOf(of).keys()]) if (!livePorts.has(name)) destroyAggregate(of, name);
  for (const id of [...of.bundles.keys()]) {
    if (!live.has(id)) { of.bundles.delete(id); of.fdb.flushBundle(id); }
  }
}

/** Forgets every bond and LACP object of a bridge that goes away. */
export function removeBundles(of: Ofproto): void {
  for (const name of [...aggregatesOf(of).keys()]) destroyAggregate(of, name);
}

export interface RunOptions {
  /** A datapath statistics round has passed: bonds may rebalance now. */
  readonly rebalance: boolean;
}

/** One periodic step for every LACP port and bond of a bridge; true when cached decisions must be revalidated. */
export function runBundles(of: Ofproto, now: number, opts: RunOptions): boolean {
  now = Math.floor(now);
  let revalidate = false;
  for (const [portName, a] of aggregatesOf(of)) {
    // Carrier changes reach LACP first, and LACP hears that carriers are up (port_run).
    const carrier = new Map<string, boolean>();
    for (const [name, port] of a.members) {
      const up = linkOf(port).linkUp;
      carrier.set(name, up);
      if (reportsCarrierResets(port)) {
        const before = a.carrier.get(name);
        a.carrier.set(name, up);
        if (before !== undefined && before !== up) a.lacp?.carrierChanged(name, up, now);
      }
      if (up) a.lacp?.mayEnable(name);
    }
    if (a.lacp) {
      for (const t of a.lacp.run(now)) {
        const port = a.members.get(t.member);
        if (port?.netdev) port.netdev.send([encodeLacpdu(port.netdev.mac, t.pdu)]);
      }
    }
    const bond = a.bond;
    if (!bond) continue;
    for (const name of a.members.keys()) {
      bond.setMayEnable(name, carrier.get(name)! && (a.lacp ? a.lacp.mayEnable(name) : true));
    }
    if (bond.run(now, a.lacp ? a.lacp.status() : 'off')) revalidate = true;
    if (bond.takeLearningRequest()) sendLearningPackets(of, portName, bond, a, now);
    if (opts.rebalance && bond.rebalance(now)) revalidate = true;
  }
  return revalidate;
}

/** Earliest time a bridge's LACP or bond timers need a run. */
export function nextBundleWake(of: Ofproto): number {
  let t = Infinity;
  for (const a of aggregatesOf(of).values()) t = Math.min(t, a.lacp?.nextWake() ?? Infinity, a.bond?.nextWake() ?? Infinity);
  return t;
}

/** One RARP per MAC learned on another port, least recently used first, each on the member its MAC hashes to. */
function sendLearningPackets(of: Ofproto, portName: string, bond: Bond, a: Aggregate, now: number): void {
  const bundle = of.bundleId(portName);
  const entries = [...of.fdb.entries()]
    .filter((e) => e.bundle !== bundle && (e.isStatic || now - e.lastSeen < of.fdb.agingMs))
    .sort((x, y) => x.lastSeen - y.lastSeen);
  for (const e of entries) {
    const lp = bond.learningPacket(e.mac, e.vlan);
    if (!lp) continue;
    const port = [...a.members.values()].find((m) => m.ofport === lp.ofport);
    port?.netdev?.send([lp.frame]);
  }
}

/**
 * Consumes a Slow Protocols frame received on an LACP port's member. False
 * when the port runs no LACP (the frame is then switched like any other).
 */
export function lacpReceive(of: Ofproto, port: OfPort, frame: Buffer, now: number): boolean {
  const a = aggregatesOf(of).get(port.portName);
  if (!a?.lacp) return false;
  // A partner newly in sync may carry traffic before the next run enables the member.
  if (a.lacp.processPacket(port.name, frame, Math.floor(now))) a.bond?.setMayEnable(port.name, true);
  return true;
}

/** The LACP object of a port, if it runs LACP. */
export function lacpOf(of: Ofproto, portName: string): Lacp | null {
  return aggregatesOf(of).get(portName)?.lacp ?? null;
}

/**
 * Bundles from ports: turns a bridge's PortConfigs into the Bundle objects
 * NORMAL switches between, creating and updating Bond (and Lacp) state for
 * ports with more than one interface or with LACP enabled.
 *
 * Bond and LACP objects live as long as their port does, so negotiated
 * partners and learned MACs survive unrelated reconfiguration; settings
 * are refreshed on every pass.
 */
import type { BridgeConfig, PortConfig } from './config.js';
import type { Ofproto, OfPort } from './ofproto.js';
import { Bond, type BondMode } from './bond.js';
import { Lacp } from './lacp.js';
import type { Bundle } from './normal.js';
import { portVlan, type PortVlan } from './vlan.js';
import { parseMacKey } from './flowkey.js';

function num(v: string | undefined, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : dflt;
}

function bondMode(v: string | null): BondMode {
  return v === 'balance-slb' || v === 'balance-tcp' ? v : 'active-backup';
}

function vlanKey(v: PortVlan): string {
  return JSON.stringify([v.mode, v.tag, v.trunks ? [...v.trunks].sort((a, b) => a - b) : null]);
}

/** Creates/updates the bond of a port; returns null for a plain port. */
function configureBond(of: Ofproto, p: PortConfig, members: OfPort[], now: number): Bond | null {
  const lacpMode = p.lacp === 'active' || p.lacp === 'passive' ? p.lacp : null;
  if (members.length < 2 && !lacpMode) {
    of.bonds.delete(p.name);
    return null;
  }
  const oc = p.otherConfig;
  const settings = {
    name: p.name,
    mode: bondMode(p.bondMode),
    primary: oc.get('bond-primary') ?? null,
    updelayMs: p.bondUpdelay,
    downdelayMs: p.bondDowndelay,
    rebalanceMs: num(oc.get('bond-rebalance-interval'), 10000),
    lacpFallbackAb: oc.get('lacp-fallback-ab') === 'true',
    basis: num(oc.get('bond-hash-basis'), 0),
  };
  let bond = of.bonds.get(p.name);
  if (!bond) { bond = new Bond(settings, null); of.bonds.set(p.name, bond); }
  else bond.settings = settings;

  if (lacpMode) {
    const lacpSettings = {
      name: p.name,
      sysId: parseMacKey(oc.get('lacp-system-id') ?? '') ?? of.settings.mac,
      sysPriority: num(oc.get('lacp-system-priority'), 65534, 1, 65535),
      active: lacpMode === 'active',
      fast: oc.get('lacp-time') === 'fast',
      fallbackAb: settings.lacpFallbackAb,
    };
    if (!bond.lacp) bond.lacp = new Lacp(lacpSettings);
    else bond.lacp.settings = lacpSettings;
  } else {
    bond.lacp = null;
  }

  const names = new Set(members.map((m) => m.name));
  for (const n of bond.memberNames()) if (!names.has(n)) { bond.removeMember(n); bond.lacp?.removeMember(n); }
  const defaultKey = Math.min(...members.map((m) => m.ofport));
  for (const m of members) {
    const cfg = p.interfaces.find((i) => i.name === m.name)!;
    bond.configureMember(m.name, m.ofport, m.netdev?.mac ?? 0, m.netdev ? m.netdev.linkUp : true);
    bond.setCarrier(m.name, m.netdev ? m.netdev.linkUp : true);
    bond.lacp?.configureMember(m.name, {
      portId: num(cfg.otherConfig.get('lacp-port-id'), m.ofport, 1, 65535),
      portPriority: num(cfg.otherConfig.get('lacp-port-priority'), 65535, 1, 65535),
      key: num(cfg.otherConfig.get('lacp-aggregation-key'), defaultKey, 1, 65535),
    }, now);
  }
  bond.run(now);
  return bond;
}

/** Rebuilds the bridge's bundles from its configuration and the ports that exist. */
export function rebuildBundles(of: Ofproto, b: BridgeConfig, portOf: (iface: string) => OfPort | null, now: number): void {
  const live = new Set<number>();
  for (const p of b.ports) {
    const id = of.bundleId(p.name);
    const members = p.interfaces.map((i) => portOf(i.name)).filter((x): x is OfPort => !!x && x.bundle === id);
    if (members.length === 0) { of.bonds.delete(p.name); continue; }
    live.add(id);
    const vlan = portVlan({ tag: p.tag, trunks: p.trunks, vlanMode: p.vlanMode });
    const old = of.bundles.get(id);
    if (old && vlanKey(old.vlan) !== vlanKey(vlan)) of.fdb.flushBundle(id);
    const bond = configureBond(of, p, members, now);
    const bundle: Bundle = bond
      ? {
        id, name: p.name, vlan, isBond: true, floodable: true,
        get members() { return bond.enabledOfports(); },
        selectMember: (src, v) => bond.selectMember(src, v),
        admits: (member, dst, elsewhere) => bond.admits(member, dst, elsewhere),
      }
      : {
        id, name: p.name, vlan, isBond: false, floodable: true,
        get members() { return members.filter((m) => !m.netdev || m.netdev.linkUp).map((m) => m.ofport); },
      };
    of.bundles.set(id, bundle);
  }
  for (const id of [...of.bundles.keys()]) {
    if (!live.has(id)) { of.bundles.delete(id); of.fdb.flushBundle(id); }
  }
}

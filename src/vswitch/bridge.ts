/**
 * The bridge layer: the only part of the switch that knows the database.
 * `reconfigure(config)` makes the running switch match a SwitchConfig read
 * from the Open_vSwitch tables, and `status()` reports what the database's
 * status columns should say about it.
 *
 * Reconfiguration is idempotent and deletes before it adds (so an
 * interface that moves between bridges, changes type or asks for another
 * OpenFlow port number is torn down and rebuilt in one pass): applying the
 * same configuration twice changes nothing, and the megaflow cache is
 * invalidated whenever anything changed.
 *
 * Interfaces that cannot be created keep a row in the status with
 * ofport -1 and an error text, exactly as ovs-vswitchd reports them; they
 * never stop the rest of the bridge.
 */
import { createHash } from 'node:crypto';
import type { Netdev } from '../netdev/netdev.js';
import type { Clock } from '../base/clock.js';
import type { BridgeConfig, InterfaceConfig, PortConfig, SwitchConfig } from './config.js';
import { Dpif } from './dpif.js';
import { Ofproto, OFPP_LOCAL, type OfPort } from './ofproto.js';
import { rebuildBundles, removeBundles, runBundles, lacpReceive } from './bundles.js';
import { TunnelTables, TUNNEL_TYPES, parseTunnel, arpSender } from './tunnel.js';
import { HostTunnels } from './tunnel-host.js';
import { extractFlowKey } from './flowkey.js';
import { parseMacKey, formatMac } from './flowkey.js';
import { xlate, type XlateRegistry } from './xlate.js';
import { DEFAULT_AGING_S, DEFAULT_MAX_ENTRIES } from './fdb.js';

/** Creates netdevs by interface type; returns an error text instead when it cannot. */
export interface NetdevFactory {
  create(opts: { name: string; type: string; datapathType: string; bridgeMac: number; isBridgeLocal: boolean }): Netdev | string;
}

export interface InterfaceStatus {
  readonly uuid: string;
  readonly ofport: number;
  readonly error: string | null;
  readonly adminState: 'up' | 'down' | null;
  readonly linkState: 'up' | 'down' | null;
  readonly mtu: number | null;
  readonly macInUse: string | null;
  readonly statistics: ReadonlyMap<string, number>;
}

export interface BridgeStatus {
  readonly uuid: string;
  readonly datapathId: string;
}

export interface SwitchStatus {
  readonly interfaces: readonly InterfaceStatus[];
  readonly bridges: readonly BridgeStatus[];
}

interface IfaceState {
  readonly cfg: InterfaceConfig;
  readonly bridge: string;
  readonly port: OfPort | null;
  readonly error: string | null;
}

const SLOW_PROTOCOLS = 0x8809;
/** How often bonds may rebalance: after each round of datapath statistics, as OVS's revalidators provide them. */
const STATS_ROUND_MS = 500;

const DATAPATHS: Record<string, { type: string; name: string }> = {
  dummy: { type: 'dummy', name: 'ovs-dummy' },
  netdev: { type: 'netdev', name: 'ovs-netdev' },
  system: { type: 'netdev', name: 'ovs-netdev' },
  '': { type: 'netdev', name: 'ovs-netdev' },
};

export class Switch implements XlateRegistry {
  readonly dpifs = new Map<string, Dpif>();
  readonly bridges = new Map<string, Ofproto>();
  readonly tunnels = new TunnelTables(() => this.clock.now());
  /** VXLAN/Geneve through the host's UDP stack, for tunnel ports no bridge routes (real datapaths only). */
  readonly hostTunnels = new HostTunnels((type, port, inner, tun) => {
    for (const of of this.bridges.values()) {
      for (const p of of.ports.values()) {
        if (p.tunnel?.type === type && p.tunnel.dstPort === port) { of.dpif.receive(port, [inner], tun); return; }
      }
    }
  });
  private ifaces = new Map<string, IfaceState>();    // by interface name

  constructor(private readonly clock: Clock, private readonly netdevs: NetdevFactory) {}

  portByInterfaceName(name: string): { ofproto: Ofproto; port: OfPort } | undefined {
    const s = this.ifaces.get(name);
    if (!s?.port) return undefined;
    const ofproto = this.bridges.get(s.bridge);
    return ofproto ? { ofproto, port: s.port } : undefined;
  }

  private dpifFor(datapathType: string): Dpif {
    const d = DATAPATHS[datapathType] ?? { type: datapathType, name: `ovs-${datapathType}` };
    let dpif = this.dpifs.get(d.type);
    if (!dpif) {
      dpif = new Dpif(d.type, d.name, () => this.clock.now());
      const dp = dpif;
      dpif.upcall = (key, frame, now) => this.upcall(dp, key, frame, now);
      this.dpifs.set(d.type, dpif);
    }
    return dpif;
  }

  /** Translates a packet that missed the megaflow cache. */
  private upcall(dpif: Dpif, key: Record<string, number>, frame: Buffer, now: number) {
    if (key.tun_src) return this.tunnelUpcall(dpif, key, now);
    for (const of of this.bridges.values()) {
      if (of.dpif !== dpif) continue;
      const p = of.portByOdp(key.in_port!);
      if (!p) continue;
      if (key.dl_type === SLOW_PROTOCOLS && lacpReceive(of, p, frame, now)) {
        // Slow-protocol frames on LACP ports are consumed by LACP, never switched, and never cached (each one matters).
        this.bondsChanged(of);
        return { actions: [], fields: ['in_port', 'dl_type'], effects: [], rules: [], cacheable: false };
      }
      const snooped = this.snoopNeighbour(of, key, frame);
      const r = xlate(this, { ofproto: of, inOfport: p.ofport, flow: key, now, mayLearn: true, wantTrace: false });
      for (const why of r.dropReasons) dpif.drop(`drop: ${why}`);
      // A tunnel packet terminated here teaches the neighbour table its sender's outer MAC, as OVS does.
      if (key.dl_type === 0x0800 && key.nw_src !== undefined && key.dl_src !== undefined && r.actions.some((a) => a.t === 'tnl_pop')) {
        if (this.tunnels.neigh.set(of.name, key.nw_src, key.dl_src)) this.invalidateAll();
      }
      return { actions: r.actions, fields: r.fields, effects: r.effects, rules: r.rules, cacheable: r.cacheable && !snooped, macDeps: r.macDeps };
    }
    dpif.drop('drop: packet on a port of no bridge');
    return { actions: [], fields: ['in_port'], effects: [], rules: [], cacheable: true };
  }

  /** A decapsulated packet: enters the bridge of the tunnel port matching (outer source, VNI). */
  private tunnelUpcall(dpif: Dpif, key: Record<string, number>, now: number) {
    const fields = ['in_port', 'tun_src', 'tun_id', 'tun_dst'];
    let best: { of: Ofproto; port: OfPort; score: number } | null = null;
    for (const of of this.bridges.values()) {
      if (of.dpif !== dpif) continue;
      for (const p of of.ports.values()) {
        const t = p.tunnel;
        if (!t || t.dstPort !== key.in_port) continue;
        if (t.remoteIp !== 'flow' && t.remoteIp !== key.tun_src) continue;
        if (t.inKey !== 'flow' && t.inKey !== key.tun_id) continue;
        const score = Number(t.remoteIp !== 'flow') + Number(t.inKey !== 'flow');
        if (!best || score > best.score) best = { of, port: p, score };
      }
    }
    if (!best) {
      dpif.drop('drop: tunnel packet matches no tunnel port');
      return { actions: [], fields, effects: [], rules: [], cacheable: true };
    }
    const r = xlate(this, { ofproto: best.of, inOfport: best.port.ofport, flow: key, now, mayLearn: true, wantTrace: false });
    for (const why of r.dropReasons) dpif.drop(`drop: ${why}`);
    return { actions: r.actions, fields: [...new Set([...fields, ...r.fields])], effects: r.effects, rules: r.rules, cacheable: r.cacheable, macDeps: r.macDeps };
  }

  /**
   * ARP snooping for the neighbour table, under OVS's conditions: native
   * tunnelling is on (the datapath has a tunnel port), the bridge owns an
   * address, and the frame is an ARP reply to one of its addresses or a
   * gratuitous ARP (sender = target address), with a sender MAC. Returns
   * whether the frame was looked at (such frames are not cached, so that
   * every one of them is seen).
   */
  private snoopNeighbour(of: Ofproto, key: Record<string, number>, frame: Buffer): boolean {
    if (key.dl_type !== 0x0806 || !this.tunnels.addrs.has(of.name)) return false;
    if (![...this.bridges.values()].some((b) => b.dpif === of.dpif && [...b.ports.values()].some((p) => p.tunnel))) return false;
    const a = arpSender(frame);
    if (!a || a.mac === 0) return true;
    const garp = a.ip === a.target;
    if (garp || (a.op === 2 && this.tunnels.ownsAddress(of.name, a.target))) {
      if (this.tunnels.neigh.set(of.name, a.ip, a.mac)) this.invalidateAll();
    }
    return true;
  }

  private invalidateAll(): void {
    for (const d of this.dpifs.values()) d.invalidate();
  }

  /** Injects a frame the switch itself originates as if the bridge's own port had sent it. */
  sendFromLocal(bridge: string, frame: Buffer): void {
    const of = this.bridges.get(bridge);
    const local = of?.ports.get(OFPP_LOCAL);
    if (!of || !local) return;
    const key = extractFlowKey(frame, local.odp ?? 0);
    if (!key) return;
    const r = xlate(this, { ofproto: of, inOfport: OFPP_LOCAL, flow: key, now: this.clock.now(), mayLearn: true, wantTrace: false });
    of.dpif.execute(r.actions, frame);
  }

  reconfigure(config: SwitchConfig): void {
    const now = this.clock.now();
    const wanted = new Map(config.bridges.map((b) => [b.name, b]));
    // 1. Bridges that went away, or whose datapath type changed.
    for (const [name, of] of this.bridges) {
      const b = wanted.get(name);
      if (!b || this.dpifFor(b.datapathType) !== of.dpif) this.removeBridge(name);
    }
    // 2. Interfaces that went away or must be rebuilt (deleting before adding).
    const desired = new Map<string, { bridge: BridgeConfig; port: PortConfig; iface: InterfaceConfig }>();
    for (const b of config.bridges) for (const p of b.ports) for (const i of p.interfaces) {
      if (!desired.has(i.name)) desired.set(i.name, { bridge: b, port: p, iface: i });
    }
    for (const [name, st] of this.ifaces) {
      const d = desired.get(name);
      if (!d || d.bridge.name !== st.bridge || needsRebuild(st, d.iface, d.port)) this.removeInterface(name);
    }
    // 3. Bridges: create or update.
    for (const b of config.bridges) this.configureBridge(b, now);
    // 4. Interfaces: create what is missing, LOCAL first so it gets 65534 whatever else asks.
    for (const b of config.bridges) {
      const of = this.bridges.get(b.name)!;
      const ordered = [...b.ports].sort((x, y) => Number(y.name === b.name) - Number(x.name === b.name));
      for (const p of ordered) for (const i of p.interfaces) {
        if (desired.get(i.name)?.bridge !== b) continue;
        if (!this.ifaces.has(i.name)) this.addInterface(of, b, p, i);
        else this.updateInterface(i);
      }
      rebuildBundles(of, b, (name) => this.ifaces.get(name)?.port ?? null, now);
      this.runBonds(of, now, false);
    }
    // Tunnel ports on real datapaths may also use the host's UDP stack (when no bridge routes to the remote).
    const hostWanted: { type: 'vxlan' | 'geneve'; port: number }[] = [];
    for (const of of this.bridges.values()) {
      if (of.dpif.type === 'dummy') continue;
      for (const p of of.ports.values()) {
        const t = p.tunnel;
        if (t && (t.type === 'vxlan' || t.type === 'geneve') && !hostWanted.some((w) => w.type === t.type && w.port === t.dstPort)) hostWanted.push({ type: t.type, port: t.dstPort });
      }
    }
    this.hostTunnels.reconcile(hostWanted);
    // The datapath tells Geneve from VXLAN by UDP port when it decapsulates.
    for (const d of this.dpifs.values()) {
      const geneve = new Set<number>();
      for (const of of this.bridges.values()) if (of.dpif === d) for (const p of of.ports.values()) if (p.tunnel?.type === 'geneve') geneve.add(p.tunnel.dstPort);
      d.geneveUdpPorts = geneve;
      d.invalidate();
    }
  }

  private configureBridge(b: BridgeConfig, now: number): void {
    const mac = bridgeMac(b);
    const dpid = datapathId(b.otherConfig.get('datapath-id'), mac);
    const settings = {
      name: b.name, uuid: b.uuid, mac, datapathId: dpid, failMode: b.failMode,
      forwardBpdu: b.otherConfig.get('forward-bpdu') === 'true',
      // With controllers configured, a standalone bridge starts with an empty table, as OVS does.
      controllers: b.controllers,
    };
    let of = this.bridges.get(b.name);
    if (!of) {
      of = new Ofproto(settings, this.dpifFor(b.datapathType));
      this.bridges.set(b.name, of);
      of.resetFlows(now);
    } else {
      const failModeChanged = of.settings.failMode !== settings.failMode;
      of.settings = settings;
      if (failModeChanged) of.resetFlows(now);
    }
    const size = Number(b.otherConfig.get('mac-table-size') ?? DEFAULT_MAX_ENTRIES);
    const aging = Number(b.otherConfig.get('mac-aging-time') ?? DEFAULT_AGING_S);
    of.fdb.setLimits((Number.isFinite(aging) && aging > 0 ? aging : DEFAULT_AGING_S) * 1000,
      Number.isFinite(size) && size > 0 ? size : DEFAULT_MAX_ENTRIES, now);
  }

  private removeBridge(name: string): void {
    const of = this.bridges.get(name);
    if (!of) return;
    for (const [iname, st] of this.ifaces) if (st.bridge === name) this.removeInterface(iname);
    removeBundles(of);
    this.bridges.delete(name);
  }

  private removeInterface(name: string): void {
    const st = this.ifaces.get(name);
    if (!st) return;
    this.ifaces.delete(name);
    const of = this.bridges.get(st.bridge);
    if (of && st.port) of.removePort(st.port.ofport);
  }

  private addInterface(of: Ofproto, b: BridgeConfig, p: PortConfig, i: InterfaceConfig): void {
    const isLocal = i.name === b.name;
    const taken = new Set(of.ports.keys());
    const fail = (error: string): void => { this.ifaces.set(i.name, { cfg: i, bridge: b.name, port: null, error }); };
    if (i.type === 'patch') {
      const peer = i.options.get('peer');
      if (!peer) { fail(`${i.name}: patch type requires valid 'peer' argument`); return; }
      if (peer === i.name) { fail(`${i.name}: patch peer must not be self`); return; }
      const ofport = of.allocOfport(i.ofportRequest, taken);
      const port: OfPort = { ofport, name: i.name, ifaceUuid: i.uuid, portName: p.name, odp: null, netdev: null, patchPeer: peer, bundle: of.bundleId(p.name), type: 'patch' };
      of.addPort(port);
      this.ifaces.set(i.name, { cfg: i, bridge: b.name, port, error: null });
      return;
    }
    if (TUNNEL_TYPES.has(i.type)) {
      const t = parseTunnel(i.name, i.type, i.options);
      if (typeof t === 'string') { fail(t); return; }
      const ofport = of.allocOfport(i.ofportRequest, taken);
      const port: OfPort = { ofport, name: i.name, ifaceUuid: i.uuid, portName: p.name, odp: t.dstPort, netdev: null, patchPeer: null, bundle: of.bundleId(p.name), type: i.type, tunnel: t };
      of.addPort(port);
      this.ifaces.set(i.name, { cfg: i, bridge: b.name, port, error: null });
      return;
    }
    const nd = this.netdevs.create({ name: i.name, type: i.type, datapathType: of.dpif.type, bridgeMac: of.settings.mac, isBridgeLocal: isLocal });
    if (typeof nd === 'string') { fail(nd); return; }
    const optErr = nd.setOptions(i.options);
    if (optErr) { nd.close(); fail(optErr); return; }
    if (isLocal) nd.mac = of.settings.mac;
    else if (i.mac) { const m = parseMacKey(i.mac); if (m !== null) nd.mac = m; }
    if (i.mtuRequest) nd.mtu = i.mtuRequest;
    const ofport = isLocal ? OFPP_LOCAL : of.allocOfport(i.ofportRequest, taken);
    const dp = of.dpif.addPort(nd);
    const port: OfPort = { ofport, name: i.name, ifaceUuid: i.uuid, portName: p.name, odp: dp.odp, netdev: nd, patchPeer: null, bundle: of.bundleId(p.name), type: i.type };
    of.addPort(port);
    nd.onStateChange = () => this.onLinkChange(of);
    this.ifaces.set(i.name, { cfg: i, bridge: b.name, port, error: null });
  }

  /** Applies changed options (e.g. options:tx_pcap) and MTU to an interface that stays. */
  private updateInterface(i: InterfaceConfig): void {
    const st = this.ifaces.get(i.name)!;
    const nd = st.port?.netdev;
    if (!nd) return;
    const same = JSON.stringify([...st.cfg.options].sort()) === JSON.stringify([...i.options].sort());
    const error = same ? st.error : nd.setOptions(i.options);
    if (i.mtuRequest && nd.mtu !== i.mtuRequest) nd.mtu = i.mtuRequest;
    this.ifaces.set(i.name, { ...st, cfg: i, error });
  }

  private onLinkChange(of: Ofproto): void {
    this.runBonds(of, this.clock.now(), false);
    of.dpif.invalidate();
    this.onStatusChange?.();
  }

  /** Something changed a bond or LACP (a received LACPDU, an appctl command): run them now, as OVS's main loop would. */
  bondsChanged(of: Ofproto): void {
    this.runBonds(of, this.clock.now(), false);
  }

  private lastStatsRound = performance.now();

  /** Runs LACP and bond state machines (bundles.ts); invalidates cached decisions on change. */
  private runBonds(of: Ofproto, now: number, statsRound: boolean): void {
    if (runBundles(of, now, { rebalance: statsRound })) of.dpif.invalidate();
  }

  /** Called when something the status reports changed without a reconfiguration (link state). */
  onStatusChange: (() => void) | null = null;

  status(): SwitchStatus {
    const interfaces: InterfaceStatus[] = [];
    for (const st of this.ifaces.values()) {
      const nd = st.port?.netdev ?? null;
      const stats = new Map<string, number>();
      if (nd) for (const [k, v] of Object.entries(nd.stats)) stats.set(k, v);
      interfaces.push({
        uuid: st.cfg.uuid,
        ofport: st.port ? st.port.ofport : -1,
        error: st.error,
        adminState: nd ? (nd.adminUp ? 'up' : 'down') : (st.port ? 'up' : null),
        linkState: nd ? (nd.linkUp ? 'up' : 'down') : (st.port ? 'up' : null),
        mtu: nd ? nd.mtu : null,
        macInUse: nd ? formatMac(nd.mac) : null,
        statistics: stats,
      });
    }
    const bridges = [...this.bridges.values()].map((of) => ({ uuid: of.settings.uuid, datapathId: of.settings.datapathId }));
    return { interfaces, bridges };
  }

  /** Ages out MAC entries; invalidates cached decisions that relied on them. */
  runPeriodic(): void {
    const now = this.clock.now();
    // Bonds rebalance on the cadence of datapath statistics rounds (real time), whatever time/warp does.
    const statsRound = performance.now() - this.lastStatsRound >= STATS_ROUND_MS;
    if (statsRound) this.lastStatsRound = performance.now();
    for (const of of this.bridges.values()) {
      this.runBonds(of, now, statsRound);
      of.fdb.expire(now);   // invalidates the datapath's cache through fdb.onChange when entries go
    }
    // Stale neighbours go; tunnel outputs that used them must look again (and ARP).
    if (this.tunnels.neigh.expire()) this.invalidateAll();
  }
}

function needsRebuild(st: IfaceState, i: InterfaceConfig, p: PortConfig): boolean {
  if (st.cfg.type !== i.type || st.cfg.uuid !== i.uuid) return true;
  if (st.port && st.port.portName !== p.name) return true;
  if (!st.port) return JSON.stringify([...st.cfg.options]) !== JSON.stringify([...i.options]) || st.cfg.ofportRequest !== i.ofportRequest;
  if (i.ofportRequest !== null && st.port.ofport !== i.ofportRequest && st.port.ofport !== OFPP_LOCAL) return true;
  if (i.type === 'patch' && st.cfg.options.get('peer') !== i.options.get('peer')) return true;
  if (TUNNEL_TYPES.has(i.type) && JSON.stringify([...st.cfg.options].sort()) !== JSON.stringify([...i.options].sort())) return true;
  return false;
}

/** The bridge MAC: other-config:hwaddr if valid, else stable per bridge name (locally administered). */
export function bridgeMac(b: BridgeConfig): number {
  const hw = b.otherConfig.get('hwaddr');
  const m = hw ? parseMacKey(hw.replace(/^"|"$/g, '')) : null;
  if (m !== null && Math.floor(m / 2 ** 40) % 2 === 0) return m;   // unicast only
  const h = createHash('sha1').update(`weft-bridge:${b.name}`).digest();
  return ((h[0]! & 0xfc) | 0x02) * 2 ** 40 + h.readUIntBE(1, 5);
}

export function datapathId(configured: string | undefined, mac: number): string {
  if (configured) {
    const c = configured.replace(/^0x/i, '');
    if (/^[0-9a-fA-F]{16}$/.test(c)) return c.toLowerCase();
  }
  return '0000' + mac.toString(16).padStart(12, '0');
}

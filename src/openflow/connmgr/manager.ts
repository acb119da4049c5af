/**
 * OpenFlow for a whole switch: one connection manager per bridge, kept in
 * step with the bridges the switch has, and the adapter that shows each
 * bridge (vswitch's Ofproto) to the OpenFlow handlers as an OfBridge.
 *
 * This module sits above the switch core (it imports vswitch), like OVS's
 * connmgr sits in ofproto: the daemon owns one OpenFlowManager and calls
 *   reconfigure(configs)  after every Switch.reconfigure,
 *   run()                 from its periodic tick,
 *   close()               on exit.
 *
 * Packet-out runs the given actions through translation (xlateActions)
 * and executes the result on the bridge's datapath, as OVS does. The
 * packet is keyed as the datapath keys a received one (odp-key.ts), so
 * actions reading L3/L4 fields (dec_ttl, resubmit into L3/L4 rules, learn)
 * see the same values for a packet-out as for the same packet received.
 */
import type { Clock } from '../../base/clock.js';
import type { Switch } from '../../vswitch/bridge.js';
import type { Ofproto } from '../../vswitch/ofproto.js';
import { OFPP_LOCAL } from '../../vswitch/ofproto.js';
import { xlateActions } from '../../vswitch/xlate.js';
import { datapathFlowKey } from '../odp-key.js';
import { OfError } from '../errors.js';
import { OFPP, OFPPC, OFPPS } from '../constants.js';
import type { PacketOut } from '../packet-msgs.js';
import type { PortDesc, PortMod, PortStats } from '../switch-msgs.js';
import type { OfBridge } from './bridge-view.js';
import { BridgeConnMgr, type BridgeOfConfig, type ConnLog } from './connmgr.js';

export interface OpenFlowManagerOptions {
  readonly rundir: string;
  readonly clock: Clock;
  readonly log?: ConnLog;
  readonly probeMs?: number;
}

/** The OfBridge view of one Ofproto. */
export function bridgeView(sw: Switch, of: Ofproto, clock: Clock): OfBridge {
  const portConfig = new Map<number, number>();
  const desc = (ofport: number): PortDesc | null => {
    const p = of.ports.get(ofport);
    if (!p) return null;
    const nd = p.netdev;
    const config = (portConfig.get(ofport) ?? 0) | (nd && !nd.adminUp ? OFPPC.PORT_DOWN : 0);
    return {
      portNo: ofport, hwAddr: ofport === OFPP_LOCAL ? of.settings.mac : nd?.mac ?? 0, name: p.name, config,
      state: nd && !nd.linkUp ? OFPPS.LINK_DOWN : OFPPS.LIVE, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0,
    };
  };
  const created = clock.now();
  // The order OVS replies in: LOCAL, then the other ports by number.
  const order = () => [...of.ports.keys()].sort((a, b) => (a === OFPP_LOCAL ? -1 : b === OFPP_LOCAL ? 1 : a - b));
  return {
    name: of.name,
    datapathId: () => BigInt('0x' + of.settings.datapathId),
    ports: () => order().map((n) => desc(n)!).filter(Boolean),
    portStats: (port): PortStats[] => {
      const nos = port === OFPP.ANY ? order() : of.ports.has(port) ? [port] : [];
      const age = clock.now() - created;
      return nos.map((no) => {
        const s = of.ports.get(no)!.netdev?.stats;
        return {
          portNo: no, rxPackets: s?.rx_packets ?? 0, txPackets: s?.tx_packets ?? 0, rxBytes: s?.rx_bytes ?? 0, txBytes: s?.tx_bytes ?? 0,
          // Like OVS's dummy devices, drop and error counts are not reported.
          rxDropped: null, txDropped: null, rxErrors: null, txErrors: null,
          durationSec: Math.floor(age / 1000), durationNsec: Math.floor(age % 1000) * 1e6,
        };
      });
    },
    flows: of.flows,
    groups: of.groups,
    flowsChanged: () => of.dpif.invalidate(),
    packetOut: (po: PacketOut) => {
      const inPort = po.inPort === OFPP.NONE || po.inPort === OFPP.CONTROLLER ? OFPP_LOCAL : po.inPort;
      if (inPort !== OFPP_LOCAL && inPort < OFPP.MAX && !of.ports.has(inPort)) throw new OfError('OFPBRC_BAD_PORT', `in_port ${inPort}`);
      const frame = Buffer.from(po.data);
      const key = datapathFlowKey(frame, inPort);
      if (!key) throw new OfError('OFPBRC_BAD_PACKET', 'packet too short');
      const r = xlateActions(sw, { ofproto: of, inOfport: inPort, flow: key, now: clock.now(), mayLearn: true, wantTrace: false }, po.actions);
      of.dpif.execute(r.actions, frame);
    },
    portMod: (pm: PortMod) => {
      const d = desc(pm.portNo);
      if (!d) throw new OfError('OFPPMFC_BAD_PORT');
      if (pm.hwAddr !== d.hwAddr) throw new OfError('OFPPMFC_BAD_HW_ADDR');
      const old = portConfig.get(pm.portNo) ?? 0;
      portConfig.set(pm.portNo, (old & ~pm.mask) | (pm.config & pm.mask & ~OFPPC.PORT_DOWN));
      const nd = of.ports.get(pm.portNo)?.netdev as { setAdminState?: (up: boolean) => void } | undefined;
      if (pm.mask & OFPPC.PORT_DOWN) nd?.setAdminState?.(!(pm.config & OFPPC.PORT_DOWN));
      of.dpif.invalidate();
    },
    now: () => clock.now(),
  };
}

export class OpenFlowManager {
  private readonly mgrs = new Map<string, { of: Ofproto; mgr: BridgeConnMgr }>();

  constructor(private readonly sw: Switch, private readonly opts: OpenFlowManagerOptions) {}

  /** Makes the set of managed bridges and their controllers match `configs`; idempotent. */
  reconfigure(configs: readonly BridgeOfConfig[]): void {
    const want = new Map(configs.map((c) => [c.name, c]));
    for (const [name, e] of this.mgrs) {
      if (!want.has(name) || this.sw.bridges.get(name) !== e.of) {
        e.mgr.close();
        if (e.of.onPacketIn) e.of.onPacketIn = null;
        this.mgrs.delete(name);
      }
    }
    for (const c of configs) {
      const of = this.sw.bridges.get(c.name);
      if (!of) continue;
      const e = this.mgrs.get(c.name);
      if (e) { e.mgr.configure(c); continue; }
      const mgr = new BridgeConnMgr(bridgeView(this.sw, of, this.opts.clock), c, { rundir: this.opts.rundir, log: this.opts.log, probeMs: this.opts.probeMs },
        (wantMiss) => { if (of.missToController !== wantMiss) { of.missToController = wantMiss; of.dpif.invalidate(); } });
      of.onPacketIn = (pi) => mgr.packetIn(pi);
      this.mgrs.set(c.name, { of, mgr });
    }
  }

  run(): void {
    const now = this.opts.clock.now();
    for (const { mgr } of this.mgrs.values()) mgr.run(now);
  }

  manager(bridge: string): BridgeConnMgr | undefined {
    return this.mgrs.get(bridge)?.mgr;
  }

  close(): void {
    for (const { mgr } of this.mgrs.values()) mgr.close();
    this.mgrs.clear();
  }
}

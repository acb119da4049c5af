/**
 * The userspace datapath (after OVS's dpif-netdev). One Dpif per datapath
 * type (`dummy` → "ovs-dummy", `netdev` → "ovs-netdev"); every bridge of
 * that type attaches its ports here under datapath port numbers.
 *
 * Packet path, per received batch:
 *   1. extract the flow key (a frame too short for Ethernet is a counted
 *      drop, never an exception): the packet layer's full key, the one
 *      `ofproto/trace` uses, so OpenFlow rules on any L3/L4 field (ARP,
 *      IPv6, ICMP, TTL, TOS, TCP flags, fragments, ND) and actions that
 *      read them (dec_ttl) see the real packet (src/openflow/odp-key.ts);
 *   2. look the key up in the megaflow cache: a hit executes the cached
 *      actions and replays the hit's side effects (MAC ageing, rule
 *      counters);
 *   3. on a miss, "upcall" to the translation layer (ofproto/xlate), which
 *      returns actions plus the fields it examined; install a megaflow,
 *      then execute.
 *
 * Speed: the key is refilled in place, one per batch nesting depth (a
 * decapsulated packet re-enters `receive` while its outer packet's batch
 * is running), so the per-frame cost is the parse itself, no allocation;
 * for IPv4 that is cheaper than building the old L2 + IPv4 key object, and
 * with the megaflow cache's compiled lookups NORMAL switching got faster,
 * not slower (figures in docs/architecture.md). So the full key is always
 * extracted, rather than only when some rule needs more than L2 + IPv4.
 * Only a miss copies the key into the datapath flow that translation
 * reads and may keep.
 *
 * Outputs are queued per port while a batch is processed and sent with one
 * `send` per port at the end, so a real device makes one system call per
 * batch rather than one per frame.
 *
 * The datapath knows nothing of bridges, VLAN rules or OpenFlow: it moves
 * frames between numbered ports according to actions. `invalidate()` is
 * how the upper layers say a decision may have changed.
 */
import type { Netdev } from '../netdev/netdev.js';
import { executeActions, type DpAction } from './odp.js';
import { MegaflowCache, type HitEffect, type RuleCounters } from './megaflow.js';
import type { TunnelMetadata } from './flowkey.js';
import { extractFlowInto, newFlowKey, type FlowKey } from '../packet/flow.js';
import { datapathFlow, packetMetadata, type DatapathFlow } from '../openflow/odp-key.js';
import { tunnelDecap, GENEVE_PORT } from './tunnel.js';

export interface UpcallResult {
  readonly actions: readonly DpAction[];
  /** Fields the translation examined; the megaflow matches exactly on these. */
  readonly fields: readonly string[];
  readonly effects: readonly HitEffect[];
  readonly rules: readonly RuleCounters[];
  /** False for decisions that must not be cached (e.g. depend on the packet's payload). */
  readonly cacheable: boolean;
  /** MACs whose MAC-table entries the decision depends on beyond dl_src/dl_dst of the key. */
  readonly macDeps?: readonly number[];
}

/** Translates a frame that missed the cache; `key` is the frame's own copy, the handler may keep it. */
export type UpcallHandler = (key: DatapathFlow, frame: Buffer, now: number) => UpcallResult;

export interface DpPort {
  readonly odp: number;
  readonly name: string;
  readonly netdev: Netdev;
}

export interface DpifStats {
  hit: number;
  missed: number;
  lost: number;
  /** Drops by reason, shown in coverage/show. */
  drops: Map<string, number>;
}

export class Dpif {
  readonly ports = new Map<number, DpPort>();
  readonly cache = new MegaflowCache();
  readonly stats: DpifStats = { hit: 0, missed: 0, lost: 0, drops: new Map() };
  /** Turns the megaflow cache off (model tests compare both ways). */
  useCache = true;
  upcall: UpcallHandler | null = null;
  /** UDP ports that carry Geneve (tunnel ports of type geneve); other tunnel UDP ports carry VXLAN. */
  geneveUdpPorts: ReadonlySet<number> = new Set([GENEVE_PORT]);
  /** Batch nesting (decapsulated packets re-enter `receive`); outputs are flushed at depth 0. */
  private depth = 0;
  private readonly pending = new Map<number, Buffer[]>();
  /** The key each batch nesting depth refills per frame (never handed out: the upcall gets a copy). */
  private readonly keys: FlowKey[] = [];
  private readonly outputFn = (port: number, f: Buffer): void => this.output(port, f);

  constructor(readonly type: string, readonly name: string, private readonly now: () => number) {}

  /** Adds a port, using `requested` if free, else the lowest free number from 1. */
  addPort(netdev: Netdev, requested?: number): DpPort {
    let odp = requested !== undefined && !this.ports.has(requested) ? requested : 1;
    if (requested === undefined || this.ports.get(requested)) while (this.ports.has(odp)) odp++;
    const port: DpPort = { odp, name: netdev.name, netdev };
    this.ports.set(odp, port);
    netdev.setReceiveHandler((frames) => this.receive(odp, frames));
    this.invalidate();
    return port;
  }

  removePort(odp: number): void {
    const p = this.ports.get(odp);
    if (!p) return;
    p.netdev.setReceiveHandler(null);
    this.ports.delete(odp);
    this.invalidate();
  }

  invalidate(): void {
    this.cache.flush();
  }

  drop(reason: string): void {
    this.stats.drops.set(reason, (this.stats.drops.get(reason) ?? 0) + 1);
  }

  /** Processes a batch of frames received on datapath port `odp`. */
  receive(odp: number, frames: readonly Buffer[], tun?: TunnelMetadata): void {
    this.depth++;
    try {
      this.receiveBatch(odp, frames, tun);
    } finally {
      if (--this.depth === 0) this.flush();
    }
  }

  /** Sends every output queued while a batch was processed: one `send` per port per batch. */
  private flush(): void {
    for (const [odp, q] of this.pending) {
      const p = this.ports.get(odp);
      if (p) p.netdev.send(q);
    }
    this.pending.clear();
  }

  private output(port: number, f: Buffer): void {
    const p = this.ports.get(port);
    if (!p) { this.drop('datapath_drop_invalid_port'); return; }
    if (this.depth === 0) { p.netdev.send([f]); return; }
    const q = this.pending.get(port);
    if (q) q.push(f); else this.pending.set(port, [f]);
  }

  private receiveBatch(odp: number, frames: readonly Buffer[], tun?: TunnelMetadata): void {
    const now = this.now();
    const key = this.keys[this.depth] ??= newFlowKey();
    const md = packetMetadata(odp, tun);
    for (const frame of frames) {
      if (extractFlowInto(key, frame, md) === 'short_frame') { this.drop('datapath_drop_short_frame'); continue; }
      let actions: readonly DpAction[];
      const mf = this.useCache ? this.cache.lookup(key) : undefined;
      if (mf) {
        this.stats.hit++;
        mf.packets++; mf.bytes += frame.length; mf.used = now;
        for (const r of mf.rules) { r.n_packets++; r.n_bytes += frame.length; r.used = now; }
        for (const e of mf.effects) e(now);
        actions = mf.actions;
      } else {
        this.stats.missed++;
        if (!this.upcall) { this.stats.lost++; continue; }
        const r = this.upcall(datapathFlow(key), frame, now);
        for (const rc of r.rules) { rc.n_packets++; rc.n_bytes += frame.length; rc.used = now; }
        if (this.useCache && r.cacheable) {
          const m = this.cache.insert(key, r.fields, r.actions, r.effects, r.rules, r.macDeps);
          m.packets++; m.bytes += frame.length; m.used = now;
        }
        actions = r.actions;
      }
      this.execute(actions, frame);
    }
  }

  execute(actions: readonly DpAction[], frame: Buffer): void {
    executeActions(actions, frame, this.outputFn, (vport, f) => {
      // Decapsulated packets come back in on the tunnel's virtual port, carrying their tunnel metadata.
      const d = tunnelDecap(f, this.geneveUdpPorts);
      if (!d) { this.drop('datapath_drop_tunnel_pop_error'); return; }
      this.receive(vport, [Buffer.from(d.inner)], { tun_id: d.vni, tun_src: d.src, tun_dst: d.dst });
    });
  }
}

/**
 * The OpenFlow connection manager (after OVS's connmgr and fail-open):
 * every bridge listens on `punix:<rundir>/<bridge>.mgmt` (where ovs-ofctl
 * connects) and on the passive targets of its Controller rows (`ptcp:`,
 * `punix:`), and keeps connections to its active controllers (`tcp:`,
 * `unix:`), reconnecting with exponential backoff (1 s doubling to 8 s).
 *
 * Fail mode, when controllers are configured:
 * - secure: the flow table is the controllers' alone, connected or not;
 * - standalone: once no controller has been connected for three probe
 *   intervals, the bridge "fails open" — a hidden rule above every
 *   OpenFlow priority does NORMAL switching — until one reconnects.
 * A bridge without controllers just keeps its flow table.
 *
 * Asynchronous messages fan out from here: packet-ins (the bridge's
 * `onPacketIn`), flow-removed for expired or deleted rules, and
 * port-status for ports that appear, go or change (found by comparing
 * port snapshots each run).
 *
 * `run(now)` does the periodic work (flow expiry, fail-open, probes,
 * port status); the daemon calls it from its tick.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OFP10, OFP13, OFPPR, OFPRR, VERSION_NAMES } from '../constants.js';
import type { FlowRule } from '../flow-table.js';
import type { PortDesc } from '../switch-msgs.js';
import type { OfBridge } from './bridge-view.js';
import { OfSession } from './session.js';

export const DEFAULT_VERSIONS: readonly number[] = [OFP10, OFP13];
const FAIL_OPEN_PRIORITY = 0xf0f0f0;
const MAX_BACKOFF_MS = 8000;

export interface ConnLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface BridgeOfConfig {
  readonly name: string;
  readonly controllers: readonly string[];
  readonly failMode: 'standalone' | 'secure';
  /** Bridge.protocols: allowed versions by name ("OpenFlow13"); empty means the default. */
  readonly protocols: readonly string[];
}

export interface ConnMgrOptions {
  readonly rundir: string;
  readonly log?: ConnLog;
  /** Inactivity probe interval (Controller.inactivity_probe), ms. */
  readonly probeMs?: number;
}

type Target =
  | { kind: 'active'; spec: string; connect: () => net.Socket }
  | { kind: 'passive'; spec: string; listen: (srv: net.Server) => void; unlink?: string };

export function parseTarget(spec: string): Target | null {
  let m = /^tcp:([^:\[\]]+|\[[^\]]+\])(?::(\d+))?$/.exec(spec);
  if (m) { const host = m[1]!.replace(/^\[|\]$/g, ''), port = Number(m[2] ?? 6653); return { kind: 'active', spec, connect: () => net.connect(port, host) }; }
  m = /^unix:(.+)$/.exec(spec);
  if (m) { const p = m[1]!; return { kind: 'active', spec, connect: () => net.connect(p) }; }
  m = /^ptcp:(\d*)(?::(.+))?$/.exec(spec);
  if (m) { const port = Number(m[1] || 6653), host = m[2] ?? '0.0.0.0'; return { kind: 'passive', spec, listen: (s) => s.listen(port, host) }; }
  m = /^punix:(.+)$/.exec(spec);
  if (m) { const p = m[1]!; return { kind: 'passive', spec, listen: (s) => s.listen(p), unlink: p }; }
  return null;
}

interface Active { readonly target: Target & { kind: 'active' }; socket: net.Socket | null; session: OfSession | null; backoff: number; nextTry: number; closed: boolean }
interface Passive { readonly spec: string; readonly server: net.Server; readonly unlink?: string; readonly fromController: boolean }

/** The OpenFlow connections of one bridge. */
export class BridgeConnMgr {
  private readonly sessions = new Set<OfSession>();
  private readonly passives = new Map<string, Passive>();
  private readonly actives = new Map<string, Active>();
  private cfg: BridgeOfConfig;
  private versions: readonly number[] = DEFAULT_VERSIONS;
  private lastConnected: number;
  private failOpen: FlowRule | null = null;
  private ports = new Map<number, string>();
  private portDescs = new Map<number, PortDesc>();

  constructor(readonly bridge: OfBridge, cfg: BridgeOfConfig, private readonly opts: ConnMgrOptions,
    private readonly onMissChange: (want: boolean) => void) {
    this.cfg = cfg;
    this.lastConnected = bridge.now();
    this.listen(`punix:${path.join(opts.rundir, `${bridge.name}.mgmt`)}`, false);
    this.snapshotPorts(false);
    this.configure(cfg);
  }

  private get probeMs(): number {
    return this.opts.probeMs ?? 5000;
  }

  /** Applies controllers, fail mode and protocols; idempotent. */
  configure(cfg: BridgeOfConfig): void {
    this.cfg = cfg;
    const allowed = cfg.protocols.map((p) => Number(Object.entries(VERSION_NAMES).find(([, n]) => n === p)?.[0])).filter((v) => DEFAULT_VERSIONS.includes(v));
    this.versions = allowed.length ? allowed : DEFAULT_VERSIONS;
    const want = new Set(cfg.controllers);
    for (const [spec, a] of this.actives) if (!want.has(spec)) { a.closed = true; a.session?.close('controller removed'); a.socket?.destroy(); this.actives.delete(spec); }
    for (const [spec, p] of this.passives) if (p.fromController && !want.has(spec)) this.unlisten(spec);
    for (const spec of cfg.controllers) {
      const t = parseTarget(spec);
      if (!t) { this.opts.log?.warn(`${this.bridge.name}: ${spec}: unknown OpenFlow connection method`); continue; }
      // Passive Controller targets accept service connections, as OVS's "service controllers".
      if (t.kind === 'passive') { if (!this.passives.has(spec)) this.listen(spec, true); continue; }
      if (!this.actives.has(spec)) this.actives.set(spec, { target: t, socket: null, session: null, backoff: 1000, nextTry: 0, closed: false });
    }
    if (cfg.failMode === 'secure' || cfg.controllers.length === 0) this.setFailOpen(false);
    this.updateMiss();
  }

  private listen(spec: string, fromController: boolean): void {
    const t = parseTarget(spec);
    if (!t || t.kind !== 'passive') return;
    if (t.unlink) { try { fs.unlinkSync(t.unlink); } catch { /* not there */ } }
    const server = net.createServer((sock) => this.attach(sock, false, `${this.bridge.name}<->${spec}`));
    server.on('error', (e) => this.opts.log?.warn(`${this.bridge.name}: ${spec}: listen failed: ${e.message}`));
    t.listen(server);
    this.passives.set(spec, { spec, server, unlink: t.unlink, fromController });
  }

  private unlisten(spec: string): void {
    const p = this.passives.get(spec);
    if (!p) return;
    p.server.close();
    if (p.unlink) { try { fs.unlinkSync(p.unlink); } catch { /* gone */ } }
    this.passives.delete(spec);
  }

  private attach(sock: net.Socket, primary: boolean, name: string, active?: Active): OfSession {
    const session = new OfSession({ versions: this.versions, primary, bridge: this.bridge, probeMs: this.probeMs, name }, {
      send: (b) => { if (!sock.destroyed) sock.write(b); },
      close: () => { sock.destroy(); },
      log: (level, msg) => { if (level !== 'debug') this.opts.log?.[level === 'warn' ? 'warn' : 'info'](msg); },
      flowRemoved: (removed) => this.flowRemoved(removed),
      becameMaster: (self) => { for (const s of this.sessions) if (s !== self && s.state.role === 'master') s.state.role = 'slave'; },
      connected: () => { if (primary) { this.lastConnected = this.bridge.now(); this.setFailOpen(false); } this.updateMiss(); },
    });
    this.sessions.add(session);
    sock.setNoDelay?.(true);
    sock.on('data', (d) => session.receive(d));
    const gone = () => {
      if (!this.sessions.delete(session)) return;
      session.close('connection closed by peer');
      if (primary) this.lastConnected = this.bridge.now();
      if (active && !active.closed) { active.session = null; active.socket = null; active.nextTry = this.bridge.now() + active.backoff; active.backoff = Math.min(active.backoff * 2, MAX_BACKOFF_MS); }
      this.updateMiss();
    };
    sock.on('close', gone);
    sock.on('error', () => gone());
    session.start();
    return session;
  }

  private connectActive(a: Active): void {
    const sock = a.target.connect();
    a.socket = sock;
    sock.once('connect', () => { a.backoff = 1000; });
    a.session = this.attach(sock, true, `${this.bridge.name}<->${a.target.spec}`, a);
  }

  /** Periodic work: reconnects, probes, expiry, fail-open, port status. */
  run(now: number): void {
    for (const a of this.actives.values()) if (!a.socket && now >= a.nextTry) this.connectActive(a);
    for (const s of this.sessions) s.tick(now);
    const expired = this.bridge.flows.expire(now).filter((r) => r.rule !== this.failOpen);
    if (expired.length) { this.bridge.flowsChanged(); this.flowRemoved(expired); }
    this.runFailOpen(now);
    this.snapshotPorts(true);
  }

  private primaryConnected(): boolean {
    for (const s of this.sessions) if (s.opts.primary && s.connected) return true;
    return false;
  }

  private runFailOpen(now: number): void {
    if (this.cfg.failMode !== 'standalone' || this.actives.size === 0) return;
    if (this.primaryConnected()) { this.lastConnected = now; this.setFailOpen(false); return; }
    if (now - this.lastConnected >= 3 * this.probeMs) this.setFailOpen(true);
  }

  private setFailOpen(on: boolean): void {
    if (on === !!this.failOpen) return;
    const now = this.bridge.now();
    if (on) {
      this.failOpen = {
        table: 0, priority: FAIL_OPEN_PRIORITY, match: { fields: {}, masks: {} }, actions: [{ t: 'normal' }], cookie: 0n,
        counters: { n_packets: 0, n_bytes: 0, used: now }, created: now, modified: now, idleTimeout: 0, hardTimeout: 0, flags: 0, importance: 0,
      };
      this.bridge.flows.insert(this.failOpen);
      this.opts.log?.info(`${this.bridge.name}: no controller connected: failing open (NORMAL switching)`);
    } else {
      this.bridge.flows.table(0).remove(this.failOpen!);
      this.failOpen = null;
      this.opts.log?.info(`${this.bridge.name}: controller connected: leaving fail-open mode`);
    }
    this.bridge.flowsChanged();
  }

  get failingOpen(): boolean {
    return this.failOpen !== null;
  }

  private updateMiss(): void {
    let want = false;
    for (const s of this.sessions) if (s.wantsAsync() && s.state.version <= 3) want = true;
    this.onMissChange(want);
  }

  private flowRemoved(removed: readonly { rule: FlowRule; reason: number }[]): void {
    const now = this.bridge.now();
    for (const { rule, reason } of removed) for (const s of this.sessions) s.sendFlowRemoved(rule, reason === OFPRR.DELETE ? OFPRR.DELETE : reason, now);
  }

  /** Delivers a packet-in from translation to every connection that wants it. */
  packetIn(pi: Parameters<OfSession['sendPacketIn']>[0]): void {
    for (const s of this.sessions) s.sendPacketIn(pi);
  }

  private snapshotPorts(notify: boolean): void {
    const now = new Map<number, PortDesc>();
    for (const p of this.bridge.ports()) now.set(p.portNo, p);
    const key = (p: PortDesc) => JSON.stringify(p);
    if (notify) {
      for (const [no, p] of now) {
        const old = this.ports.get(no);
        const reason = old === undefined ? OFPPR.ADD : old !== key(p) ? OFPPR.MODIFY : -1;
        if (reason >= 0) for (const s of this.sessions) s.sendPortStatus(reason, p);
      }
      for (const [no] of this.ports) if (!now.has(no)) for (const s of this.sessions) s.sendPortStatus(OFPPR.DELETE, this.portDescs.get(no)!);
    }
    this.ports = new Map([...now].map(([no, p]) => [no, key(p)]));
    this.portDescs = now;
  }

  get connections(): number {
    return [...this.sessions].filter((s) => s.connected).length;
  }

  close(): void {
    for (const a of this.actives.values()) { a.closed = true; a.socket?.destroy(); }
    this.actives.clear();
    for (const s of this.sessions) s.close('bridge deleted');
    this.sessions.clear();
    for (const spec of [...this.passives.keys()]) this.unlisten(spec);
  }
}

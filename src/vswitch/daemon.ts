/**
 * The switch daemon's main loop (after ovs-vswitchd's bridge_run): keep a
 * replica of the Open_vSwitch database, reconfigure the switch whenever it
 * changes, and write the status columns back.
 *
 * The handshake with `ovs-vsctl` (which waits for `cur_cfg` to reach the
 * `next_cfg` it set): after a reconfiguration the daemon writes every
 * status column that changed *and* `cur_cfg = next_cfg` in one transaction,
 * so when ovs-vsctl returns, ofport, error and the other status columns
 * already describe the new configuration.
 *
 * Only the holder of the `ovs_vswitchd` lock writes (as ovs-vswitchd does),
 * so two daemons on one database never fight. A failed or conflicting
 * status transaction is simply retried on the next change or tick: it is
 * recomputed from scratch, never replayed.
 */
import { Idl } from '../ovsdb/client/idl.js';
import type { IdlRow } from '../ovsdb/client/row.js';
import type { Datum } from '../ovsdb/datum.js';
import { readConfig, type RowSource, type SwitchConfig } from './config.js';
import { Switch, type InterfaceStatus, type NetdevFactory } from './bridge.js';
import type { SystemClock } from '../base/clock.js';
import { DummyNetdev } from '../netdev/dummy.js';
import { LinuxNetdev } from '../netdev/linux.js';
import { syncHostAddresses } from './hostaddrs.js';

export interface DaemonLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface VswitchOptions {
  remote: string;
  clock: SystemClock;
  log: DaemonLog;
  /** Interface types the dummy datapath may create (--enable-dummy). */
  enableDummy: boolean;
  /** Seconds between statistics updates (other_config:stats-update-interval, default 5). */
  statsIntervalMs?: number;
}

const TABLES = {
  Open_vSwitch: 'all',
  Bridge: 'all',
  Port: 'all',
  Interface: 'all',
  Controller: 'all',
  Mirror: 'all',
} as const;

/** The netdev types Weft can create; others get OVS's error text. */
export function defaultNetdevFactory(enableDummy: boolean): NetdevFactory {
  return {
    create({ name, type, datapathType }) {
      const dummyDp = datapathType === 'dummy';
      if (type === 'dummy' && enableDummy) return new DummyNetdev(name, 'dummy');
      if (type === 'internal' && dummyDp) return new DummyNetdev(name, 'dummy-internal');
      if (type === 'internal') return LinuxNetdev.open(name, 'internal');
      if (type === 'tap') return LinuxNetdev.open(name, 'tap');
      if (type === '' || type === 'system') return LinuxNetdev.open(name, 'system');
      return `could not open network device ${name} (Address family not supported by protocol)`;
    },
  };
}

export class VswitchDaemon {
  readonly idl: Idl<typeof TABLES>;
  readonly sw: Switch;
  private lastSeqno = -1;
  private lastConfig = '';
  private writing = false;
  private dirty = true;
  private timers: NodeJS.Timeout[] = [];
  private lastStatsWrite = 0;
  /** Called after each reconfiguration (the OpenFlow connection manager follows the bridges and controllers). */
  onReconfigure: ((cfg: SwitchConfig) => void) | null = null;

  constructor(private readonly opts: VswitchOptions, netdevs = defaultNetdevFactory(opts.enableDummy)) {
    this.sw = new Switch(opts.clock, netdevs);
    this.sw.onStatusChange = () => { this.dirty = true; this.schedule(); };
    this.idl = new Idl({ remote: opts.remote, database: 'Open_vSwitch', tables: TABLES, lock: 'ovs_vswitchd', log: opts.log });
    this.idl.on('change', () => this.schedule());
    this.idl.on('connected', () => { this.dirty = true; this.schedule(); });
    this.idl.on('lock', () => this.schedule());
  }

  start(): void {
    // The periodic tick ages MAC entries, runs LACP and bonds, and refreshes statistics.
    this.timers.push(setInterval(() => {
      this.sw.runPeriodic();
      if (Date.now() - this.lastStatsWrite >= (this.opts.statsIntervalMs ?? 5000)) { this.dirty = true; this.schedule(); }
    }, 100));
    // Addresses the host put on internal ports become tunnel endpoints (routes "Cached:" from the host).
    this.timers.push(setInterval(() => this.syncHost(), 1000));
  }

  private syncHost(): void {
    if (syncHostAddresses(this.sw)) for (const d of this.sw.dpifs.values()) d.invalidate();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.idl.close();
  }

  private scheduled = false;

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; void this.run(); });
  }

  /** One pass: reconfigure if the database moved, then publish status and cur_cfg. */
  private async run(): Promise<void> {
    if (this.idl.state !== 'monitoring') return;
    const seqno = this.idl.seqno;
    if (seqno !== this.lastSeqno) {
      this.lastSeqno = seqno;
      const cfg = readConfig(this.idl as unknown as RowSource);
      // Our own status writes (statistics, link state) come back as database changes too; only a
      // change of configuration may reconfigure the switch (which flushes the datapath's caches)
      // and call for another status write, or statistics under traffic would loop forever.
      const fingerprint = configFingerprint(cfg);
      if (fingerprint !== this.lastConfig) {
        this.lastConfig = fingerprint;
        this.sw.reconfigure(cfg);
        this.syncHost();
        this.onReconfigure?.(cfg);
        this.dirty = true;
      }
    }
    if (!this.dirty || this.writing || !this.idl.hasLock) return;
    this.writing = true;
    try {
      const r = await this.publish();
      if (r === 'success' || r === 'unchanged') { this.dirty = false; this.lastStatsWrite = Date.now(); }
    } finally {
      this.writing = false;
    }
    if (this.idl.seqno !== this.lastSeqno) this.schedule();
  }

  private async publish(): Promise<string> {
    const idl = this.idl;
    const txn = idl.txn();
    txn.assertLock();
    const status = this.sw.status();
    const ifaceByUuid = new Map(status.interfaces.map((s) => [s.uuid, s]));
    for (const row of idl.rows('Interface')) {
      const s = ifaceByUuid.get(row.uuid);
      if (!s) continue;
      const want = interfaceColumns(s);
      const changed: Record<string, unknown> = {};
      for (const [col, v] of Object.entries(want)) if (!sameValue(row.get(col), v)) changed[col] = v;
      if (Object.keys(changed).length) txn.update(row, changed as never);
    }
    for (const b of status.bridges) {
      const row = idl.row('Bridge', b.uuid);
      if (row && !sameValue(row.get('datapath_id'), b.datapathId)) txn.update(row, { datapath_id: b.datapathId });
    }
    const root = idl.rows('Open_vSwitch')[0];
    if (root) {
      const next = root.get('next_cfg').keys[0] as number;
      if (root.get('cur_cfg').keys[0] !== next) txn.update(root, { cur_cfg: next });
    }
    const r = await txn.commit();
    if (r.status === 'error') this.opts.log.warn(`status update failed: ${r.error ?? 'unknown error'}`);
    return r.status;
  }
}

function interfaceColumns(s: InterfaceStatus): Record<string, unknown> {
  const cols: Record<string, unknown> = {
    ofport: s.ofport,
    error: s.error === null ? [] : [s.error],
    admin_state: s.adminState === null ? [] : [s.adminState],
    link_state: s.linkState === null ? [] : [s.linkState],
    mtu: s.mtu === null ? [] : [s.mtu],
    mac_in_use: s.macInUse === null ? [] : [s.macInUse],
    statistics: new Map(s.statistics),
  };
  if (s.ofport < 0) cols.ifindex = [];
  return cols;
}

/** Compares a replica datum with a value as passed to txn.update (scalar, array = set, Map = map). */
function sameValue(d: Datum, v: unknown): boolean {
  if (v instanceof Map) {
    if (!d.values || d.keys.length !== v.size) return false;
    return d.keys.every((k, i) => v.get(k) === d.values![i]);
  }
  const arr = Array.isArray(v) ? v : [v];
  if (d.keys.length !== arr.length) return false;
  const sorted = [...arr].sort();
  const keys = [...d.keys].sort();
  return keys.every((k, i) => k === sorted[i]);
}

export type { IdlRow };

/** A canonical text of a configuration (Maps as sorted entries), to tell real changes from echoes. */
export function configFingerprint(cfg: SwitchConfig): string {
  return JSON.stringify(cfg, (_k, v: unknown) => (v instanceof Map ? [...v.entries()].sort() : v));
}

/**
 * Load generators for an OVSDB server serving the Open_vSwitch schema
 * (schemas/vswitch.ovsschema), written against the wire protocol only so the
 * same load runs unchanged against Weft's server and the real ovsdb-server.
 *
 * Three loads:
 *
 *  - Transactions (`runTransactions`): N clients, each owning one Bridge,
 *    run transactions back to back (one in flight per client) shaped like
 *    ovs-vsctl's: a `wait` with timeout 0 verifying Open_vSwitch.bridges
 *    (ovs-vsctl's "verify"), a `comment`, the change itself, and a `mutate`
 *    of Open_vSwitch.next_cfg += 1. The changes cycle through add-port
 *    (insert Interface and Port, mutate Bridge.ports), set an Interface's
 *    external_ids by _uuid, set the Bridge's external_ids by _uuid, and
 *    del-port (mutate Bridge.ports; the server garbage-collects the Port and
 *    Interface). Every client mutates the one Open_vSwitch row, as every
 *    ovs-vsctl does, but owns the rows it updates, so no verify fails.
 *
 *  - Monitor fan-out (`runFanout`): K clients hold `monitor_cond` on
 *    Open_vSwitch.next_cfg (what ovs-vswitchd watches) while one writer sets
 *    next_cfg to a sequence number, either paced at a fixed rate (open loop:
 *    sends on schedule whether or not replies came back, up to a cap in
 *    flight) or back to back (one in flight). An update carries the
 *    sequence number, so its latency is its receipt time minus the send time
 *    of that number. A server may merge several commits into one update for
 *    a client that is behind (ovsdb-server does); merged-away numbers count
 *    as not delivered, so `delivered` below 100% is reported, not hidden.
 *
 *  - Bulk (`runBulk`): insert R QoS rows in transactions of B rows, then
 *    time a new client's `monitor_cond` on QoS from request to the reply
 *    carrying all R rows.
 *
 * Timing: every figure is client-observed, with performance.now() in this
 * process. Loads run for a warm-up, then a measured window; a transaction
 * counts if it was sent inside the window, throughput counts completions
 * inside it. With `durable`, every transaction ends with
 * `{"op":"commit","durable":true}`.
 */
import { performance } from 'node:perf_hooks';
import type { Connection } from '../../src/jsonrpc/connection.js';
import type { JsonValue } from '../../src/jsonrpc/message.js';
import { connectUnix, transact, transactOrThrow, insertedUuid } from './rpc.js';
import { Samples, type Summary } from './stats.js';
import { sleep } from './proc.js';

export const DB = 'Open_vSwitch';

export interface TransactionLoad {
  readonly socket: string;
  readonly clients: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly durable: boolean;
}

export interface TransactionResult {
  readonly transactions: number;
  readonly failed: number;
  readonly firstError: string | null;
  readonly txPerSec: number;
  readonly latencyMs: Summary;
}

export interface FanoutLoad {
  readonly socket: string;
  readonly monitors: number;
  /** Writer transactions per second; 0 = back to back, one in flight. */
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly durable: boolean;
}

export interface FanoutResult {
  readonly writerTxPerSec: number;
  readonly writerLatencyMs: Summary;
  readonly updateLatencyMs: Summary;
  /** Fraction of (monitor, transaction) pairs in the window whose own update arrived. */
  readonly delivered: number;
  readonly failed: number;
  readonly firstError: string | null;
}

export interface BulkLoad {
  readonly socket: string;
  readonly rows: number;
  readonly batch: number;
  readonly durable: boolean;
}

export interface BulkResult {
  readonly rowsPerSec: number;
  readonly insertMs: number;
  readonly dumpMs: number;
  readonly dumpedRows: number;
}

type Op = { [k: string]: JsonValue };

const uuidIs = (u: string): JsonValue[] => [['_uuid', '==', ['uuid', u]]];

function withCommit(ops: Op[], durable: boolean): Op[] {
  return durable ? [...ops, { op: 'commit', durable: true }] : ops;
}

/** The Open_vSwitch row (created if the database has none) and `bridges` new Bridge rows in it. */
async function setupSwitch(conn: Connection, bridges: number, tag: string): Promise<{ ovs: string; bridges: string[] }> {
  const sel = await transactOrThrow(conn, DB, [{ op: 'select', table: 'Open_vSwitch', where: [], columns: ['_uuid', 'bridges'] }]);
  const rows = (sel[0] as { rows: { _uuid: [string, string] }[] }).rows;
  const names = Array.from({ length: bridges }, (_, i) => `br-${tag}${i}`);
  const inserts: Op[] = names.map((name, i) => ({ op: 'insert', table: 'Bridge', row: { name }, 'uuid-name': `b${i}` }));
  const refs = ['set', names.map((_, i) => ['named-uuid', `b${i}`])] as JsonValue;
  const ops: Op[] = rows.length
    ? [...inserts, { op: 'mutate', table: 'Open_vSwitch', where: uuidIs(rows[0]!._uuid[1]), mutations: [['bridges', 'insert', refs]] }]
    : [...inserts, { op: 'insert', table: 'Open_vSwitch', row: { bridges: refs, next_cfg: 0 }, 'uuid-name': 'ovs' }];
  const res = await transactOrThrow(conn, DB, ops);
  return {
    ovs: rows.length ? rows[0]!._uuid[1] : insertedUuid(res, bridges),
    bridges: names.map((_, i) => insertedUuid(res, i)),
  };
}

// ------------------------------------------------------------ transactions

interface ClientState { readonly id: number; readonly bridge: string; port: string | null; iface: string | null; step: number }

/** The next ovs-vsctl-like transaction of a client; `onResults` updates the client's state from the reply. */
function nextTransaction(c: ClientState, ovs: string, allBridges: JsonValue, durable: boolean): { ops: Op[]; onResults(r: JsonValue[]): void } {
  const verify: Op = { op: 'wait', timeout: 0, table: 'Open_vSwitch', where: uuidIs(ovs), columns: ['bridges'], until: '==', rows: [{ bridges: allBridges }] };
  const bump: Op = { op: 'mutate', table: 'Open_vSwitch', where: uuidIs(ovs), mutations: [['next_cfg', '+=', 1]] };
  const k = c.step++;
  const name = `p${c.id}-${k}`;
  const wrap = (what: string, change: Op[]): Op[] => withCommit([verify, { op: 'comment', comment: `ovs-vsctl: ${what}` }, ...change, bump], durable);
  const none = (): void => undefined;
  if (c.port === null) {
    return {
      ops: wrap(`add-port br${c.id} ${name}`, [
        { op: 'insert', table: 'Interface', row: { name, type: 'internal' }, 'uuid-name': 'iface' },
        { op: 'insert', table: 'Port', row: { name, interfaces: ['named-uuid', 'iface'] }, 'uuid-name': 'port' },
        { op: 'mutate', table: 'Bridge', where: uuidIs(c.bridge), mutations: [['ports', 'insert', ['set', [['named-uuid', 'port']]]]] },
      ]),
      onResults: (r) => { c.iface = insertedUuid(r, 2); c.port = insertedUuid(r, 3); },
    };
  }
  switch (k % 3) {
    case 0:
      return {
        ops: wrap(`set Interface ${name} external_ids`, [{
          op: 'update', table: 'Interface', where: uuidIs(c.iface!),
          row: { external_ids: ['map', [['iface-id', `vif-${c.id}-${k}`], ['attached-mac', '52:54:00:12:34:56']]] },
        }]),
        onResults: none,
      };
    case 1:
      return {
        ops: wrap(`set Bridge br${c.id} external_ids`, [{ op: 'update', table: 'Bridge', where: uuidIs(c.bridge), row: { external_ids: ['map', [['bench-step', String(k)]]] } }]),
        onResults: none,
      };
    default: {
      const port = c.port;
      return {
        ops: wrap(`del-port br${c.id}`, [{ op: 'mutate', table: 'Bridge', where: uuidIs(c.bridge), mutations: [['ports', 'delete', ['set', [['uuid', port]]]]] }]),
        onResults: () => { c.port = null; c.iface = null; },
      };
    }
  }
}

export async function runTransactions(load: TransactionLoad): Promise<TransactionResult> {
  const conns: Connection[] = [];
  try {
    for (let i = 0; i < load.clients; i++) conns.push(await connectUnix(load.socket));
    const { ovs, bridges } = await setupSwitch(conns[0]!, load.clients, '');
    const allBridges: JsonValue = ['set', bridges.map((u) => ['uuid', u])];
    const latency = new Samples();
    let done = 0, failed = 0, firstError: string | null = null;
    const start = performance.now() + load.warmupMs, end = start + load.durationMs;
    const client = async (c: ClientState, conn: Connection): Promise<void> => {
      while (performance.now() < end) {
        const t = nextTransaction(c, ovs, allBridges, load.durable);
        const sent = performance.now();
        const r = await transact(conn, DB, t.ops);
        const now = performance.now();
        if (r.ok) t.onResults(r.results);
        else { failed++; firstError ??= r.error; }
        if (sent >= start) latency.push(now - sent);
        if (sent >= start && now <= end) done++;
      }
    };
    await Promise.all(conns.map((conn, i) => client({ id: i, bridge: bridges[i]!, port: null, iface: null, step: 0 }, conn)));
    return { transactions: done, failed, firstError, txPerSec: done / (load.durationMs / 1000), latencyMs: latency.summary() };
  } finally {
    for (const c of conns) c.close();
  }
}

// ---------------------------------------------------------------- fan-out

export async function runFanout(load: FanoutLoad): Promise<FanoutResult> {
  const conns: Connection[] = [];
  try {
    const writer = await connectUnix(load.socket);
    conns.push(writer);
    const { ovs } = await setupSwitch(writer, 0, '');
    const sentAt: number[] = [];
    const updateLatency = new Samples();
    let start = Infinity, end = Infinity;
    for (let m = 0; m < load.monitors; m++) {
      const conn = await connectUnix(load.socket, {
        onNotification: (_c, n) => {
          if (n.method !== 'update2') return;
          const now = performance.now();
          const rows = (n.params[1] as { Open_vSwitch?: Record<string, { modify?: { next_cfg?: number } }> }).Open_vSwitch;
          const seq = rows?.[ovs]?.modify?.next_cfg;
          if (typeof seq !== 'number') return;
          const t = sentAt[seq];
          if (t !== undefined && t >= start && t <= end) updateLatency.push(now - t);
        },
      });
      conns.push(conn);
      await conn.request('monitor_cond', [DB, `fanout-${m}`, { Open_vSwitch: [{ columns: ['next_cfg'] }] }]);
    }

    const writerLatency = new Samples();
    const current = await transactOrThrow(writer, DB, [{ op: 'select', table: 'Open_vSwitch', where: uuidIs(ovs), columns: ['next_cfg'] }]);
    let seq = (current[0] as { rows: { next_cfg: number }[] }).rows[0]!.next_cfg;
    let inWindow = 0, doneInWindow = 0, failed = 0, firstError: string | null = null, inFlight = 0;
    start = performance.now() + load.warmupMs;
    end = start + load.durationMs;
    const send = async (): Promise<void> => {
      const n = ++seq;
      const sent = performance.now();
      sentAt[n] = sent;
      if (sent >= start) inWindow++;
      inFlight++;
      const r = await transact(writer, DB, withCommit([{ op: 'update', table: 'Open_vSwitch', where: uuidIs(ovs), row: { next_cfg: n } }], load.durable));
      inFlight--;
      const now = performance.now();
      if (!r.ok) { failed++; firstError ??= r.error; }
      if (sent >= start) writerLatency.push(now - sent);
      if (sent >= start && now <= end) doneInWindow++;
    };

    if (load.rate > 0) {
      // Open loop: transaction i is due at t0 + i/rate. Late timers send what is due at once;
      // with maxInFlight unanswered the server is behind, and due transactions are skipped
      // (the achieved rate then shows it) rather than piled up.
      const t0 = performance.now(), maxInFlight = 256;
      const pending: Promise<void>[] = [];
      let issued = 0;
      while (performance.now() < end) {
        const due = Math.floor(((performance.now() - t0) * load.rate) / 1000) + 1;
        while (issued < due) {
          if (inFlight >= maxInFlight) { issued = due; break; }
          issued++;
          pending.push(send());
        }
        await sleep(Math.max(1, t0 + (issued * 1000) / load.rate - performance.now()));
      }
      await Promise.all(pending);
    } else {
      while (performance.now() < end) await send();
    }
    // Give the last updates time to arrive before counting what was delivered.
    const p99 = writerLatency.summary().p99;
    await sleep(Number.isFinite(p99) ? Math.min(500, 20 + 2 * p99) : 100);
    return {
      writerTxPerSec: doneInWindow / (load.durationMs / 1000),
      writerLatencyMs: writerLatency.summary(),
      updateLatencyMs: updateLatency.summary(),
      delivered: inWindow ? updateLatency.count / (inWindow * load.monitors) : NaN,
      failed, firstError,
    };
  } finally {
    for (const c of conns) c.close();
  }
}

// ------------------------------------------------------------------- bulk

export async function runBulk(load: BulkLoad): Promise<BulkResult> {
  const conns: Connection[] = [];
  try {
    const conn = await connectUnix(load.socket);
    conns.push(conn);
    const t0 = performance.now();
    for (let done = 0; done < load.rows; done += load.batch) {
      const n = Math.min(load.batch, load.rows - done);
      const ops: Op[] = Array.from({ length: n }, (_, i) => ({
        op: 'insert', table: 'QoS',
        row: { type: 'linux-htb', other_config: ['map', [['max-rate', String(1_000_000 + done + i)]]], external_ids: ['map', [['bench-id', String(done + i)]]] },
      }));
      await transactOrThrow(conn, DB, withCommit(ops, load.durable));
    }
    const insertMs = performance.now() - t0;
    const viewer = await connectUnix(load.socket);
    conns.push(viewer);
    const t1 = performance.now();
    const initial = await viewer.request('monitor_cond', [DB, 'bulk', { QoS: [{}] }]);
    const dumpMs = performance.now() - t1;
    const dumpedRows = Object.keys((initial as { QoS?: object }).QoS ?? {}).length;
    return { rowsPerSec: load.rows / (insertMs / 1000), insertMs, dumpMs, dumpedRows };
  } finally {
    for (const c of conns) c.close();
  }
}

// ------------------------------------------------------------ sequential

/** `count` one-row inserts into QoS, one at a time, on a connection of its own: a probe, not a measurement. */
export async function runSequentialInserts(socket: string, count: number, durable: boolean): Promise<void> {
  const conn = await connectUnix(socket);
  try {
    for (let i = 0; i < count; i++) {
      await transactOrThrow(conn, DB, withCommit([{ op: 'insert', table: 'QoS', row: { type: 'linux-htb' } }], durable));
    }
  } finally {
    conn.close();
  }
}

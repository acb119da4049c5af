/**
 * The IDL: a client-side replica of some columns of some tables of one
 * database, kept in sync over a reconnecting session, with change tracking,
 * one lock, and optimistic transactions. It follows Open vSwitch's
 * lib/ovsdb-idl.c (and lib/ovsdb-cs.c beneath it); every Weft component that
 * reads or writes a database goes through it.
 *
 * Life of a connection (each step on every (re)connection, in this order):
 *   1. `get_schema`: the server may have been upgraded or the database
 *      converted while we were away. A schema that differs from the last one
 *      forgets the last transaction id, so step 3 reloads everything. We do
 *      not monitor `_Server` first as ovsdb-cs does: that serves clustered
 *      databases (finding the leader, noticing a server that lost the
 *      cluster); against one standalone server, get_schema's "unknown
 *      database" error tells us all we would learn there.
 *   2. `lock`, if a lock is wanted: locks die with the session that held
 *      them, so they are asked for again on every connection.
 *   3. Monitor, newest method first: `monitor_cond_since` with the last
 *      transaction id seen, so a reconnect to a server that kept its history
 *      (Weft's server; a clustered ovsdb-server) transfers only what was
 *      missed, often nothing; on any error reply (an old server says
 *      "unknown method") `monitor_cond`, then `monitor`. A standalone
 *      ovsdb-server keeps no history and always answers found=false.
 *   4. Load: a full reply replaces the replica by computing the difference
 *      (see replica.ts), so a restarted server yields exactly the deletes,
 *      inserts and modifications that happened, never a blank replica.
 *      Notifications that arrive while the reply is being processed are held
 *      and applied after it, in order.
 * Then the IDL is `monitoring`: `ready()` resolves, transactions may be sent.
 * If the server fails step 1 or 3 for good (no such database), the IDL stays
 * connected in state `error` and retries after the maximum backoff.
 *
 * Change tracking: `seqno` increases on every change to the replica, on
 * every completed load, and when the lock is gained or lost (as
 * ovsdb_idl_get_seqno). Row changes accumulate and are handed to `onChange`
 * callbacks once per event-loop turn, coalesced: a row inserted then
 * modified is one insert, inserted then deleted is nothing; a modification
 * lists the columns that differ from what the previous callback showed. A
 * daemon reconciles from these, or simply recomputes whenever seqno moves.
 *
 * Transactions (txn.ts) are sent only while `monitoring`; otherwise commit
 * says `try-again` at once, as does a connection lost before the reply (the
 * transaction may or may not have committed: verify-based logic recomputes
 * from the replica and is safe either way). If a lock is configured and not
 * held, commit says `not-locked` without sending, as ovsdb-idl does.
 *
 * Reading your own writes: a successful commit() resolves only after the
 * replica shows the transaction. Both ovsdb-server and Weft's server send a
 * transaction's monitor update before its reply on the same session, and the
 * session dispatches messages in arrival order, synchronously, before any
 * promise continuation runs; so when the reply settles commit(), the update
 * has been applied. (This is the guarantee ovsdb-idl documents for
 * TXN_SUCCESS; the tests check it against both servers.)
 */
import type { JsonValue, Notification } from '../../jsonrpc/message.js';
import type { ActiveRemote } from '../../jsonrpc/stream.js';
import { parseDatabaseSchema, type DatabaseSchema } from '../schema.js';
import { ReconnectingSession, Listeners, RpcError } from './session.js';
import { Replica, ReplicaError, ChangeSet, type UpdateVersion } from './replica.js';
import { IdlRow } from './row.js';
import {
  Transaction, TxnBuildError, encodeTransaction, classifyReply, result,
  type TxnHost, type TxnIntent, type CommitResult,
} from './txn.js';

/** Which columns of which tables to replicate: a list of column names, or 'all'. */
export type TableSpec = Readonly<Record<string, readonly string[] | 'all'>>;
export type ColumnsOf<S extends TableSpec, T extends keyof S> = S[T] extends readonly (infer C extends string)[] ? C : string;
export type RowOf<S extends TableSpec, T extends keyof S> = IdlRow<ColumnsOf<S, T>>;

export interface IdlLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface IdlOptions<S extends TableSpec> {
  /** `unix:PATH` or `tcp:IP:PORT`. */
  readonly remote: string | ActiveRemote;
  readonly database: string;
  readonly tables: S;
  /** Inactivity probe (ms); 0 disables. Default 5000. */
  readonly probeIntervalMs?: number;
  /** Reconnect backoff bounds (ms). Defaults 100 and 8000. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A lock to ask for on every connection (see `lock()`). */
  readonly lock?: string;
  readonly log?: IdlLog;
}

export type MonitorMethod = 'monitor_cond_since' | 'monitor_cond' | 'monitor';
export type IdlState = 'connecting' | 'loading' | 'monitoring' | 'error' | 'closed';

export interface IdlLoad {
  readonly method: MonitorMethod;
  /** monitor_cond_since only: the server still knew our last transaction and sent just what we missed. */
  readonly found: boolean;
  /** Rows carried by the monitor reply. */
  readonly rows: number;
}

export interface IdlStatus {
  readonly state: IdlState;
  readonly remote: string;
  /** Connections established so far. */
  readonly connections: number;
  readonly lastTxnId: string;
  readonly lastLoad: IdlLoad | null;
  readonly lastError: string;
}

export interface IdlEvents {
  /** Row changes since the previous callback (coalesced per event-loop turn). */
  change: (changes: ChangeSet) => void;
  /** The replica is in sync with a new connection. */
  connected: (load: IdlLoad) => void;
  disconnected: (reason: string) => void;
  /** The lock was gained or lost. */
  lock: (hasLock: boolean) => void;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const MONITOR_ID = 'idl';
const METHODS: readonly MonitorMethod[] = ['monitor_cond_since', 'monitor_cond', 'monitor'];
const EMPTY_TABLE: ReadonlyMap<string, IdlRow> = new Map();
const silent: IdlLog = { info: () => undefined, warn: () => undefined };

export class Idl<const S extends TableSpec = TableSpec> implements TxnHost {
  readonly database: string;
  readonly session: ReconnectingSession;
  private readonly spec: S;
  private readonly log: IdlLog;
  private readonly events = new Listeners<IdlEvents>();
  private readonly retryAfterErrorMs: number;

  private replica: Replica | null = null;
  private schemaText = '';
  private st: IdlState = 'connecting';
  private epoch = 0;
  private seq = 0;
  private flushQueued = false;
  private lastTxn = ZERO_UUID;
  private load: IdlLoad | null = null;
  private err = '';
  private backlog: Notification[] | null = null;
  private errorTimer: NodeJS.Timeout | null = null;
  private wanted: string | null;
  private lockSent: string | null = null;
  private held = false;
  private readonly seqWaiters = new Set<() => void>();
  private readonly closeWaiters = new Set<() => void>();
  private contended = false;

  constructor(opts: IdlOptions<S>) {
    this.database = opts.database;
    this.spec = opts.tables;
    this.log = opts.log ?? silent;
    if (opts.lock !== undefined) checkLockName(opts.lock);
    this.wanted = opts.lock ?? null;
    this.session = new ReconnectingSession({
      remote: opts.remote,
      probeIntervalMs: opts.probeIntervalMs,
      minBackoffMs: opts.minBackoffMs,
      maxBackoffMs: opts.maxBackoffMs,
    });
    this.retryAfterErrorMs = opts.maxBackoffMs ?? 8000;
    this.session.on('connected', () => { void this.handshake(++this.epoch); });
    this.session.on('disconnected', (reason) => this.onDisconnected(reason));
    this.session.on('notification', (n) => this.onNotification(n));
    this.session.start();
  }

  // ------------------------------------------------------------- reading

  get schema(): DatabaseSchema | null {
    return this.replica?.schema ?? null;
  }

  get seqno(): number {
    return this.seq;
  }

  get state(): IdlState {
    return this.st;
  }

  /** True while the replica follows a live connection (transactions may be sent). */
  get isConnected(): boolean {
    return this.st === 'monitoring';
  }

  get status(): IdlStatus {
    return {
      state: this.st, remote: this.session.name, connections: this.session.connections,
      lastTxnId: this.lastTxn, lastLoad: this.load, lastError: this.err || this.session.lastError,
    };
  }

  rows<T extends keyof S & string>(table: T): RowOf<S, T>[] {
    return (this.replica?.rows(table) ?? []) as RowOf<S, T>[];
  }

  row<T extends keyof S & string>(table: T, uuid: string): RowOf<S, T> | undefined {
    return this.replica?.row(table, uuid) as RowOf<S, T> | undefined;
  }

  /** The table's rows by uuid, without copying: a live view, valid until the next update is applied. */
  table<T extends keyof S & string>(table: T): ReadonlyMap<string, RowOf<S, T>> {
    return (this.replica?.table(table) ?? EMPTY_TABLE) as ReadonlyMap<string, RowOf<S, T>>;
  }

  /** Rows of `table` that refer to `target` (through `column`, or any reference column). */
  referrers(target: IdlRow, table: keyof S & string, column?: string): IdlRow[] {
    const t = this.replica?.schema.tables.get(table);
    if (!t) return [];
    const cols = [...t.columns.values()].filter((c) => (column === undefined || c.name === column)
      && (c.type.key.refTable === target.table || c.type.value?.refTable === target.table));
    return this.replica!.rows(table).filter((r) => cols.some((c) => {
      const d = r.get(c.name);
      return (c.type.key.refTable === target.table && d.keys.includes(target.uuid))
        || (c.type.value?.refTable === target.table && (d.values ?? []).includes(target.uuid));
    }));
  }

  on<K extends keyof IdlEvents>(event: K, fn: IdlEvents[K]): () => void {
    return this.events.on(event, fn);
  }

  onChange(fn: (changes: ChangeSet) => void): () => void {
    return this.events.on('change', fn);
  }

  /** Resolves when the replica follows a live connection (at once if it already does). */
  ready(timeoutMs?: number): Promise<void> {
    if (this.st === 'monitoring') return Promise.resolve();
    return this.until((done) => this.events.on('connected', () => done(undefined)), timeoutMs, 'ready');
  }

  /** Resolves with the new seqno once it exceeds `since` (default: the current one). */
  waitForChange(since = this.seq, timeoutMs?: number): Promise<number> {
    if (this.seq > since) return Promise.resolve(this.seq);
    return this.until<number>((done) => {
      const check = (): void => { if (this.seq > since) done(this.seq); };
      this.seqWaiters.add(check);
      return () => { this.seqWaiters.delete(check); };
    }, timeoutMs, 'waitForChange');
  }

  // --------------------------------------------------------------- locks

  get lockName(): string | null {
    return this.wanted;
  }

  get hasLock(): boolean {
    return this.held;
  }

  /** True if the server said another client owns the lock we asked for. */
  get isLockContended(): boolean {
    return this.contended;
  }

  /** Asks for lock `name` (null: none) now and on every later connection, dropping any other. */
  lock(name: string | null): void {
    if (name !== null) checkLockName(name);
    if (name === this.wanted) return;
    const live = this.st === 'loading' || this.st === 'monitoring';
    if (this.lockSent !== null && live) this.session.request('unlock', [this.lockSent]).catch(() => undefined);
    this.lockSent = null;
    this.wanted = name;
    this.setHasLock(false);
    this.contended = false;
    if (name !== null && live) this.requestLock(this.epoch);
  }

  // -------------------------------------------------------- transactions

  txn(): Transaction {
    return new Transaction(this);
  }

  /** TxnHost: sends one transaction; see the essay for the statuses. */
  async commitIntent(intent: TxnIntent): Promise<CommitResult> {
    const replica = this.replica;
    if (this.st !== 'monitoring' || !replica) return result('try-again', { error: `not connected (${this.st})` });
    if (this.wanted !== null && !this.held) return result('not-locked', { error: `lock ${this.wanted} not held` });
    let enc;
    try {
      enc = encodeTransaction(replica.schema, intent);
    } catch (e) {
      if (e instanceof TxnBuildError) return result('error', { error: e.message });
      throw e;
    }
    if (!enc.anyUpdates) return result('unchanged');
    let reply: JsonValue;
    try {
      reply = await this.session.request('transact', [this.database, ...enc.ops]);
    } catch (e) {
      if (!(e instanceof RpcError)) return result('try-again', { error: (e as Error).message });
      // ovsdb-server cancels transactions on a database that is being removed or converted.
      if (e.error === 'canceled') return result('try-again', { error: 'canceled' });
      return result('error', { error: typeof e.error === 'string' ? e.error : JSON.stringify(e.error) });
    }
    return classifyReply(enc, reply);
  }

  // ----------------------------------------------------------- lifecycle

  forceReconnect(): void {
    this.session.forceReconnect();
  }

  close(): void {
    if (this.st === 'closed') return;
    this.st = 'closed';
    this.epoch++;
    if (this.errorTimer) clearTimeout(this.errorTimer);
    this.session.close();
    this.held = false;
    for (const f of [...this.closeWaiters]) f();
  }

  // ----------------------------------------------------------- internals

  private async handshake(epoch: number): Promise<void> {
    this.st = 'loading';
    this.backlog = [];
    try {
      // 1. The schema, and what of it we replicate.
      const schemaJson = await this.session.request('get_schema', [this.database]);
      if (epoch !== this.epoch) return;
      const replica = this.adoptSchema(schemaJson);
      // 2. The lock, which died with the previous session.
      if (this.wanted !== null) this.requestLock(epoch);
      // 3. The monitor, newest method first.
      const { method, reply } = await this.monitor(epoch, replica);
      if (epoch !== this.epoch) return;
      // 4. The initial contents (or just what we missed), then what arrived meanwhile.
      this.load = this.applyMonitorReply(replica, method, reply);
      const held = this.backlog ?? [];
      this.backlog = null;
      this.st = 'monitoring';
      this.err = '';
      for (const n of held) this.onNotification(n);
      this.bump();
      this.log.info(`${this.session.name}: ${this.database}: ${method}, ${this.load.found ? 'resumed' : 'loaded'} (${this.load.rows} rows)`);
      this.events.emit('connected', this.load);
    } catch (e) {
      // A lost connection has already moved the epoch on (the session rejects pending
      // requests and reports the close synchronously); anything else is a real failure.
      if (epoch !== this.epoch) return;
      this.fail(`${this.database}: ${e instanceof RpcError ? JSON.stringify(e.error) : (e as Error).message}`, e instanceof ReplicaError);
    }
  }

  private adoptSchema(schemaJson: JsonValue): Replica {
    const schema = parseDatabaseSchema(schemaJson);
    const text = JSON.stringify(schemaJson);
    const monitored = new Map<string, readonly string[]>();
    for (const [tname, cols] of Object.entries(this.spec)) {
      const t = schema.tables.get(tname);
      if (!t) { this.log.warn(`${this.database}: table ${tname} not in the server's schema; not replicated`); continue; }
      const want = cols === 'all' ? [...t.columns.keys()] : cols;
      monitored.set(tname, want.filter((c) => {
        if (t.columns.has(c)) return true;
        this.log.warn(`${this.database}: column ${tname}.${c} not in the server's schema; not replicated`);
        return false;
      }));
    }
    if (!this.replica) this.replica = new Replica(schema, monitored);
    else if (text !== this.schemaText) this.replica.setSchema(schema, monitored);
    if (text !== this.schemaText) this.lastTxn = ZERO_UUID;    // our history no longer applies
    this.schemaText = text;
    return this.replica;
  }

  private async monitor(epoch: number, replica: Replica): Promise<{ method: MonitorMethod; reply: JsonValue }> {
    let lastErr: unknown = null;
    for (const method of METHODS) {
      const requests: Record<string, JsonValue> = {};
      for (const [t, columns] of replica.monitored) {
        requests[t] = method === 'monitor' ? { columns: [...columns] } : [{ columns: [...columns] }];
      }
      const params: JsonValue[] = [this.database, MONITOR_ID, requests];
      if (method === 'monitor_cond_since') params.push(this.lastTxn);
      try {
        return { method, reply: await this.session.request(method, params) };
      } catch (e) {
        if (!(e instanceof RpcError) || epoch !== this.epoch) throw e;
        lastErr = e;
        this.log.info(`${this.session.name}: ${method} refused (${JSON.stringify(e.error)}), trying an older method`);
      }
    }
    throw lastErr;
  }

  private applyMonitorReply(replica: Replica, method: MonitorMethod, reply: JsonValue): IdlLoad {
    if (method !== 'monitor_cond_since') {
      replica.replace(reply, method === 'monitor' ? 1 : 2);
      this.lastTxn = ZERO_UUID;
      return { method, found: false, rows: countRows(reply) };
    }
    if (!Array.isArray(reply) || reply.length !== 3 || typeof reply[0] !== 'boolean' || typeof reply[1] !== 'string') {
      throw new ReplicaError('bad monitor_cond_since reply format');
    }
    const [found, lastId, updates] = reply as [boolean, string, JsonValue];
    if (found) replica.apply(updates, 2); else replica.replace(updates, 2);
    this.lastTxn = lastId;
    return { method, found, rows: countRows(updates) };
  }

  private onNotification(n: Notification): void {
    switch (n.method) {
      case 'update': case 'update2': case 'update3': {
        if (JSON.stringify(n.params[0]) !== JSON.stringify(MONITOR_ID)) return;
        if (this.st === 'loading') { this.backlog?.push(n); return; }
        if (this.st !== 'monitoring' || !this.replica) return;
        const version: UpdateVersion = n.method === 'update' ? 1 : 2;
        const body = n.method === 'update3' ? n.params[2] : n.params[1];
        try {
          if (this.replica.apply(body, version)) this.bump();
          if (n.method === 'update3' && typeof n.params[1] === 'string') this.lastTxn = n.params[1];
        } catch (e) {
          this.bump();     // what was applied before the error still counts as a change
          this.fail(`${n.method}: ${(e as Error).message}`, true);
        }
        return;
      }
      case 'locked': case 'stolen':
        if (n.params[0] !== this.wanted) return;
        this.contended = n.method === 'stolen';
        this.setHasLock(n.method === 'locked');
        return;
      case 'monitor_canceled':
        // The database went away or was converted under us: start over with a fresh schema.
        if (JSON.stringify(n.params[0]) === JSON.stringify(MONITOR_ID)) this.fail('monitor canceled by the server', true);
        return;
      default:
        return;
    }
  }

  private requestLock(epoch: number): void {
    const name = this.wanted!;
    if (this.lockSent === name) return;
    this.lockSent = name;
    this.session.request('lock', [name]).then((r) => {
      if (epoch !== this.epoch || name !== this.wanted) return;
      const locked = (r as { locked?: unknown } | null)?.locked === true;
      if (locked) this.setHasLock(true);
      else if (!this.held) this.contended = true;
    }, (e) => {
      if (e instanceof RpcError && epoch === this.epoch) this.log.warn(`lock ${name}: ${JSON.stringify(e.error)}`);
    });
  }

  private setHasLock(v: boolean): void {
    if (v === this.held) return;
    this.held = v;
    if (v) this.contended = false;
    this.bump();
    this.events.emit('lock', v);
  }

  private onDisconnected(reason: string): void {
    if (this.st === 'closed') return;
    this.epoch++;
    this.st = 'connecting';
    this.backlog = null;
    this.lockSent = null;
    if (this.errorTimer) { clearTimeout(this.errorTimer); this.errorTimer = null; }
    this.setHasLock(false);
    this.log.info(`${this.session.name}: disconnected (${reason})`);
    this.events.emit('disconnected', reason);
  }

  /** Something is wrong beyond the connection: record it and try again later (from scratch if the replica is suspect). */
  private fail(msg: string, replicaSuspect: boolean): void {
    this.err = msg;
    this.log.warn(`${this.session.name}: ${msg}`);
    if (replicaSuspect) {
      this.lastTxn = ZERO_UUID;
      this.session.drop(msg);     // reconnect with backoff, then reload from scratch
      return;
    }
    this.st = 'error';
    this.errorTimer = setTimeout(() => { this.errorTimer = null; this.session.forceReconnect('retrying after error'); }, this.retryAfterErrorMs);
  }

  private bump(): void {
    this.seq++;
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      const changes = this.replica?.takeChanges(this.seq);
      if (changes) this.events.emit('change', changes);
      for (const f of [...this.seqWaiters]) f();
    });
  }

  private until<T>(arm: (done: (v: T) => void) => (() => void), timeoutMs: number | undefined, what: string): Promise<T> {
    if (this.st === 'closed') return Promise.reject(new Error(`${what}: IDL closed`));
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const onClose = (): void => finish(new Error(`${what}: IDL closed`));
      const finish = (err: Error | null, v?: T): void => {
        off();
        this.closeWaiters.delete(onClose);
        if (timer) clearTimeout(timer);
        if (err) reject(err); else resolve(v as T);
      };
      const off = arm((v) => finish(null, v));
      this.closeWaiters.add(onClose);
      if (timeoutMs !== undefined) timer = setTimeout(() => finish(new Error(`${what}: timed out after ${timeoutMs} ms`)), timeoutMs);
    });
  }
}

/** Lock names are <id>s (RFC 7047 §4.1.8); ovsdb-server refuses anything else with a syntax error. */
function checkLockName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`lock name "${name}" is not an <id>`);
}

function countRows(updates: unknown): number {
  if (typeof updates !== 'object' || updates === null) return 0;
  let n = 0;
  for (const rows of Object.values(updates)) if (typeof rows === 'object' && rows !== null) n += Object.keys(rows).length;
  return n;
}

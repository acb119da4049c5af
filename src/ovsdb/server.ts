/**
 * The OVSDB server: serves any number of databases (plus `_Server`) to
 * JSON-RPC sessions on any number of remotes (RFC 7047 §4, with the
 * ovsdb-server extensions of ovsdb-server(7)).
 *
 * Life of a transaction: the session's `transact` runs synchronously
 * against the database (so transactions are serialized by the event loop);
 * a successful commit is handed to storage at once, and every monitor
 * computes its update from the commit at once; the reply and the monitor
 * updates are sent only when storage reports the commit durable. Storage
 * groups the commits of one event-loop turn into one write and one sync, so
 * durability costs one fsync per batch, not per transaction.
 *
 * Failure isolation: anything malformed a client sends ends in an error
 * reply or in closing that client's session (see src/jsonrpc); an
 * unexpected exception while serving one request is logged, answered with
 * "internal error", and never reaches other sessions.
 */
import type * as net from 'node:net';
import { Connection } from '../jsonrpc/connection.js';
import type { JsonValue, Request, Notification } from '../jsonrpc/message.js';
import { listen, parsePassive, type PassiveRemote } from '../jsonrpc/stream.js';
import { OvsdbError, syntaxError, syntaxText } from './errors.js';
import type { Database, Commit } from './database.js';
import { schemaToWireJson, type DatabaseSchema } from './schema.js';
import { Monitor, type MonitorFlavour } from './monitor.js';
import { createServerDatabase, syncServerRows } from './server-db.js';
import { LockTable, isLockName } from './locks.js';
import { RemoteSet } from './remotes.js';

/** Persistence of one database's commits. */
export interface DbStorage {
  /** Appends a commit; resolves once it would survive a crash. */
  write(commit: Commit): Promise<void>;
  compact(): Promise<void>;
  close(): Promise<void>;
}

export interface ServedDb {
  readonly db: Database;
  readonly storage: DbStorage | null;
  /** Resolves when everything committed so far is durable. */
  durable: Promise<void>;
}

export interface ServerLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

interface BlockedTxn {
  session: Session;
  id: JsonValue;
  dbName: string;
  ops: unknown[];
  start: number;
  timer: NodeJS.Timeout | null;
}

interface SessionMonitor { dbName: string; monitor: Monitor }

class Session {
  readonly monitors = new Map<string, SessionMonitor>();
  changeAware = false;
  constructor(readonly conn: Connection) {}
}

export class OvsdbServer {
  readonly dbs = new Map<string, ServedDb>();
  private readonly sessions = new Set<Session>();
  private readonly locks = new LockTable<Session>();
  private blocked: BlockedTxn[] = [];
  private readonly serverDb = createServerDatabase();
  readonly remotes: RemoteSet;

  constructor(private readonly log: ServerLog) {
    this.addDatabaseObject('_Server', { db: this.serverDb, storage: null, durable: Promise.resolve() });
    this.syncServerDb();
    this.remotes = new RemoteSet({
      listen: (r) => this.listenRaw(r),
      readDb: (name) => this.dbs.get(name)?.db,
      log,
    });
  }

  /** Serves a database (already loaded from its storage). */
  addDatabase(db: Database, storage: DbStorage | null): void {
    if (this.dbs.has(db.name)) throw new Error(`${db.name}: duplicate database name`);
    this.addDatabaseObject(db.name, { db, storage, durable: Promise.resolve() });
    this.syncServerDb();
  }

  private addDatabaseObject(name: string, served: ServedDb): void {
    this.dbs.set(name, served);
    served.db.onCommit((c) => this.onCommit(name, served, c));
  }

  /** `_Server.Database` lists every served database, `_Server` itself included, as ovsdb-server's does. */
  private syncServerDb(): void {
    syncServerRows(this.serverDb, new Map([...this.dbs].map(([n, s]) => [n, s.db.schema])));
  }

  private readonly wireSchemas = new WeakMap<DatabaseSchema, unknown>();

  /** A schema as ovsdb-server sends it (computed once per schema). */
  private wireSchema(schema: DatabaseSchema): unknown {
    let w = this.wireSchemas.get(schema);
    if (w === undefined) { w = schemaToWireJson(schema); this.wireSchemas.set(schema, w); }
    return w;
  }

  async removeDatabase(name: string): Promise<void> {
    const served = this.dbs.get(name);
    if (!served || name === '_Server') throw new Error(`${name}: no such database`);
    for (const s of this.sessions) {
      for (const [k, m] of s.monitors) {
        if (m.dbName === name) {
          s.monitors.delete(k);
          if (s.changeAware) s.conn.notify('monitor_canceled', [JSON.parse(k) as JsonValue]);
        }
      }
    }
    this.dbs.delete(name);
    await served.storage?.close();
    this.syncServerDb();
  }

  private readonly directListeners = new Set<net.Server>();

  /** Accepts connections on a passive remote such as `punix:PATH` or `ptcp:PORT[:IP]`, until close(). */
  async listenOn(remote: PassiveRemote): Promise<net.Server> {
    const srv = await this.listenRaw(remote);
    this.directListeners.add(srv);
    return srv;
  }

  private async listenRaw(remote: PassiveRemote): Promise<net.Server> {
    const srv = await listen(remote, (sock) => this.accept(sock));
    // Like ovsdb-server, say nothing unless the kernel picked the port: then name it, in the
    // words scripts look for ("0:127.0.0.1: listening on port 38973", OVS's PARSE_LISTENING_PORT).
    const address = srv.address();
    if (remote.kind === 'ptcp' && remote.port === 0 && address !== null && typeof address === 'object') {
      this.log.info(`${remote.port}:${remote.host}: listening on port ${address.port}`);
    }
    return srv;
  }

  async addRemote(name: string): Promise<void> {
    await this.remotes.add(name);
  }

  accept(sock: net.Socket): Session {
    const conn = new Connection(sock);
    const session = new Session(conn);
    this.sessions.add(session);
    conn.setHandler({
      onRequest: (_c, req) => this.safely(session, req),
      onNotification: (_c, n) => this.onNotification(session, n),
      onClose: (_c, reason) => this.onSessionClose(session, reason),
    });
    return session;
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.conn.close('server shutting down');
    await this.remotes.closeAll();
    for (const srv of this.directListeners) srv.close();
    this.directListeners.clear();
    for (const b of this.blocked) if (b.timer) clearTimeout(b.timer);
    this.blocked = [];
    for (const served of this.dbs.values()) {
      await served.durable;
      await served.storage?.close();
    }
  }

  private onSessionClose(session: Session, reason: string): void {
    this.sessions.delete(session);
    for (const name of this.locks.releaseAll(session)) this.grantNext(name);
    this.blocked = this.blocked.filter((b) => {
      if (b.session !== session) return true;
      if (b.timer) clearTimeout(b.timer);
      return false;
    });
    if (reason !== 'connection closed' && reason !== 'server shutting down') this.log.warn(`${session.conn.peer}: ${reason}`);
  }

  private safely(session: Session, req: Request): void {
    try {
      this.onRequest(session, req);
    } catch (e) {
      if (e instanceof OvsdbError) { session.conn.replyError(req.id, e.toJSON() as JsonValue); return; }
      this.log.error(`internal error serving ${req.method}: ${(e as Error).stack ?? e}`);
      session.conn.replyError(req.id, { error: 'internal error', details: String((e as Error).message ?? e) });
    }
  }

  private onNotification(_session: Session, _n: Notification): void {
    // RFC 7047 defines no client-to-server notifications we must act on; they get no reply.
  }

  /** The database a request's params begin with, or the error ovsdb-server answers (the params as "syntax"). */
  private servedOr(params: readonly JsonValue[], method: string): ServedDb {
    const name = params[0];
    if (typeof name !== 'string') throw syntaxError(`${method} request params must begin with <db-name>`, params);
    const served = this.dbs.get(name);
    if (!served) throw new OvsdbError('unknown database', `${method} request specifies unknown database ${name}`, syntaxText(params));
    return served;
  }

  private onRequest(session: Session, req: Request): void {
    const { conn } = session;
    const p = req.params;
    switch (req.method) {
      case 'echo':
        conn.reply(req.id, p);
        return;
      case 'list_dbs':
        conn.reply(req.id, [...this.dbs.keys()]);
        return;
      case 'get_schema':
        conn.reply(req.id, this.wireSchema(this.servedOr(p, 'get_schema').db.schema) as JsonValue);
        return;
      case 'transact': {
        const served = this.servedOr(p, 'transact');
        this.runTransaction({ session, id: req.id, dbName: served.db.name, ops: p.slice(1), start: Date.now(), timer: null });
        return;
      }
      case 'cancel':
        this.cancel(session, p[0] ?? null);
        return;
      case 'monitor': case 'monitor_cond': case 'monitor_cond_since':
        this.startMonitor(session, req, req.method);
        return;
      case 'monitor_cond_change': this.changeMonitor(session, req); return;
      case 'monitor_cancel': {
        const key = JSON.stringify(p[0] ?? null);
        if (!session.monitors.delete(key)) { conn.replyError(req.id, 'unknown monitor'); return; }
        conn.reply(req.id, {});
        return;
      }
      case 'lock': case 'steal': case 'unlock':
        this.lockMethod(session, req);
        return;
      case 'set_db_change_aware':
        session.changeAware = p[0] === true;
        conn.reply(req.id, {});
        return;
      case 'get_server_id':
        conn.reply(req.id, this.serverId);
        return;
      default:
        conn.replyError(req.id, 'unknown method');
    }
  }

  private readonly serverId = crypto.randomUUID();

  // ----------------------------------------------------------- transactions

  /** Runs (or reruns, after a blocking wait) a transaction; a first run counts no time elapsed, as in ovsdb-server. */
  private runTransaction(b: BlockedTxn, rerun = false): void {
    const served = this.dbs.get(b.dbName);
    if (!served) { b.session.conn.replyError(b.id, { error: 'unknown database', details: `${b.dbName} was removed` }); return; }
    const { outcome } = served.db.transact(b.ops, {
      ownsLock: (l) => this.locks.owner(l) === b.session,
      elapsedMs: rerun ? Date.now() - b.start : 0,
    });
    if (outcome.kind === 'blocked') {
      if (!this.blocked.includes(b)) this.blocked.push(b);
      if (b.timer) clearTimeout(b.timer);
      if (Number.isFinite(outcome.retryBeforeMs)) {
        b.timer = setTimeout(() => { b.timer = null; this.retryBlocked(b); }, outcome.retryBeforeMs + 1);
      }
      return;
    }
    const reply = (): void => b.session.conn.reply(b.id, outcome.results as JsonValue);
    // A commit extended `served.durable`. Every reply waits for it, so neither a writer
    // nor a reader is ever told of a state that a crash could still undo.
    served.durable.then(reply, (e) => this.storageFailed(served, e));
  }

  private retryBlocked(b: BlockedTxn): void {
    const i = this.blocked.indexOf(b);
    if (i < 0) return;
    this.blocked.splice(i, 1);
    this.runTransaction(b, true);
  }

  private cancel(session: Session, id: JsonValue): void {
    const key = JSON.stringify(id);
    const b = this.blocked.find((x) => x.session === session && JSON.stringify(x.id) === key);
    if (!b) return;
    this.blocked.splice(this.blocked.indexOf(b), 1);
    if (b.timer) clearTimeout(b.timer);
    session.conn.replyError(b.id, 'canceled');
  }

  private onCommit(dbName: string, served: ServedDb, commit: Commit): void {
    if (served.storage) {
      const written = served.storage.write(commit);
      served.durable = written;
      written.catch((e) => this.storageFailed(served, e));
    }
    // Compute every monitor's update now (from the commit itself); send once durable.
    // Identical monitors share one computed and serialized update.
    const sends: (() => void)[] = [];
    const memo = new Map<string, string | null>();
    for (const s of this.sessions) {
      for (const [key, m] of s.monitors) {
        if (m.dbName !== dbName) continue;
        let text = memo.get(m.monitor.signature);
        if (text === undefined) {
          const u = m.monitor.update(commit);
          text = u ? JSON.stringify(u) : null;
          memo.set(m.monitor.signature, text);
        }
        if (text === null) continue;
        const conn = s.conn;
        const f = m.monitor.flavour;
        const params = f === 'monitor_cond_since' ? `${key},${JSON.stringify(commit.id)},${text}` : `${key},${text}`;
        const method = f === 'monitor' ? 'update' : f === 'monitor_cond' ? 'update2' : 'update3';
        const msg = `{"id":null,"method":"${method}","params":[${params}]}`;
        sends.push(() => conn.write(msg));
      }
    }
    if (sends.length) served.durable.then(() => { for (const f of sends) f(); }, () => undefined);
    if (dbName !== '_Server') this.remotes.onCommit(dbName);
    // Blocked waits on this database may now be satisfied (retry after the current call returns).
    const waiting = this.blocked.filter((b) => b.dbName === dbName);
    if (waiting.length) queueMicrotask(() => { for (const b of waiting) this.retryBlocked(b); });
  }

  private storageFailed(served: ServedDb, e: unknown): void {
    // Continuing would acknowledge transactions that are not on disk: stop, as ovsdb-server does.
    this.log.error(`${served.db.name}: cannot write database file: ${(e as Error).message ?? e}`);
    process.exit(1);
  }

  // --------------------------------------------------------------- monitors

  private startMonitor(session: Session, req: Request, flavour: MonitorFlavour): void {
    const [, id, requests, lastTxnId] = req.params;
    const served = this.servedOr(req.params, flavour);
    const key = JSON.stringify(id ?? null);
    if (session.monitors.has(key)) throw syntaxError('duplicate monitor ID', id);
    const monitor = new Monitor(served.db, flavour, id, requests);
    // Reply after everything committed so far is durable, so the client never sees a state that a crash could undo.
    let reply: JsonValue;
    if (flavour === 'monitor_cond_since') {
      const since = typeof lastTxnId === 'string' ? served.db.changesSince(lastTxnId) : null;
      const updates = since ? monitor.update(since) ?? {} : monitor.initial();
      reply = [since !== null, served.db.lastTxnId, updates as JsonValue];
    } else {
      reply = monitor.initial() as JsonValue;
    }
    session.monitors.set(key, { dbName: served.db.name, monitor });
    served.durable.then(() => session.conn.reply(req.id, reply), () => undefined);
  }

  private changeMonitor(session: Session, req: Request): void {
    const [oldId, newId, requests] = req.params;
    const oldKey = JSON.stringify(oldId ?? null), newKey = JSON.stringify(newId ?? null);
    const m = session.monitors.get(oldKey);
    if (!m) { session.conn.replyError(req.id, { error: 'unknown monitor' }); return; }
    if (m.monitor.flavour === 'monitor') throw syntaxError('monitor_cond_change on a plain monitor', oldId);
    if (newKey !== oldKey && session.monitors.has(newKey)) throw syntaxError('duplicate monitor ID', newId);
    const update = m.monitor.changeConditions(requests);
    session.monitors.delete(oldKey);
    session.monitors.set(newKey, m);
    session.conn.reply(req.id, {});
    if (update) {
      const id = (newId ?? null) as JsonValue;
      if (m.monitor.flavour === 'monitor_cond') session.conn.notify('update2', [id, update as JsonValue]);
      else session.conn.notify('update3', [id, this.dbs.get(m.dbName)!.db.lastTxnId, update as JsonValue]);
    }
  }

  // ------------------------------------------------------------------ locks

  private lockMethod(session: Session, req: Request): void {
    const name = req.params[0];
    if (typeof name !== 'string' || req.params.length !== 1) throw syntaxError(`${req.method} request must name one lock`, req.params);
    if (!isLockName(name)) throw syntaxError(`${name} is not a valid lock name`, name);
    const { conn } = session;
    switch (req.method) {
      case 'lock': {
        if (this.locks.isWaiting(name, session) || this.locks.owner(name) === session) {
          throw syntaxError(`Session already has or is waiting for lock ${name}`, name);
        }
        conn.reply(req.id, { locked: this.locks.request(name, session) });
        return;
      }
      case 'steal': {
        const prev = this.locks.steal(name, session);
        if (prev && prev !== session) prev.conn.notify('stolen', [name]);
        conn.reply(req.id, { locked: true });
        return;
      }
      case 'unlock': {
        const wasOwner = this.locks.owner(name) === session;
        this.locks.release(name, session);
        conn.reply(req.id, {});
        if (wasOwner) this.grantNext(name);
      }
    }
  }

  private grantNext(name: string): void {
    const next = this.locks.owner(name);
    if (next) next.conn.notify('locked', [name]);
  }
}

export { parsePassive };

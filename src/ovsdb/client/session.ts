/**
 * A reconnecting JSON-RPC session to one active remote (`unix:PATH`,
 * `tcp:IP:PORT`), after Open vSwitch's lib/jsonrpc.c session plus
 * lib/reconnect.c.
 *
 * What it guarantees: while `start()`ed and not `close()`d, it keeps trying
 * to be connected. Attempts back off exponentially from `minBackoffMs`
 * (default 100 ms) to `maxBackoffMs` (default 8 s); a connection that stayed
 * up at least as long as the current backoff earns a fast retry (back to the
 * minimum), so a server restart costs one short pause, while a server that
 * accepts and immediately drops us is not hammered.
 *
 * Liveness: the inactivity probe (default 5 s, `probeIntervalMs: 0`
 * disables it) sends an `echo` request after an interval with nothing
 * received, and drops the connection if another interval passes in silence.
 * Any received message counts as life, as in OVS. The peer's own `echo`
 * probes are answered here, so users never see them.
 *
 * Requests fail fast: `request()` while disconnected rejects at once with
 * `NotConnectedError` instead of queueing, because a request that outlives
 * its connection (a transaction, a lock) means nothing on the next one; the
 * layer above decides what to replay after `connected`. Requests in flight
 * when the connection drops reject with the connection's close error.
 *
 * Events (`on(name, fn)` returns an unsubscribe function):
 *   - `connected` (conn): a fresh connection is up; send your handshake.
 *   - `disconnected` (reason): it went down (or an attempt failed after
 *     having connected); a retry is already scheduled unless closed.
 *   - `notification` (n): a JSON-RPC notification from the peer.
 * Time: real timers only; nothing here needs simulated time.
 */
import type * as net from 'node:net';
import { Connection, RpcError } from '../../jsonrpc/connection.js';
import type { JsonValue, Notification, Request } from '../../jsonrpc/message.js';
import { connect, parseActive, type ActiveRemote } from '../../jsonrpc/stream.js';

export { RpcError };

export interface SessionOptions {
  /** `unix:PATH` or `tcp:IP:PORT`, or an already parsed remote. */
  readonly remote: string | ActiveRemote;
  /** First retry delay after a failed attempt (ms). Default 100. */
  readonly minBackoffMs?: number;
  /** Largest retry delay (ms). Default 8000. */
  readonly maxBackoffMs?: number;
  /** Inactivity probe interval (ms); 0 disables probing. Default 5000. */
  readonly probeIntervalMs?: number;
  /** How long one connection attempt may take (ms). Default 5000. */
  readonly connectTimeoutMs?: number;
}

export type SessionState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export interface SessionEvents {
  connected: (conn: Connection) => void;
  disconnected: (reason: string) => void;
  notification: (n: Notification) => void;
}

/** Rejection of `request()` made while no connection is up. */
export class NotConnectedError extends Error {
  constructor(remote: string) {
    super(`${remote}: not connected`);
    this.name = 'NotConnectedError';
  }
}

/** A minimal typed event registry (one listener list per event name). */
export class Listeners<E extends { [K in keyof E]: (...args: never[]) => void }> {
  private readonly map = new Map<keyof E, Set<E[keyof E]>>();

  on<K extends keyof E>(event: K, fn: E[K]): () => void {
    let s = this.map.get(event);
    if (!s) this.map.set(event, s = new Set());
    s.add(fn);
    return () => { s!.delete(fn); };
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const s = this.map.get(event);
    if (!s) return;
    for (const fn of [...s]) (fn as (...a: Parameters<E[K]>) => void)(...args);
  }

  count<K extends keyof E>(event: K): number {
    return this.map.get(event)?.size ?? 0;
  }
}

export class ReconnectingSession {
  readonly remote: ActiveRemote;
  readonly name: string;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private readonly probeInterval: number;
  private readonly connectTimeout: number;
  private readonly events = new Listeners<SessionEvents>();

  private st: SessionState = 'idle';
  private conn: Connection | null = null;
  private backoff = 0;
  private forced = false;
  private connectedAt = 0;
  private lastRx = 0;
  private probeSentAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  /** Number of connections that came up so far. */
  connections = 0;
  /** Why the last connection or attempt ended. */
  lastError = '';

  constructor(opts: SessionOptions) {
    this.remote = typeof opts.remote === 'string' ? parseActive(opts.remote) : opts.remote;
    this.name = typeof opts.remote === 'string' ? opts.remote
      : opts.remote.kind === 'unix' ? `unix:${opts.remote.path}` : `tcp:${opts.remote.host}:${opts.remote.port}`;
    this.minBackoff = opts.minBackoffMs ?? 100;
    this.maxBackoff = Math.max(this.minBackoff, opts.maxBackoffMs ?? 8000);
    this.probeInterval = opts.probeIntervalMs ?? 5000;
    this.connectTimeout = opts.connectTimeoutMs ?? 5000;
  }

  on<K extends keyof SessionEvents>(event: K, fn: SessionEvents[K]): () => void {
    return this.events.on(event, fn);
  }

  get state(): SessionState {
    return this.st;
  }

  get isConnected(): boolean {
    return this.st === 'connected';
  }

  /** The current connection, or null. */
  get connection(): Connection | null {
    return this.st === 'connected' ? this.conn : null;
  }

  /** The delay before the next attempt (ms), as reconnect.c reports it. */
  get currentBackoffMs(): number {
    return this.backoff;
  }

  /** Begins connecting (at once); idempotent. */
  start(): void {
    if (this.st !== 'idle') return;
    this.attempt();
  }

  request(method: string, params: JsonValue[]): Promise<JsonValue> {
    if (this.st !== 'connected' || !this.conn) return Promise.reject(new NotConnectedError(this.name));
    return this.conn.request(method, params);
  }

  notify(method: string, params: JsonValue[]): void {
    if (this.st === 'connected') this.conn?.notify(method, params);
  }

  /** Drops the current connection (if any) and reconnects at once, as ovsdb_idl_force_reconnect(). */
  forceReconnect(reason = 'forced reconnect'): void {
    if (this.st === 'closed' || this.st === 'idle') return;
    if (this.conn) {
      this.forced = true;
      this.conn.close(reason);
      return;
    }
    this.clearTimer('retry');
    this.attempt();
  }

  /** Drops the current connection as a failure: the next attempt follows the usual backoff. */
  drop(reason: string): void {
    this.conn?.close(reason);
  }

  close(): void {
    if (this.st === 'closed') return;
    const wasConnected = this.st === 'connected';
    this.st = 'closed';
    this.clearTimer('retry'); this.clearTimer('probe'); this.clearTimer('connect');
    const c = this.conn;
    this.conn = null;
    c?.close('closed by client');
    if (wasConnected) this.events.emit('disconnected', 'closed by client');
  }

  // ------------------------------------------------------------ internals

  private attempt(): void {
    this.st = 'connecting';
    let sock: net.Socket;
    try {
      sock = connect(this.remote);
    } catch (e) {
      this.failed(`connection attempt failed (${(e as Error).message})`, false);
      return;
    }
    const conn = new Connection(sock, {
      onRequest: (c, req) => this.onRequest(c, req),
      onNotification: (_c, n) => { if (conn === this.conn) this.events.emit('notification', n); },
      onClose: (_c, reason) => this.onClose(conn, reason),
    });
    this.conn = conn;
    sock.on('data', () => { this.lastRx = Date.now(); });
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.conn === conn && this.st === 'connecting') conn.close('connection attempt timed out');
    }, this.connectTimeout);
    sock.once('connect', () => {
      this.clearTimer('connect');
      if (this.conn !== conn || this.st !== 'connecting') return;
      this.st = 'connected';
      this.connections++;
      this.connectedAt = this.lastRx = Date.now();
      this.probeSentAt = 0;
      this.armProbe(this.probeInterval);
      this.events.emit('connected', conn);
    });
  }

  private onRequest(c: Connection, req: Request): void {
    // Servers probe their clients with "echo" (ovsdb-server does every 5 s by default).
    if (req.method === 'echo') c.reply(req.id, req.params);
    else c.replyError(req.id, 'unknown method');
  }

  private onClose(conn: Connection, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = null;
    this.clearTimer('probe'); this.clearTimer('connect');
    if (this.st === 'closed') return;
    this.failed(reason, this.st === 'connected');
  }

  /** Schedules the next attempt; reconnect.c's backoff rule. */
  private failed(reason: string, wasConnected: boolean): void {
    this.lastError = reason;
    if (this.forced) {
      this.forced = false;
      this.backoff = 0;
    } else if (wasConnected && Date.now() - this.connectedAt >= this.backoff) {
      this.backoff = this.minBackoff;      // it was healthy for a while: retry soon
    } else {
      this.backoff = this.backoff === 0 ? this.minBackoff : Math.min(this.maxBackoff, this.backoff * 2);
    }
    this.st = 'backoff';
    this.retryTimer = setTimeout(() => { this.retryTimer = null; if (this.st === 'backoff') this.attempt(); }, this.backoff);
    if (wasConnected) this.events.emit('disconnected', reason);
  }

  private armProbe(ms: number): void {
    if (this.probeInterval <= 0) return;
    this.clearTimer('probe');
    this.probeTimer = setTimeout(() => this.onProbeTimer(), Math.max(1, ms));
    this.probeTimer.unref();
  }

  private onProbeTimer(): void {
    this.probeTimer = null;
    const conn = this.conn;
    if (this.st !== 'connected' || !conn) return;
    const now = Date.now();
    if (this.probeSentAt && this.lastRx < this.probeSentAt) {
      if (now - this.probeSentAt >= this.probeInterval) {
        conn.close(`no response to inactivity probe after ${((now - this.lastRx) / 1000).toFixed(1)} seconds, disconnecting`);
        return;
      }
      this.armProbe(this.probeSentAt + this.probeInterval - now);
      return;
    }
    this.probeSentAt = 0;
    const idle = now - this.lastRx;
    if (idle < this.probeInterval) { this.armProbe(this.probeInterval - idle); return; }
    this.probeSentAt = now;
    conn.request('echo', []).catch(() => undefined);
    this.armProbe(this.probeInterval);
  }

  private clearTimer(which: 'retry' | 'probe' | 'connect'): void {
    const key = `${which}Timer` as 'retryTimer' | 'probeTimer' | 'connectTimer';
    const t = this[key];
    if (t) clearTimeout(t);
    this[key] = null;
  }
}

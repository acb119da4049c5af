/**
 * A deliberately dumb JSON-RPC client for testing OVSDB servers: it can send
 * any bytes (malformed JSON, garbage, half messages) and reads back whatever
 * the server says, so a test can judge the server's replies rather than
 * trust a client library built on the same code as the server.
 *
 * Incoming bytes are split into JSON texts by this module's own small
 * scanner (independent of src/jsonrpc), and each text is parsed. Anything
 * that is not valid JSON is recorded in `garbage` — a well-behaved server
 * never sends any. Replies resolve the `request()` waiting for their id;
 * everything else (notifications, unmatched replies) goes to `messages`.
 */
import * as net from 'node:net';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface RpcMessage {
  id?: Json;
  method?: string;
  params?: Json;
  result?: Json;
  error?: Json;
  [k: string]: Json | undefined;
}

export interface RpcReply { id: Json; result: Json; error: Json }

export type RpcTarget = { path: string } | { host: string; port: number };

interface Waiter { resolve(r: RpcReply): void; reject(e: Error): void; timer: NodeJS.Timeout }

export class RawRpcClient {
  /** Notifications and replies nobody waited for, in arrival order. */
  readonly messages: RpcMessage[] = [];
  /** Server output that did not parse as JSON (should stay empty). */
  readonly garbage: string[] = [];
  private readonly waiters = new Map<string, Waiter>();
  private readonly closeWaiters: (() => void)[] = [];
  private nextId = 1;
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private isClosed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
  }

  static connect(target: RpcTarget, timeoutMs = 5000): Promise<RawRpcClient> {
    return new Promise((resolve, reject) => {
      const sock = 'path' in target ? net.createConnection({ path: target.path }) : net.createConnection(target);
      const timer = setTimeout(() => { sock.destroy(); reject(new Error('connect timed out')); }, timeoutMs);
      sock.once('error', (e) => { clearTimeout(timer); reject(e); });
      sock.once('connect', () => { clearTimeout(timer); resolve(new RawRpcClient(sock)); });
    });
  }

  get closed(): boolean { return this.isClosed; }

  /** Writes raw bytes, ignoring a peer that has already gone away. */
  send(data: string | Buffer): void {
    if (!this.isClosed && !this.socket.destroyed) this.socket.write(data);
  }

  /** Sends a request with a fresh numeric id and waits for its reply (rejects on timeout or close). */
  request(method: string, params: Json, timeoutMs = 5000): Promise<RpcReply> {
    const id = this.nextId++;
    const p = this.expectReply(id, timeoutMs);
    this.send(JSON.stringify({ method, params, id }));
    return p;
  }

  /** Waits for the reply with this id (for requests written with `send`). */
  expectReply(id: Json, timeoutMs = 5000): Promise<RpcReply> {
    const key = JSON.stringify(id);
    return new Promise((resolve, reject) => {
      if (this.isClosed) { reject(new Error('connection closed')); return; }
      const timer = setTimeout(() => { this.waiters.delete(key); reject(new Error(`no reply to id ${key} within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiters.set(key, { resolve, reject, timer });
    });
  }

  /** Resolves true once the server has closed the connection, false after `timeoutMs`. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.isClosed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => { clearTimeout(timer); resolve(true); });
    });
  }

  /** Waits until `pred` holds for some received message, or `timeoutMs` passes (then null). */
  async waitMessage(pred: (m: RpcMessage) => boolean, timeoutMs: number): Promise<RpcMessage | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() >= end || this.isClosed) return null;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.socket.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const w of this.waiters.values()) { clearTimeout(w.timer); w.reject(new Error('connection closed')); }
    this.waiters.clear();
    for (const f of this.closeWaiters.splice(0)) f();
  }

  /** Cuts complete top-level JSON texts out of the stream by tracking strings and nesting. */
  private onData(d: string): void {
    let start = 0;
    for (let i = 0; i < d.length; i++) {
      const c = d[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        if (--this.depth === 0) {
          this.deliver(this.buf + d.slice(start, i + 1));
          this.buf = '';
          start = i + 1;
        }
      }
    }
    this.buf += d.slice(start);
  }

  private deliver(text: string): void {
    let m: unknown;
    try { m = JSON.parse(text); } catch { this.garbage.push(text); return; }
    if (typeof m !== 'object' || m === null || Array.isArray(m)) { this.garbage.push(text); return; }
    const msg = m as RpcMessage;
    if (msg.method === undefined && ('result' in msg || 'error' in msg)) {
      const key = JSON.stringify(msg.id ?? null);
      const w = this.waiters.get(key);
      if (w) {
        this.waiters.delete(key);
        clearTimeout(w.timer);
        w.resolve({ id: msg.id ?? null, result: msg.result ?? null, error: msg.error ?? null });
        return;
      }
    }
    // Answer the server's inactivity probes so long tests are not disconnected.
    if (msg.method === 'echo' && msg.id !== null && msg.id !== undefined) {
      this.send(JSON.stringify({ id: msg.id, result: msg.params ?? [], error: null }));
      return;
    }
    this.messages.push(msg);
  }
}

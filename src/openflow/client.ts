/**
 * The client side of an OpenFlow connection (after OVS's vconn), as
 * `weft ofctl` and test controllers use it: connect to `unix:PATH`,
 * `tcp:HOST[:PORT]` or a bridge name (its `<rundir>/<bridge>.mgmt`),
 * exchange HELLO with the allowed versions, then send requests and
 * collect replies by xid — every part of a multipart reply, or the
 * OFPT_ERROR that refused the request.
 *
 * Transaction ids follow ovs-ofctl's numbering (one counter per process,
 * HELLO included), so printed replies carry the same xids.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { OfFramer, buildMessage, type OfMessage } from './message.js';
import { encodeHello, helloVersions } from './switch-msgs.js';
import { OFPSF_REPLY_MORE, statsOf } from './message.js';
import { msgName } from './constants.js';

let nextXid = 1;

export function allocXid(): number {
  return nextXid++;
}

/** Starts xids from 1 again (each `weft ofctl` run numbers like a fresh ovs-ofctl process). */
export function resetXids(): void {
  nextXid = 1;
}

export class OfClientError extends Error {
  override readonly name = 'OfClientError';
  constructor(message: string, readonly reply?: OfMessage) {
    super(message);
  }
}

/** Where a target string points; bare names are bridges under `rundir`. */
export function resolveTarget(target: string, rundir: string): { path?: string; host?: string; port?: number } {
  let m = /^unix:(.+)$/.exec(target);
  if (m) return { path: m[1]! };
  m = /^tcp:([^:]+)(?::(\d+))?$/.exec(target);
  if (m) return { host: m[1]!, port: Number(m[2] ?? 6653) };
  if (target.includes('/')) return { path: target };
  return { path: path.join(rundir, `${target}.mgmt`) };
}

export interface ClientOptions {
  readonly versions: readonly number[];
  readonly rundir: string;
  readonly timeoutMs: number;
}

export class OfClient {
  version = 0;
  private readonly framer = new OfFramer();
  private readonly waiters = new Map<number, { parts: OfMessage[]; resolve: (m: OfMessage[]) => void; reject: (e: Error) => void }>();
  private async: ((m: OfMessage) => void) | null = null;
  private closedErr: Error | null = null;
  private helloResolve: (() => void) | null = null;
  private helloReject: ((e: Error) => void) | null = null;

  private constructor(private readonly sock: net.Socket, private readonly opts: ClientOptions) {}

  static async connect(target: string, opts: ClientOptions): Promise<OfClient> {
    const t = resolveTarget(target, opts.rundir);
    const sock = t.path ? net.connect(t.path) : net.connect(t.port!, t.host!);
    const c = new OfClient(sock, opts);
    await c.start(target);
    return c;
  }

  private start(target: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new OfClientError(`${target}: connection timed out`)), this.opts.timeoutMs);
      this.helloResolve = () => { clearTimeout(timer); resolve(); };
      this.helloReject = (e) => { clearTimeout(timer); reject(e); };
      this.sock.on('connect', () => this.sock.write(encodeHello(this.opts.versions, allocXid())));
      this.sock.on('data', (d) => this.onData(d));
      this.sock.on('error', (e: NodeJS.ErrnoException) => this.fail(new OfClientError(`${target}: failed to connect to socket (${e.code === 'ENOENT' ? 'No such file or directory' : e.code === 'ECONNREFUSED' ? 'Connection refused' : e.message})`)));
      this.sock.on('close', () => this.fail(new OfClientError(`${target}: connection closed by peer`)));
    });
  }

  private fail(e: Error): void {
    if (this.closedErr) return;
    this.closedErr = e;
    this.helloReject?.(e);
    for (const w of this.waiters.values()) w.reject(e);
    this.waiters.clear();
  }

  private onData(d: Buffer): void {
    const { messages, error } = this.framer.push(d);
    for (const m of messages) this.onMessage(m);
    if (error) this.fail(new OfClientError(error));
  }

  private onMessage(m: OfMessage): void {
    if (this.version === 0) {
      if (m.type !== 0) { this.fail(new OfClientError('received message while expecting hello')); return; }
      const common = this.opts.versions.filter((v) => helloVersions(m).includes(v));
      if (!common.length) {
        this.fail(new OfClientError(`version negotiation failed (we support version${this.opts.versions.length > 1 ? 's' : ''} ${this.opts.versions.map((v) => `0x${v.toString(16).padStart(2, '0')}`).join(', ')}, peer supports version 0x${m.version.toString(16).padStart(2, '0')})`));
        return;
      }
      this.version = Math.max(...common);
      this.helloResolve?.();
      return;
    }
    if (msgName(m.version, m.type) === 'ECHO_REQUEST') { this.send(buildMessage(m.version, 'ECHO_REPLY', m.xid, (w) => w.bytes(m.bytes.subarray(8)))); return; }
    const w = this.waiters.get(m.xid);
    if (!w) { this.async?.(m); return; }
    w.parts.push(m);
    const name = msgName(m.version, m.type);
    const more = name === 'STATS_REPLY' && (statsOf(m).flags & OFPSF_REPLY_MORE) !== 0;
    if (!more) { this.waiters.delete(m.xid); w.resolve(w.parts); }
  }

  send(bytes: Uint8Array): void {
    this.sock.write(bytes);
  }

  /** Sends a request and resolves with its reply messages (several for a multipart reply, one OFPT_ERROR on refusal). */
  transact(bytes: Uint8Array): Promise<OfMessage[]> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const xid = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiters.delete(xid); reject(new OfClientError('timeout waiting for reply')); }, this.opts.timeoutMs);
      this.waiters.set(xid, { parts: [], resolve: (m) => { clearTimeout(timer); resolve(m); }, reject: (e) => { clearTimeout(timer); reject(e); } });
      this.send(bytes);
    });
  }

  /** Sends requests that have no reply unless they fail, then a barrier; resolves with any errors, in order. */
  async transactNoReply(requests: readonly Uint8Array[], barrier: Uint8Array): Promise<OfMessage[]> {
    const errors: OfMessage[] = [];
    const xids = new Set(requests.map((r) => new DataView(r.buffer, r.byteOffset).getUint32(4)));
    const prev = this.async;
    this.async = (m) => { if (xids.has(m.xid)) errors.push(m); else prev?.(m); };
    try {
      for (const r of requests) this.send(r);
      const reply = await this.transact(barrier);
      for (const m of reply) if (msgName(m.version, m.type) === 'ERROR') errors.push(m);
    } finally {
      this.async = prev;
    }
    return errors;
  }

  /** Receives every message nobody waits for (packet-ins, port status...). */
  onAsync(fn: ((m: OfMessage) => void) | null): void {
    this.async = fn;
  }

  close(): void {
    this.closedErr ??= new OfClientError('closed');
    this.sock.destroy();
  }
}

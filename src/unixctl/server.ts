/**
 * The unixctl control socket: the server end of `ovs-appctl`.
 *
 * Wire protocol (OVS's lib/unixctl.c, JSON-RPC 1.0 over a unix stream
 * socket, messages back to back with no delimiter):
 *
 *     -> {"method":"fdb/show","params":["br0"],"id":0}
 *     <- {"id":0,"result":" port  VLAN  MAC  Age\n","error":null}
 *     <- {"id":0,"error":"no such bridge\n"}            (no "result" member)
 *
 * Each connection answers its requests one at a time and in order, even
 * when handlers are asynchronous: a request is not read until the previous
 * reply is written, as in OVS. A peer that sends anything but a request (a
 * notification, a reply, a malformed message) is disconnected without an
 * answer, which is also what OVS does.
 *
 * The socket file is created by listen() (replacing a stale one) and
 * removed by close(). Path lengths are the kernel's limit (107 bytes).
 */
import type * as net from 'node:net';
import * as fs from 'node:fs';
import { Connection } from '../jsonrpc/connection.js';
import type { Request } from '../jsonrpc/message.js';
import { listen } from '../jsonrpc/stream.js';
import { vlogModule, type VlogModule } from '../base/vlog.js';
import type { CommandRegistry, UnixctlCommand } from './commands.js';

export interface UnixctlServerOptions {
  /** Absolute path of the socket to create. */
  path: string;
  /** The commands to serve; they may change while the server runs. */
  commands: CommandRegistry;
  log?: VlogModule;
}

export class UnixctlServer {
  readonly commands: CommandRegistry;
  private readonly conns = new Set<Connection>();
  private closed = false;

  private constructor(readonly path: string, private readonly listener: net.Server,
    commands: CommandRegistry, private readonly log: VlogModule) {
    this.commands = commands;
  }

  /** Binds the socket and starts serving; rejects with the system error if it cannot. */
  static async listen(opts: UnixctlServerOptions): Promise<UnixctlServer> {
    const log = opts.log ?? vlogModule('unixctl');
    let server: UnixctlServer | null = null;
    const pending: net.Socket[] = [];
    const listener = await listen({ kind: 'punix', path: opts.path }, (sock) => {
      if (server) server.accept(sock); else pending.push(sock);
    });
    server = new UnixctlServer(opts.path, listener, opts.commands, log);
    for (const s of pending) server.accept(s);
    return server;
  }

  register(cmd: UnixctlCommand): void {
    this.commands.register(cmd);
  }

  /** Stops listening, drops every connection and removes the socket file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.conns) c.close('server closing');
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
    this.unlinkSocket();
  }

  /** Removes the socket file now (synchronously), for exit paths that cannot wait. */
  unlinkSocket(): void {
    try { fs.unlinkSync(this.path); } catch { /* already gone */ }
  }

  private accept(sock: net.Socket): void {
    if (this.closed) { sock.destroy(); return; }
    const queue: Request[] = [];
    let busy = false;
    const pump = async (conn: Connection): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && conn.isOpen) await this.answer(conn, queue.shift()!);
      busy = false;
    };
    const conn = new Connection(sock, {
      onRequest: (c, req) => { queue.push(req); void pump(c); },
      onNotification: (c, n) => {
        this.log.warn(`unix: received unexpected notification message "${n.method}"`);
        c.close('unexpected notification');
      },
      onClose: (c) => { this.conns.delete(c); },
    });
    this.conns.add(conn);
  }

  private async answer(conn: Connection, req: Request): Promise<void> {
    if (this.log.isEnabled('dbg')) {
      this.log.dbg(`received request ${req.method}${JSON.stringify(req.params)}, id=${JSON.stringify(req.id)}`);
    }
    const r = await this.commands.dispatch(req.method, req.params);
    const ok = 'ok' in r;
    if (this.log.isEnabled('dbg')) {
      this.log.dbg(`replying with ${ok ? 'success' : 'error'}, id=${JSON.stringify(req.id)}: ${JSON.stringify(ok ? r.ok : r.error)}`);
    }
    conn.write(ok ? JSON.stringify({ id: req.id, result: r.ok, error: null }) : JSON.stringify({ id: req.id, error: r.error }));
    if (ok && r.after) {
      await flushed(conn);
      r.after();
    }
  }
}

/** Resolves once everything written to `conn` so far has been handed to the kernel. */
function flushed(conn: Connection): Promise<void> {
  // Connection coalesces writes in a microtask queued before this one.
  return new Promise((resolve) => queueMicrotask(() => {
    const s = conn.socket;
    if (!s.writable) { resolve(); return; }
    s.write('', () => resolve());
  }));
}

/**
 * One JSON-RPC session over a byte stream, usable from either side.
 *
 * Incoming bytes go through the framer and are classified; requests and
 * notifications go to the handler, replies resolve the promise of the
 * request they answer. A framing or protocol error closes this session only:
 * the peer gets no reply (as ovsdb-server does), and nothing else notices.
 *
 * Outgoing messages are coalesced: everything sent during one turn of the
 * event loop leaves in a single write, which matters for monitor fan-out and
 * pipelined transactions.
 */
import type * as net from 'node:net';
import { JsonFramer, FramingError } from './framing.js';
import {
  classify, ProtocolError, encodeRequest, encodeNotification, encodeReply, encodeError,
  type JsonValue, type Request, type Notification,
} from './message.js';

export interface ConnectionHandler {
  onRequest?(conn: Connection, req: Request): void;
  onNotification?(conn: Connection, n: Notification): void;
  onClose?(conn: Connection, reason: string): void;
}

export class RpcError extends Error {
  constructor(readonly error: JsonValue) {
    super(typeof error === 'string' ? error : JSON.stringify(error));
  }
}

interface Pending { resolve(v: JsonValue): void; reject(e: Error): void }

export class Connection {
  private readonly framer = new JsonFramer();
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private out: string[] = [];
  private flushScheduled = false;
  private closed = false;
  closeReason = '';

  constructor(readonly socket: net.Socket, private handler: ConnectionHandler = {}) {
    socket.setNoDelay?.(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.close(`stream error: ${e.message}`));
    socket.on('close', () => this.close(this.framer.partial ? 'connection closed mid-message' : 'connection closed'));
  }

  setHandler(h: ConnectionHandler): void {
    this.handler = h;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get peer(): string {
    const s = this.socket;
    return s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : 'unix';
  }

  /** Sends a request and resolves with its result; rejects with RpcError if the reply carries an error. */
  request(method: string, params: JsonValue[]): Promise<JsonValue> {
    if (this.closed) return Promise.reject(new Error(`connection closed (${this.closeReason})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(String(id), { resolve, reject });
      this.write(encodeRequest(method, params, id));
    });
  }

  notify(method: string, params: JsonValue[]): void {
    this.write(encodeNotification(method, params));
  }

  reply(id: JsonValue, result: JsonValue): void {
    this.write(encodeReply(id, result));
  }

  replyError(id: JsonValue, error: JsonValue): void {
    this.write(encodeError(id, error));
  }

  /** Writes an already-encoded message (used for formats other than ours, e.g. unixctl replies). */
  write(text: string): void {
    if (this.closed) return;
    this.out.push(text);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) return;
    const text = this.out.length === 1 ? this.out[0]! : this.out.join('');
    this.out = [];
    this.socket.write(text);
  }

  close(reason = 'closed by us'): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.closeReason = reason;
    this.socket.end();
    this.socket.destroySoon?.();
    const err = new Error(`connection closed (${reason})`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.handler.onClose?.(this, reason);
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    let msgs: unknown[];
    try {
      msgs = this.framer.push(data);
    } catch (e) {
      this.close(e instanceof FramingError ? e.message : String(e));
      return;
    }
    for (const raw of msgs) {
      if (this.closed) return;
      try {
        this.dispatch(raw);
      } catch (e) {
        if (e instanceof ProtocolError) { this.close(`protocol error: ${e.message}`); return; }
        throw e;
      }
    }
  }

  private dispatch(raw: unknown): void {
    const msg = classify(raw);
    switch (msg.kind) {
      case 'request':
        this.handler.onRequest?.(this, msg);
        return;
      case 'notification':
        this.handler.onNotification?.(this, msg);
        return;
      case 'reply': {
        // Our ids are numbers; a reply whose id is anything else (an object whose toString is
        // not callable would even throw in String()) answers nothing we sent.
        if (typeof msg.id !== 'number' && typeof msg.id !== 'string') return;
        const key = String(msg.id);
        const p = this.pending.get(key);
        if (!p) return;     // a reply nobody waits for (e.g. after a timeout) is dropped
        this.pending.delete(key);
        if (msg.error !== null) p.reject(new RpcError(msg.error));
        else p.resolve(msg.result);
      }
    }
  }
}

/**
 * One OpenFlow connection on the switch side (after OVS's ofconn/vconn):
 * a state machine over a byte stream, independent of the socket type.
 *
 *   1. Both sides send HELLO at once. The version is the highest one both
 *      bitmaps (or, without a bitmap, both header versions) allow; none
 *      in common is OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE with a text
 *      saying which versions each side supports, then the connection
 *      closes. Any other message before the peer's HELLO closes it too.
 *   2. Then every message goes to the handlers; a refusal (OfError) or a
 *      malformed message becomes an OFPT_ERROR echoing the request; an
 *      unusable stream (length below 8) closes the connection. Nothing a
 *      peer sends can throw out of `receive`.
 *   3. Keepalive: after `probeMs` without receiving anything the session
 *      sends an ECHO_REQUEST; after as long again, it gives up and closes
 *      (OVS's inactivity probe).
 *
 * Asynchronous messages (packet-in, flow-removed, port-status) are sent
 * through `sendAsync*`, in the format this connection selected.
 */
import { DecodeError } from '../../packet/errors.js';
import { OfError, errorWire, type OfErrorName } from '../errors.js';
import { NXPIF, OFP10 } from '../constants.js';
import { OfFramer, buildMessage, type OfMessage } from '../message.js';
import { encodeHello, helloVersions, encodePortStatus, type PortDesc } from '../switch-msgs.js';
import { encodePacketIn, type PacketIn } from '../packet-msgs.js';
import { encodeFlowRemoved } from '../flow-mod.js';
import type { FlowRule } from '../flow-table.js';
import { countsOf } from '../flow-table.js';
import { BundleFailure, handleMessage, protocolOf, type HandlerEnv } from './handler.js';
import { type OfBridge, type SessionState, newSessionState, receivesAsync } from './bridge-view.js';

export interface SessionHooks {
  send(bytes: Uint8Array): void;
  close(reason: string): void;
  log?(level: 'info' | 'warn' | 'debug', msg: string): void;
  /** Rules were deleted by this session's flow_mod: tell every listener. */
  flowRemoved(removed: readonly { rule: FlowRule; reason: number }[]): void;
  /** This session became master: demote the others. */
  becameMaster(self: OfSession): void;
  /** The negotiated version is known (the connection is up). */
  connected?(self: OfSession): void;
}

export interface SessionOptions {
  readonly versions: readonly number[];
  readonly primary: boolean;
  readonly bridge: OfBridge;
  readonly probeMs: number;
  readonly name: string;
}

function versionList(vs: readonly number[]): string {
  return vs.map((v) => `0x${v.toString(16).padStart(2, '0')}`).join(', ');
}

export class OfSession {
  readonly state: SessionState;
  private readonly framer = new OfFramer();
  private closed = false;
  private lastRx: number;
  private probeSent = false;
  private xid = 0x10000;

  constructor(readonly opts: SessionOptions, private readonly hooks: SessionHooks) {
    this.state = newSessionState(opts.primary);
    this.lastRx = opts.bridge.now();
  }

  /** Starts the exchange: our HELLO goes out first. */
  start(): void {
    this.hooks.send(encodeHello(this.opts.versions, this.nextXid()));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get connected(): boolean {
    return this.state.version !== 0 && !this.closed;
  }

  private nextXid(): number {
    return this.xid++ >>> 0;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.hooks.log?.('info', `${this.opts.name}: connection closed (${reason})`);
    this.hooks.close(reason);
  }

  /** Feeds received bytes. Never throws. */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    this.lastRx = this.opts.bridge.now();
    this.probeSent = false;
    const { messages, error } = this.framer.push(chunk);
    for (const m of messages) {
      if (this.closed) return;
      this.onMessage(m);
    }
    if (error && !this.closed) this.close(error);
  }

  /** Inactivity probing; call periodically. */
  tick(now: number): void {
    if (this.closed || this.opts.probeMs <= 0 || this.state.version === 0) return;
    const idle = now - this.lastRx;
    if (idle >= 2 * this.opts.probeMs && this.probeSent) {
      this.close(`no response to inactivity probe after ${Math.round(idle / 1000)} seconds, disconnecting`);
    } else if (idle >= this.opts.probeMs && !this.probeSent) {
      this.probeSent = true;
      this.hooks.send(buildMessage(this.state.version, 'ECHO_REQUEST', this.nextXid()));
    }
  }

  private onMessage(m: OfMessage): void {
    if (this.state.version === 0) { this.negotiate(m); return; }
    const env: HandlerEnv = {
      bridge: this.opts.bridge, state: this.state,
      flowRemoved: (r) => this.hooks.flowRemoved(r),
      becameMaster: () => this.hooks.becameMaster(this),
    };
    try {
      for (const reply of handleMessage(env, m)) this.hooks.send(reply);
    } catch (e) {
      this.sendError(e, m);
    }
  }

  private negotiate(m: OfMessage): void {
    if (m.type !== 0) { this.close('received message while expecting hello'); return; }
    let theirs: number[];
    try { theirs = helloVersions(m); } catch { theirs = [m.version]; }
    const common = this.opts.versions.filter((v) => theirs.includes(v));
    if (common.length === 0) {
      const text = `We support versions ${versionList(this.opts.versions)}, you support ${versionList(theirs)}, no common versions`;
      const v = Math.min(m.version, ...this.opts.versions);
      this.hooks.send(buildMessage(v, 'ERROR', m.xid, (w) => { w.u16(0).u16(0).bytes(Buffer.from(text)); }));
      this.close('version negotiation failed');
      return;
    }
    this.state.version = Math.max(...common);
    this.hooks.log?.('info', `${this.opts.name}: negotiated OpenFlow version 0x${this.state.version.toString(16).padStart(2, '0')}`);
    this.hooks.connected?.(this);
  }

  private sendError(e: unknown, req: OfMessage): void {
    if (e instanceof BundleFailure) this.sendError(e.inner, e.msg);
    let name: OfErrorName;
    if (e instanceof OfError) name = e.error;
    else if (e instanceof DecodeError || e instanceof RangeError) name = 'OFPBRC_BAD_LEN';
    else {
      this.hooks.log?.('warn', `${this.opts.name}: internal error handling message type ${req.type}: ${e instanceof Error ? e.stack : String(e)}`);
      name = 'OFPBRC_EPERM';
    }
    if (e instanceof OfError) this.hooks.log?.('debug', `${this.opts.name}: refusing message type ${req.type}: ${e.message}`);
    const { type, code, vendorBody } = errorWire(this.state.version, name);
    this.hooks.send(buildMessage(this.state.version, 'ERROR', req.xid, (w) => {
      w.u16(type).u16(code);
      if (vendorBody) w.bytes(vendorBody);
      w.bytes(req.bytes.subarray(0, Math.min(req.bytes.length, 0xffff - 24)));
    }));
  }

  // ---- asynchronous messages ----

  wantsAsync(): boolean {
    return this.connected && receivesAsync(this.state);
  }

  sendPacketIn(pi: PacketIn): void {
    if (!this.wantsAsync()) return;
    const s = this.state;
    // A table miss (reason no_match) reaches OpenFlow 1.0-1.2 controllers only; 1.3 drops misses without a flow.
    if (pi.reason === 0 && s.version > 3) return;
    const limit = pi.reason === 0 ? s.missSendLen : 0xffff;
    const data = limit === 0xffff ? pi.data : pi.data.subarray(0, Math.min(pi.data.length, limit));
    const format = s.version === OFP10 || s.packetInFormat !== NXPIF.STANDARD ? s.packetInFormat : NXPIF.STANDARD;
    this.hooks.send(encodePacketIn({ ...pi, data }, s.version, format));
  }

  sendFlowRemoved(rule: FlowRule, reason: number, now: number): void {
    if (!this.wantsAsync() || !(rule.flags & 1)) return;
    const age = Math.max(0, now - rule.created), c = countsOf(rule);
    this.hooks.send(encodeFlowRemoved({
      match: rule.match, cookie: rule.cookie, priority: rule.priority, reason, tableId: rule.table,
      durationSec: Math.floor(age / 1000), durationNsec: Math.floor(age % 1000) * 1e6, idleTimeout: rule.idleTimeout,
      hardTimeout: rule.hardTimeout, packets: c.packets, bytes: c.bytes,
    }, protocolOf(this.state)));
  }

  sendPortStatus(reason: number, port: PortDesc): void {
    if (!this.connected || (!this.state.primary && this.state.missSendLen === 0)) return;
    this.hooks.send(encodePortStatus(reason, port, this.state.version));
  }
}

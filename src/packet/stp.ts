/**
 * Spanning tree BPDUs (IEEE 802.1D-2004 §9.3) and the 802.2 LLC header
 * that carries them in 802.3 frames to 01:80:c2:00:00:00.
 *
 * LLC: DSAP 0x42, SSAP 0x42, control 0x03 (UI). BPDU: Protocol Identifier
 * 0, Version (0 STP, 2 RSTP), Type (0x00 Configuration, 0x80 Topology
 * Change Notification, 0x02 RST). Configuration and RST BPDUs carry flags,
 * root and bridge identifiers (priority+system ID, 8 bytes), root path
 * cost, port identifier and four timers in 1/256 s; an RST BPDU adds the
 * Version 1 Length octet (§9.3.3). Lengths: 35 bytes for Configuration,
 * 4 for TCN, 36 for RST (§9.3.1–9.3.3).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError } from './errors.js';
import type { Mac } from './types.js';

export const STP_DST = 0x0180c2000000 as Mac;
export const LLC_SAP_STP = 0x42;
export const BPDU_TYPE = { CONFIG: 0x00, RST: 0x02, TCN: 0x80 } as const;
export const BPDU_FLAG = { TOPOLOGY_CHANGE: 0x01, TOPOLOGY_CHANGE_ACK: 0x80 } as const;

export interface Llc {
  readonly dsap: number;
  readonly ssap: number;
  readonly control: number;
  readonly payload: Uint8Array;
}

export function decodeLlc(r: Reader): Llc {
  r.need(3, 'llc', 'IEEE 802.2 §3.2');
  const dsap = r.u8('llc.dsap');
  const ssap = r.u8('llc.ssap');
  const control = r.u8('llc.control');
  return { dsap, ssap, control, payload: r.rest() };
}

export function encodeLlc(w: Writer, l: Llc): void {
  w.u8(l.dsap, 'llc.dsap').u8(l.ssap, 'llc.ssap').u8(l.control, 'llc.control').bytes(l.payload);
}

/** A bridge identifier: 16-bit priority (with the 802.1t system ID extension) and a MAC. */
export interface BridgeId { readonly priority: number; readonly mac: Mac }

export interface Bpdu {
  readonly version: number;
  readonly type: number;
  /** The remaining fields are zero in a TCN BPDU. */
  readonly flags: number;
  readonly rootId: BridgeId;
  readonly rootPathCost: number;
  readonly bridgeId: BridgeId;
  readonly portId: number;
  /** Timers in units of 1/256 second. */
  readonly messageAge: number;
  readonly maxAge: number;
  readonly helloTime: number;
  readonly forwardDelay: number;
  /** RST BPDUs only (always 0 there). */
  readonly version1Length: number;
}

const ZERO_ID: BridgeId = { priority: 0, mac: 0 as Mac };

export function decodeBpdu(r: Reader): Bpdu {
  const start = r.offset;
  r.need(4, 'bpdu', 'IEEE 802.1D §9.3.2');
  const proto = r.u16('bpdu.protocol');
  if (proto !== 0) throw new DecodeError('bpdu.protocol', start, `protocol identifier ${proto}, expected 0`, 'IEEE 802.1D §9.3.1');
  const version = r.u8('bpdu.version');
  const type = r.u8('bpdu.type');
  if (type === BPDU_TYPE.TCN) {
    return { version, type, flags: 0, rootId: ZERO_ID, rootPathCost: 0, bridgeId: ZERO_ID, portId: 0, messageAge: 0, maxAge: 0, helloTime: 0, forwardDelay: 0, version1Length: 0 };
  }
  if (type !== BPDU_TYPE.CONFIG && type !== BPDU_TYPE.RST) throw new DecodeError('bpdu.type', start + 3, `unknown BPDU type 0x${type.toString(16)}`, 'IEEE 802.1D §9.3');
  r.need(type === BPDU_TYPE.RST ? 32 : 31, 'bpdu', type === BPDU_TYPE.RST ? 'IEEE 802.1D §9.3.3' : 'IEEE 802.1D §9.3.1');
  const flags = r.u8('bpdu.flags');
  const rootId = { priority: r.u16('bpdu.root.priority'), mac: r.u48('bpdu.root.mac') as Mac };
  const rootPathCost = r.u32('bpdu.root_path_cost');
  const bridgeId = { priority: r.u16('bpdu.bridge.priority'), mac: r.u48('bpdu.bridge.mac') as Mac };
  const portId = r.u16('bpdu.port');
  const messageAge = r.u16('bpdu.message_age');
  const maxAge = r.u16('bpdu.max_age');
  const helloTime = r.u16('bpdu.hello_time');
  const forwardDelay = r.u16('bpdu.forward_delay');
  const version1Length = type === BPDU_TYPE.RST ? r.u8('bpdu.version1_length') : 0;
  return { version, type, flags, rootId, rootPathCost, bridgeId, portId, messageAge, maxAge, helloTime, forwardDelay, version1Length };
}

export function encodeBpdu(w: Writer, b: Bpdu): void {
  w.u16(0).u8(b.version, 'bpdu.version').u8(b.type, 'bpdu.type');
  if (b.type === BPDU_TYPE.TCN) return;
  w.u8(b.flags, 'bpdu.flags').u16(b.rootId.priority, 'bpdu.root.priority').u48(b.rootId.mac, 'bpdu.root.mac');
  w.u32(b.rootPathCost, 'bpdu.root_path_cost').u16(b.bridgeId.priority, 'bpdu.bridge.priority').u48(b.bridgeId.mac, 'bpdu.bridge.mac');
  w.u16(b.portId, 'bpdu.port').u16(b.messageAge, 'bpdu.message_age').u16(b.maxAge, 'bpdu.max_age');
  w.u16(b.helloTime, 'bpdu.hello_time').u16(b.forwardDelay, 'bpdu.forward_delay');
  if (b.type === BPDU_TYPE.RST) w.u8(b.version1Length, 'bpdu.version1_length');
}

/**
 * LACPDUs (IEEE 802.1AX-2014 §6.4.2.3), carried in Slow Protocols frames
 * (EtherType 0x8809, subtype 1, destination 01:80:c2:00:00:02).
 *
 * A version 1 LACPDU is 110 bytes after the EtherType: subtype and
 * version, then the Actor and Partner information TLVs (type 1 and 2,
 * length 20: system priority, system, key, port priority, port, state,
 * 3 reserved), the Collector TLV (type 3, length 16: max delay, 12
 * reserved), the Terminator (type 0, length 0) and 50 reserved bytes.
 * Each TLV's type and length are checked, since a wrong length means the
 * fields after it are misplaced. The state byte's bits are named in
 * LACP_STATE (§6.4.2.3 items n and o).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError } from './errors.js';
import type { Mac } from './types.js';

export const LACP_DST = 0x0180c2000002 as Mac;
export const SLOW_PROTOCOLS_TYPE = 0x8809;
export const LACP_SUBTYPE = 1;
export const LACPDU_LEN = 110;

export const LACP_STATE = {
  ACTIVITY: 0x01, TIMEOUT: 0x02, AGGREGATION: 0x04, SYNCHRONIZATION: 0x08,
  COLLECTING: 0x10, DISTRIBUTING: 0x20, DEFAULTED: 0x40, EXPIRED: 0x80,
} as const;

export interface LacpInfo {
  readonly systemPriority: number;
  readonly system: Mac;
  readonly key: number;
  readonly portPriority: number;
  readonly port: number;
  readonly state: number;
}

export interface Lacpdu {
  readonly version: number;
  readonly actor: LacpInfo;
  readonly partner: LacpInfo;
  readonly collectorMaxDelay: number;
}

function tlv(r: Reader, type: number, len: number, name: string): void {
  const at = r.offset;
  const t = r.u8(`lacp.${name}.type`);
  if (t !== type) throw new DecodeError(`lacp.${name}.type`, at, `TLV type ${t}, expected ${type}`, 'IEEE 802.1AX §6.4.2.3');
  const l = r.u8(`lacp.${name}.length`);
  if (l !== len) throw new DecodeError(`lacp.${name}.length`, at + 1, `TLV length ${l}, expected ${len}`, 'IEEE 802.1AX §6.4.2.3');
}

function info(r: Reader, name: string): LacpInfo {
  const systemPriority = r.u16(`lacp.${name}.system_priority`);
  const system = r.u48(`lacp.${name}.system`) as Mac;
  const key = r.u16(`lacp.${name}.key`);
  const portPriority = r.u16(`lacp.${name}.port_priority`);
  const port = r.u16(`lacp.${name}.port`);
  const state = r.u8(`lacp.${name}.state`);
  r.skip(3, `lacp.${name}.reserved`);
  return { systemPriority, system, key, portPriority, port, state };
}

/** Decodes a LACPDU from the bytes after the Slow Protocols EtherType. */
export function decodeLacp(r: Reader): Lacpdu {
  const start = r.offset;
  r.need(LACPDU_LEN, 'lacp', 'IEEE 802.1AX §6.4.2.3');
  const subtype = r.u8('lacp.subtype');
  if (subtype !== LACP_SUBTYPE) throw new DecodeError('lacp.subtype', start, `subtype ${subtype} is not LACP`, 'IEEE 802.1AX §6.4.2.3');
  const version = r.u8('lacp.version');
  tlv(r, 1, 20, 'actor');
  const actor = info(r, 'actor');
  tlv(r, 2, 20, 'partner');
  const partner = info(r, 'partner');
  tlv(r, 3, 16, 'collector');
  const collectorMaxDelay = r.u16('lacp.collector.max_delay');
  r.skip(12, 'lacp.collector.reserved');
  tlv(r, 0, 0, 'terminator');
  r.skip(50, 'lacp.reserved');
  return { version, actor, partner, collectorMaxDelay };
}

function putInfo(w: Writer, type: number, i: LacpInfo): void {
  w.u8(type).u8(20).u16(i.systemPriority, 'lacp.system_priority').u48(i.system, 'lacp.system').u16(i.key, 'lacp.key');
  w.u16(i.portPriority, 'lacp.port_priority').u16(i.port, 'lacp.port').u8(i.state, 'lacp.state').zeros(3);
}

export function encodeLacp(w: Writer, p: Lacpdu): void {
  w.u8(LACP_SUBTYPE).u8(p.version, 'lacp.version');
  putInfo(w, 1, p.actor);
  putInfo(w, 2, p.partner);
  w.u8(3).u8(16).u16(p.collectorMaxDelay, 'lacp.collector.max_delay').zeros(12);
  w.u8(0).u8(0).zeros(50);
}

/**
 * Packets between switch and controller: packet_in in its three forms
 * (OpenFlow's OFPT_PACKET_IN of 1.0 and 1.3, Nicira's NXT_PACKET_IN and
 * the property-based NXT_PACKET_IN2 that ovs-ofctl monitor asks for) and
 * packet_out.
 *
 * A packet_in carries the packet's pipeline metadata as a match: the
 * input port plus every nonzero tunnel/metadata/register field, which is
 * how a controller learns where the packet came from. Weft never buffers
 * packets, so buffer_id is always OFP_NO_BUFFER and the data is the whole
 * packet (truncated to the requested max_len).
 */
import { type Match, emptyMatch, matchValue, setMatchField } from '../packet/match.js';
import type { FlowField } from '../packet/flow.js';
import { Reader, Writer, buildMessage, buildNx, bodyReader, vendorOf, type OfMessage } from './message.js';
import { OfError } from './errors.js';
import { NXPIF, NXT, OFP10, OFP_NO_BUFFER, port10To11, port11To10 } from './constants.js';
import type { OfAction } from './actions.js';
import { decodeNxMatch, decodeOfpMatch, encodeNxMatch, encodeOfpMatch } from './nx-match.js';
import { decodeActions, encodeActions, encodeContext, verifyActions } from './action-codec.js';

export interface PacketIn {
  readonly data: Uint8Array;
  readonly totalLen: number;
  readonly reason: number;
  readonly tableId: number;
  readonly cookie: bigint;
  /** in_port and the nonzero pipeline fields. */
  readonly metadata: Match;
  readonly userdata: Uint8Array | null;
}

const PIPELINE: readonly FlowField[] = [
  'tun_id', 'tun_src', 'tun_dst', 'metadata', 'pkt_mark',
  ...Array.from({ length: 16 }, (_, i) => `reg${i}` as FlowField),
];

/** The metadata match a packet_in carries for flow `flow`. */
export function packetInMetadata(flow: Readonly<Record<string, unknown>>): Match {
  const m = emptyMatch();
  setMatchField(m, 'in_port', Number(flow.in_port ?? 0));
  for (const f of PIPELINE) {
    const v = flow[f];
    if (v === undefined || v === 0 || v === 0n) continue;
    setMatchField(m, f, (f === 'tun_id' || f === 'metadata' ? BigInt(v as number | bigint) : Number(v)) as never);
  }
  return m;
}

const NXPINT = { PACKET: 0, FULL_LEN: 1, BUFFER_ID: 2, TABLE_ID: 3, COOKIE: 4, REASON: 5, METADATA: 6, USERDATA: 7 } as const;

function prop(w: Writer, type: number, body: (w: Writer) => void): void {
  const start = w.length;
  w.u16(type).u16(0);
  body(w);
  const len = w.length - start;
  w.set16(start + 2, len);
  w.zeros(((len + 7) & ~7) - len);
}

export function encodePacketIn(pi: PacketIn, version: number, format: number): Uint8Array {
  const inPort = matchValue(pi.metadata, 'in_port');
  if (format === NXPIF.NXT_PACKET_IN2) {
    return buildNx(version, 0, NXT.PACKET_IN2, (w) => {
      prop(w, NXPINT.PACKET, (b) => b.bytes(pi.data));
      if (pi.totalLen !== pi.data.length) prop(w, NXPINT.FULL_LEN, (b) => b.u32(pi.totalLen));
      prop(w, NXPINT.TABLE_ID, (b) => b.u8(pi.tableId));
      prop(w, NXPINT.COOKIE, (b) => b.zeros(4).u64(pi.cookie));
      prop(w, NXPINT.REASON, (b) => b.u8(pi.reason));
      prop(w, NXPINT.METADATA, (b) => { encodeNxMatch(b, pi.metadata, version === OFP10 ? 4 : version); });
      if (pi.userdata) prop(w, NXPINT.USERDATA, (b) => b.bytes(pi.userdata!));
    });
  }
  if (format === NXPIF.NXT_PACKET_IN) {
    return buildNx(version, 0, NXT.PACKET_IN, (w) => {
      w.u32(OFP_NO_BUFFER).u16(pi.totalLen).u8(pi.reason).u8(pi.tableId).u64(pi.cookie);
      const at = w.length;
      w.u16(0).zeros(6);
      const n = encodeNxMatch(w, pi.metadata, 0);
      w.set16(at, n);
      w.zeros(((n + 7) & ~7) - n + 2);
      w.bytes(pi.data);
    });
  }
  if (version === OFP10) {
    return buildMessage(version, 'PACKET_IN', 0, (w) => {
      w.u32(OFP_NO_BUFFER).u16(pi.totalLen).u16(inPort).u8(pi.reason).u8(0).bytes(pi.data);
    });
  }
  return buildMessage(version, 'PACKET_IN', 0, (w) => {
    w.u32(OFP_NO_BUFFER).u16(pi.totalLen).u8(pi.reason).u8(pi.tableId).u64(pi.cookie);
    encodeOfpMatch(w, pi.metadata, version);
    w.zeros(2).bytes(pi.data);
  });
}

/** Decodes any packet_in form (for controllers and `weft ofctl monitor`). */
export function decodePacketIn(m: OfMessage, nxSubtype?: number): PacketIn {
  if (nxSubtype === NXT.PACKET_IN2) {
    const { body: r } = vendorOf(m);
    let data: Uint8Array = new Uint8Array(0), totalLen = -1, reason = 0, tableId = 0, cookie = 0n, userdata: Uint8Array | null = null;
    let metadata = emptyMatch();
    while (r.remaining >= 4) {
      const type = r.u16('prop.type'), len = r.u16('prop.len');
      if (len < 4) throw new OfError('OFPBPC_BAD_LEN');
      const b = r.sub(len - 4, 'prop');
      r.skip(Math.min(((len + 7) & ~7) - len, r.remaining), 'prop.pad');
      switch (type) {
        case NXPINT.PACKET: data = Uint8Array.from(b.rest()); break;
        case NXPINT.FULL_LEN: totalLen = b.u32('full_len'); break;
        case NXPINT.TABLE_ID: tableId = b.u8('table_id'); break;
        case NXPINT.COOKIE: b.skip(4, 'pad'); cookie = b.u64('cookie'); break;
        case NXPINT.REASON: reason = b.u8('reason'); break;
        case NXPINT.METADATA: metadata = decodeNxMatch(b, b.remaining).match; break;
        case NXPINT.USERDATA: userdata = Uint8Array.from(b.rest()); break;
        default: break;
      }
    }
    return { data, totalLen: totalLen < 0 ? data.length : totalLen, reason, tableId, cookie, metadata, userdata };
  }
  const r = bodyReader(m);
  if (nxSubtype === NXT.PACKET_IN) {
    r.skip(8, 'nx');
    r.skip(4, 'buffer_id');
    const totalLen = r.u16('total_len'), reason = r.u8('reason'), tableId = r.u8('table_id'), cookie = r.u64('cookie');
    const matchLen = r.u16('match_len');
    r.skip(6, 'pad');
    const metadata = decodeNxMatch(r, matchLen).match;
    r.skip(((matchLen + 7) & ~7) - matchLen + 2, 'pad');
    return { data: Uint8Array.from(r.rest()), totalLen, reason, tableId, cookie, metadata, userdata: null };
  }
  r.skip(4, 'buffer_id');
  if (m.version === OFP10) {
    const totalLen = r.u16('total_len'), inPort = r.u16('in_port'), reason = r.u8('reason');
    r.skip(1, 'pad');
    const metadata = emptyMatch();
    setMatchField(metadata, 'in_port', inPort);
    return { data: Uint8Array.from(r.rest()), totalLen, reason, tableId: 0, cookie: 0n, metadata, userdata: null };
  }
  const totalLen = r.u16('total_len'), reason = r.u8('reason'), tableId = r.u8('table_id'), cookie = r.u64('cookie');
  const metadata = decodeOfpMatch(r).match;
  r.skip(2, 'pad');
  return { data: Uint8Array.from(r.rest()), totalLen, reason, tableId, cookie, metadata, userdata: null };
}

export interface PacketOut {
  readonly bufferId: number;
  readonly inPort: number;
  readonly actions: readonly OfAction[];
  readonly data: Uint8Array;
}

export function decodePacketOut(m: OfMessage): PacketOut {
  const r = bodyReader(m);
  let bufferId: number, inPort: number, actionsLen: number;
  if (m.version === OFP10) {
    if (r.remaining < 8) throw new OfError('OFPBRC_BAD_LEN', 'packet_out');
    bufferId = r.u32('buffer_id'); inPort = r.u16('in_port'); actionsLen = r.u16('actions_len');
  } else {
    if (r.remaining < 16) throw new OfError('OFPBRC_BAD_LEN', 'packet_out');
    bufferId = r.u32('buffer_id');
    const p = port11To10(r.u32('in_port'));
    if (p === null) throw new OfError('OFPBRC_BAD_PORT');
    inPort = p;
    actionsLen = r.u16('actions_len');
    r.skip(6, 'pad');
  }
  if (actionsLen > r.remaining) throw new OfError('OFPBRC_BAD_LEN', 'packet_out actions overrun');
  const actions = decodeActions(r, actionsLen, m.version);
  verifyActions(actions);
  if (bufferId !== OFP_NO_BUFFER) throw new OfError('OFPBRC_BUFFER_UNKNOWN');
  return { bufferId, inPort, actions, data: Uint8Array.from(r.rest()) };
}

export function encodePacketOut(po: PacketOut, version: number, xid: number): Uint8Array {
  return buildMessage(version, 'PACKET_OUT', xid, (w) => {
    const at = version === OFP10 ? 14 : 16;
    if (version === OFP10) w.u32(po.bufferId).u16(po.inPort).u16(0);
    else w.u32(po.bufferId).u32(port10To11(po.inPort)).u16(0).zeros(6);
    const start = w.length;
    encodeActions(w, po.actions, version, encodeContext(null));
    w.set16(at, w.length - start);
    w.bytes(po.data);
  });
}

export { Reader };

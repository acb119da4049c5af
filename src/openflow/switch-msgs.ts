/**
 * The switch-description messages: hello (version bitmaps), features,
 * switch config, port descriptions and statistics, table statistics and
 * features, the description string, port_status and port_mod, role
 * request/reply. Each is a pure encode/decode pair over the model types
 * below; the connection manager fills the models from the bridge.
 *
 * Ports are 48-byte `ofp_phy_port`s in OpenFlow 1.0 and 64-byte
 * `ofp_port`s (32-bit numbers, speeds in kb/s) in 1.3. Counters a switch
 * does not keep are all-ones, which ovs-ofctl prints as "?".
 */
import { Reader, Writer, buildMessage, bodyReader, statsHeader, type OfMessage } from './message.js';
import { OfError } from './errors.js';
import { OFP10, OFP13, OFPMP, OFPP, OFPPS, N_TABLES, port10To11, port11To10 } from './constants.js';

// ---- hello ----

const OFPHET_VERSIONBITMAP = 1;

/** Hello advertising `versions`; the header carries the highest, the bitmap all of them. */
export function encodeHello(versions: readonly number[], xid: number): Uint8Array {
  const top = Math.max(...versions);
  let bitmap = 0;
  for (const v of versions) bitmap |= 1 << v;
  const contiguous = bitmap === ((1 << (top + 1)) - 2);
  return buildMessage(top, 'HELLO', xid, (w) => {
    if (contiguous) return;
    w.u16(OFPHET_VERSIONBITMAP).u16(8).u32(bitmap >>> 0);
  });
}

/** The versions a peer's hello offers: its bitmap if it has one, else every version up to its header's. */
export function helloVersions(m: OfMessage): number[] {
  const r = bodyReader(m);
  while (r.remaining >= 4) {
    const type = r.u16('hello_elem.type'), len = r.u16('hello_elem.length');
    if (len < 4 || len - 4 > r.remaining) break;
    const body = r.sub(len - 4, 'hello_elem');
    r.skip(Math.min(((len + 7) & ~7) - len, r.remaining), 'hello_elem.pad');
    if (type !== OFPHET_VERSIONBITMAP) continue;
    const out: number[] = [];
    for (let word = 0; body.remaining >= 4; word++) {
      const bits = body.u32('bitmap');
      for (let b = 0; b < 32; b++) if (bits & (1 << b)) out.push(word * 32 + b);
    }
    return out.filter((v) => v >= 1);
  }
  return Array.from({ length: m.version }, (_, i) => i + 1);
}

// ---- features ----

export interface PortDesc {
  readonly portNo: number;
  readonly hwAddr: number;
  readonly name: string;
  readonly config: number;
  readonly state: number;
  readonly curr: number;
  readonly advertised: number;
  readonly supported: number;
  readonly peer: number;
  readonly currSpeed: number;
  readonly maxSpeed: number;
}

export interface Features {
  readonly datapathId: bigint;
  readonly nTables: number;
  readonly ports: readonly PortDesc[];
}

function putName(w: Writer, name: string, len: number): void {
  const b = Buffer.from(name, 'utf8').subarray(0, len - 1);
  w.bytes(b).zeros(len - b.length);
}

function readName(r: Reader, len: number): string {
  const b = r.bytes(len, 'name');
  const end = b.indexOf(0);
  return Buffer.from(end < 0 ? b : b.subarray(0, end)).toString('utf8');
}

export function encodePort(w: Writer, p: PortDesc, version: number): void {
  if (version === OFP10) {
    w.u16(p.portNo).u48(p.hwAddr);
    putName(w, p.name, 16);
    // OpenFlow 1.0 has no LIVE bit (that bit is an STP state there).
    w.u32(p.config).u32(p.state & ~OFPPS.LIVE).u32(p.curr).u32(p.advertised).u32(p.supported).u32(p.peer);
    return;
  }
  w.u32(port10To11(p.portNo)).zeros(4).u48(p.hwAddr).zeros(2);
  putName(w, p.name, 16);
  w.u32(p.config).u32(p.state).u32(p.curr).u32(p.advertised).u32(p.supported).u32(p.peer).u32(p.currSpeed).u32(p.maxSpeed);
}

export function decodePort(r: Reader, version: number): PortDesc {
  if (version === OFP10) {
    const portNo = r.u16('port_no'), hwAddr = r.u48('hw_addr'), name = readName(r, 16);
    return { portNo, hwAddr, name, config: r.u32('config'), state: r.u32('state'), curr: r.u32('curr'), advertised: r.u32('advertised'), supported: r.u32('supported'), peer: r.u32('peer'), currSpeed: 0, maxSpeed: 0 };
  }
  const portNo = port11To10(r.u32('port_no')) ?? 0;
  r.skip(4, 'pad');
  const hwAddr = r.u48('hw_addr');
  r.skip(2, 'pad2');
  const name = readName(r, 16);
  return {
    portNo, hwAddr, name, config: r.u32('config'), state: r.u32('state'), curr: r.u32('curr'), advertised: r.u32('advertised'),
    supported: r.u32('supported'), peer: r.u32('peer'), currSpeed: r.u32('curr_speed'), maxSpeed: r.u32('max_speed'),
  };
}

/** Capabilities OVS reports: flow, table, port and queue stats (+ ARP_MATCH_IP in 1.0, group stats in 1.3). */
export function encodeFeaturesReply(f: Features, version: number, xid: number): Uint8Array {
  return buildMessage(version, 'FEATURES_REPLY', xid, (w) => {
    w.u64(f.datapathId).u32(0).u8(f.nTables);
    if (version === OFP10) {
      w.zeros(3).u32(0xc7).u32(0xfff);
      for (const p of f.ports) encodePort(w, p, version);
    } else {
      w.u8(0).zeros(2).u32(0x4f).u32(0);
    }
  });
}

export function decodeFeaturesReply(m: OfMessage): Features {
  const r = bodyReader(m);
  const datapathId = r.u64('datapath_id');
  r.skip(4, 'n_buffers');
  const nTables = r.u8('n_tables');
  r.skip(3 + 4 + 4, 'rest');
  const ports: PortDesc[] = [];
  if (m.version === OFP10) while (r.remaining >= 48) ports.push(decodePort(r, m.version));
  return { datapathId, nTables, ports };
}

// ---- switch config ----

export interface SwitchConfig { readonly flags: number; readonly missSendLen: number }

export function encodeConfig(c: SwitchConfig, version: number, xid: number, type: 'GET_CONFIG_REPLY' | 'SET_CONFIG'): Uint8Array {
  return buildMessage(version, type, xid, (w) => { w.u16(c.flags).u16(c.missSendLen); });
}

export function decodeConfig(m: OfMessage): SwitchConfig {
  const r = bodyReader(m);
  if (r.remaining < 4) throw new OfError('OFPBRC_BAD_LEN', 'switch_config');
  return { flags: r.u16('flags'), missSendLen: r.u16('miss_send_len') };
}

// ---- port stats ----

/** Port counters; null for one the switch does not keep (sent as all-ones, printed "?"). */
export interface PortStats {
  readonly portNo: number;
  readonly rxPackets: number; readonly txPackets: number;
  readonly rxBytes: number; readonly txBytes: number;
  readonly rxDropped: number | null; readonly txDropped: number | null;
  readonly rxErrors: number | null; readonly txErrors: number | null;
  readonly durationSec: number; readonly durationNsec: number;
}

const UNKNOWN = 0xffffffffffffffffn;

export function encodePortStats(w: Writer, s: PortStats, version: number): void {
  if (version === OFP10) w.u16(s.portNo).zeros(6);
  else w.u32(port10To11(s.portNo)).zeros(4);
  for (const n of [s.rxPackets, s.txPackets, s.rxBytes, s.txBytes, s.rxDropped, s.txDropped, s.rxErrors, s.txErrors]) w.u64(n === null ? UNKNOWN : BigInt(n));
  w.u64(UNKNOWN).u64(UNKNOWN).u64(UNKNOWN).u64(UNKNOWN);
  if (version >= OFP13) w.u32(s.durationSec).u32(s.durationNsec);
}

export function decodePortStats(r: Reader, version: number): PortStats & { unknown: readonly bigint[] } {
  const portNo = version === OFP10 ? r.u16('port_no') : port11To10(r.u32('port_no')) ?? 0;
  r.skip(version === OFP10 ? 6 : 4, 'pad');
  const c = Array.from({ length: 12 }, () => r.u64('counter'));
  const durationSec = version >= OFP13 ? r.u32('duration_sec') : 0, durationNsec = version >= OFP13 ? r.u32('duration_nsec') : 0;
  const n = (i: number) => Number(c[i]!);
  const opt = (i: number) => (c[i] === UNKNOWN ? null : Number(c[i]!));
  return {
    portNo, rxPackets: n(0), txPackets: n(1), rxBytes: n(2), txBytes: n(3), rxDropped: opt(4), txDropped: opt(5),
    rxErrors: opt(6), txErrors: opt(7), durationSec, durationNsec, unknown: c,
  };
}

/** The port a port stats (or port desc, 1.5) request asks about; ANY for all. */
export function decodePortStatsRequest(r: Reader, version: number): number {
  if (version === OFP10) return r.remaining >= 2 ? r.u16('port_no') : OFPP.ANY;
  if (r.remaining < 4) return OFPP.ANY;
  const p = port11To10(r.u32('port_no'));
  if (p === null) throw new OfError('OFPBRC_BAD_PORT');
  return p;
}

// ---- description, tables ----

export interface SwitchDesc { readonly mfr: string; readonly hw: string; readonly sw: string; readonly serial: string; readonly dp: string }

export function encodeDesc(w: Writer, d: SwitchDesc): void {
  putName(w, d.mfr, 256); putName(w, d.hw, 256); putName(w, d.sw, 256); putName(w, d.serial, 32); putName(w, d.dp, 256);
}

export interface TableStats { readonly tableId: number; readonly active: number; readonly lookup: number; readonly matched: number }

export function encodeTableStats(w: Writer, t: TableStats, version: number): void {
  if (version === OFP10) {
    w.u8(t.tableId).zeros(3);
    putName(w, '', 32);
    w.u32(0x3fffff).u32(1000000).u32(t.active).u64(BigInt(t.lookup)).u64(BigInt(t.matched));
    return;
  }
  w.u8(t.tableId).zeros(3).u32(t.active).u64(BigInt(t.lookup)).u64(BigInt(t.matched));
}

const INSTRUCTION_TYPES = [1, 2, 3, 4, 5, 6];
const ACTION_TYPES = [0, 17, 18, 21, 22, 23, 24, 25];

function tfProp(w: Writer, type: number, body: (w: Writer) => void): void {
  const start = w.length;
  w.u16(type).u16(0);
  body(w);
  const len = w.length - start;
  w.set16(start + 2, len);
  w.zeros(((len + 7) & ~7) - len);
}

/** One ofp_table_features entry: what the table matches, wildcards, sets, and where it may go next. */
export function encodeTableFeatures(w: Writer, tableId: number, maxEntries: number, oxm: { match: readonly number[]; maskable: ReadonlySet<number>; settable: readonly number[] }): void {
  const start = w.length;
  w.u16(0).u8(tableId).zeros(5);
  putName(w, '', 32);
  w.u64(0xffffffffffffffffn).u64(0xffffffffffffffffn).u32(3).u32(maxEntries);
  const headers = (list: readonly number[], masked = false) => (b: Writer) => {
    for (const h of list) b.u32((masked && oxm.maskable.has(h) ? h | 0x100 : h) >>> 0);
  };
  tfProp(w, 0, (b) => { for (const t of INSTRUCTION_TYPES) b.u16(t).u16(4); });
  tfProp(w, 2, (b) => { for (let t = tableId + 1; t < N_TABLES; t++) b.u8(t); });
  tfProp(w, 4, (b) => { for (const t of ACTION_TYPES) b.u16(t).u16(4); });
  tfProp(w, 6, (b) => { for (const t of ACTION_TYPES) b.u16(t).u16(4); });
  tfProp(w, 8, headers(oxm.match, true));
  tfProp(w, 10, headers(oxm.match));
  tfProp(w, 12, headers(oxm.settable));
  tfProp(w, 14, headers(oxm.settable));
  w.set16(start, w.length - start);
}

// ---- port_status, port_mod ----

export function encodePortStatus(reason: number, p: PortDesc, version: number): Uint8Array {
  return buildMessage(version, 'PORT_STATUS', 0, (w) => { w.u8(reason).zeros(7); encodePort(w, p, version); });
}

export interface PortMod { readonly portNo: number; readonly hwAddr: number; readonly config: number; readonly mask: number; readonly advertise: number }

export function decodePortMod(m: OfMessage): PortMod {
  const r = bodyReader(m);
  if (m.version === OFP10) {
    if (r.remaining < 24) throw new OfError('OFPBRC_BAD_LEN', 'port_mod');
    return { portNo: r.u16('port_no'), hwAddr: r.u48('hw_addr'), config: r.u32('config'), mask: r.u32('mask'), advertise: r.u32('advertise') };
  }
  if (r.remaining < 32) throw new OfError('OFPBRC_BAD_LEN', 'port_mod');
  const p = port11To10(r.u32('port_no'));
  if (p === null) throw new OfError('OFPPMFC_BAD_PORT');
  r.skip(4, 'pad');
  const hwAddr = r.u48('hw_addr');
  r.skip(2, 'pad2');
  return { portNo: p, hwAddr, config: r.u32('config'), mask: r.u32('mask'), advertise: r.u32('advertise') };
}

export function encodePortMod(pm: PortMod, version: number, xid: number): Uint8Array {
  return buildMessage(version, 'PORT_MOD', xid, (w) => {
    if (version === OFP10) w.u16(pm.portNo).u48(pm.hwAddr).u32(pm.config).u32(pm.mask).u32(pm.advertise).zeros(4);
    else w.u32(port10To11(pm.portNo)).zeros(4).u48(pm.hwAddr).zeros(2).u32(pm.config).u32(pm.mask).u32(pm.advertise).zeros(4);
  });
}

// ---- multipart helpers ----

/** Builds one or more multipart replies of `type`, splitting `entries` so none exceeds 64 KiB. */
export function multipartReplies(version: number, xid: number, type: number, entries: readonly Uint8Array[], head?: (w: Writer) => void): Uint8Array[] {
  const out: Uint8Array[] = [];
  const max = 0xffff - 64;
  let i = 0;
  do {
    const batch: Uint8Array[] = [];
    let size = 0;
    while (i < entries.length && (batch.length === 0 || size + entries[i]!.length <= max)) { size += entries[i]!.length; batch.push(entries[i]!); i++; }
    const more = i < entries.length;
    out.push(buildMessage(version, 'STATS_REPLY', xid, (w) => {
      if (head) head(w); else statsHeader(w, version, type, more ? 1 : 0);
      if (head && more) w.set16(10, 1);
      for (const e of batch) w.bytes(e);
    }));
  } while (i < entries.length);
  return out;
}

export { OFPMP };

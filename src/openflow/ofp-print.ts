/**
 * OpenFlow messages as ovs-ofctl prints them (OVS's ofp-print), for the
 * replies `weft ofctl` shows: message headers (`OFPST_FLOW reply (OF1.3)
 * (xid=0x2): flags=[more]`), errors with the request they refuse
 * (decoded, or `***decode error: ...***` and a hex dump), features and
 * port descriptions, port and table statistics, groups, aggregates,
 * switch description and config, packet-ins.
 */
import { formatMac } from '../packet/types.js';
import { extractFlow } from '../packet/flow.js';
import { formatMatch } from '../packet/flow-syntax.js';
import { matchForPacket } from '../packet/match.js';
import { PORT_NAMES } from '../packet/ports.js';
import { errorName } from './errors.js';
import { NXT, OFP10, OFPMP, msgName, type MsgName } from './constants.js';
import { type OfMessage, bodyReader, statsOf, vendorOf, OFPSF_REPLY_MORE } from './message.js';
import { decodeFlowMod } from './flow-mod.js';
import { formatFlowMod } from './ofctl-syntax.js';
import { checkActions } from './flow-table.js';
import { OfError } from './errors.js';
import { decodePort, type PortDesc } from './switch-msgs.js';
import { decodePacketIn } from './packet-msgs.js';
import { decodeGroupMod, formatGroup } from './group.js';

const VERSION_TAG: Record<number, string> = { 1: '', 2: ' (OF1.1)', 3: ' (OF1.2)', 4: ' (OF1.3)', 5: ' (OF1.4)', 6: ' (OF1.5)' };

const STATS_NAMES: Record<number, string> = {
  [OFPMP.DESC]: 'DESC', [OFPMP.FLOW]: 'FLOW', [OFPMP.AGGREGATE]: 'AGGREGATE', [OFPMP.TABLE]: 'TABLE', [OFPMP.PORT_STATS]: 'PORT',
  [OFPMP.QUEUE]: 'QUEUE', [OFPMP.GROUP]: 'GROUP', [OFPMP.GROUP_DESC]: 'GROUP_DESC', [OFPMP.GROUP_FEATURES]: 'GROUP_FEATURES',
  [OFPMP.METER]: 'METER', [OFPMP.METER_CONFIG]: 'METER_CONFIG', [OFPMP.METER_FEATURES]: 'METER_FEATURES',
  [OFPMP.TABLE_FEATURES]: 'TABLE_FEATURES', [OFPMP.PORT_DESC]: 'PORT_DESC',
};

const NX_NAMES: Record<number, string> = {
  [NXT.FLOW_MOD]: 'NXT_FLOW_MOD', [NXT.PACKET_IN]: 'NXT_PACKET_IN', [NXT.PACKET_IN2]: 'NXT_PACKET_IN2', [NXT.FLOW_REMOVED]: 'NXT_FLOW_REMOVED',
  [NXT.SET_FLOW_FORMAT]: 'NXT_SET_FLOW_FORMAT', [NXT.ROLE_REPLY]: 'NXT_ROLE_REPLY',
};

/** "OFPST_FLOW reply (OF1.3) (xid=0x2):" and the like. */
export function header(m: OfMessage): string {
  const name = msgName(m.version, m.type);
  let text: string;
  let flags = '';
  if (name === 'STATS_REPLY' || name === 'STATS_REQUEST') {
    const st = statsOf(m);
    const kind = name === 'STATS_REPLY' ? 'reply' : 'request';
    text = st.type === 0xffff ? `NXST_${st.subtype === 0 ? 'FLOW' : st.subtype === 1 ? 'AGGREGATE' : st.subtype} ${kind}` : `OFPST_${STATS_NAMES[st.type] ?? st.type} ${kind}`;
    if (st.flags & OFPSF_REPLY_MORE) flags = ' flags=[more]';
  } else if (name === 'VENDOR') {
    text = NX_NAMES[vendorOf(m).subtype] ?? `NXT_${vendorOf(m).subtype}`;
  } else text = `OFPT_${name ?? m.type}`;
  return `${text}${VERSION_TAG[m.version] ?? ''} (xid=0x${m.xid.toString(16)}):${flags}`;
}

/** OVS's hex dump with offsets and ASCII (ovs_hex_dump). */
export function hexDump(b: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < b.length; off += 16) {
    const row = b.subarray(off, off + 16);
    let hex = '';
    for (let i = 0; i < 16; i++) hex += i < row.length ? row[i]!.toString(16).padStart(2, '0') + (i === 7 ? '-' : ' ') : '   ';
    const ascii = [...row].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('').padEnd(16, ' ');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex}|${ascii}|`);
  }
  return lines.join('\n');
}

/** The refused request inside an error, as ofp-print shows it. */
function printRequest(req: OfMessage): string {
  const name = msgName(req.version, req.type) as MsgName | undefined;
  const nx = name === 'VENDOR' && req.bytes.length >= 16 && vendorOf(req).subtype === NXT.FLOW_MOD;
  if (name === 'FLOW_MOD' || nx) {
    try {
      const fm = decodeFlowMod(req, { version: req.version, nxm: nx, tableIdExt: true }, nx);
      checkActions(fm.actions, fm.match, fm.tableId === 255 ? 0 : fm.tableId, { version: req.version, groupExists: () => true });
      return `${header(req)}${formatFlowMod(fm, req.version)}`;
    } catch (e) {
      const what = e instanceof OfError ? e.error : 'OFPBRC_BAD_LEN';
      return `${header(req)} ***decode error: ${what}***\n${hexDump(req.bytes)}`;
    }
  }
  if (name === 'GROUP_MOD') {
    try {
      const gm = decodeGroupMod(req);
      return `${header(req)}\n ${['ADD', 'MOD', 'DEL'][gm.command] ?? `cmd:${gm.command}`} ${formatGroup(gm)}`;
    } catch (e) {
      return `${header(req)} ***decode error: ${e instanceof OfError ? e.error : 'OFPBRC_BAD_LEN'}***\n${hexDump(req.bytes)}`;
    }
  }
  return header(req);
}

/** An OFPT_ERROR as ovs-ofctl prints it: the error name, then the request it refers to. */
export function formatError(m: OfMessage): string {
  const r = bodyReader(m);
  const type = r.u16('type'), code = r.u16('code');
  const rest = r.rest();
  const { name, dataOffset } = errorName(m.version, type, code, rest);
  const data = rest.subarray(dataOffset);
  let out = `${header(m)} ${name ?? `***unknown error type ${type} code ${code}***`}`;
  if (type === 0) return `${out}\n${Buffer.from(data).toString()}`;
  if (data.length >= 8) {
    const len = Math.min((data[2]! << 8) | data[3]!, data.length);
    const req: OfMessage = { version: data[0]!, type: data[1]!, xid: new DataView(data.buffer, data.byteOffset).getUint32(4), bytes: data.slice(0, len) };
    out += `\n${printRequest(req)}`;
  }
  return out;
}

export function portName(p: number, names?: Map<number, string>): string {
  return PORT_NAMES.get(p) ?? names?.get(p) ?? String(p);
}

const CONFIG_BITS: Array<[number, string]> = [[1, 'PORT_DOWN'], [4, 'NO_RECV'], [32, 'NO_FWD'], [64, 'NO_PACKET_IN']];
const STATE_BITS: Array<[number, string]> = [[1, 'LINK_DOWN'], [4, 'LIVE']];

function bits(v: number, names: Array<[number, string]>): string {
  if (!v) return '0';
  return names.filter(([b]) => v & b).map(([, n]) => n).join(' ');
}

export function formatPortDesc(p: PortDesc): string {
  const no = p.portNo === 0xfffe ? 'LOCAL' : String(p.portNo);
  return [
    ` ${no}(${p.name}): addr:${formatMac(p.hwAddr)}`,
    `     config:     ${bits(p.config, CONFIG_BITS)}`,
    `     state:      ${bits(p.state, STATE_BITS)}`,
    `     speed: ${Math.floor(p.currSpeed / 1000)} Mbps now, ${Math.floor(p.maxSpeed / 1000)} Mbps max`,
  ].join('\n');
}

/** Ports in ovs-ofctl's order: numbered ports ascending, then reserved ones. */
export function sortPorts(ports: PortDesc[]): PortDesc[] {
  return [...ports].sort((a, b) => a.portNo - b.portNo);
}

export function decodePortDescReply(m: OfMessage): PortDesc[] {
  const r = statsOf(m).body;
  const out: PortDesc[] = [];
  const size = m.version === OFP10 ? 48 : 64;
  while (r.remaining >= size) out.push(decodePort(r, m.version));
  return out;
}

/** A packet-in as `ovs-ofctl monitor` prints it. */
export function formatPacketIn(m: OfMessage): string {
  const nx = msgName(m.version, m.type) === 'VENDOR' ? vendorOf(m).subtype : undefined;
  const pi = decodePacketIn(m, nx);
  const reasons = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];
  const inPort = Number(pi.metadata.fields.in_port ?? 0);
  const meta = formatMatch({ fields: { ...pi.metadata.fields, in_port: undefined }, masks: { ...pi.metadata.masks, in_port: undefined } } as never);
  const head = `${header(m)} ${nx === NXT.PACKET_IN2 || nx === NXT.PACKET_IN || m.version > OFP10 ? `cookie=0x${pi.cookie.toString(16)} ` : ''}total_len=${pi.totalLen} ${meta ? meta + ',' : ''}in_port=${portName(inPort)} (via ${reasons[pi.reason] === 'no_match' ? 'no_match' : reasons[pi.reason] ?? pi.reason}) data_len=${pi.data.length} (unbuffered)`;
  const { key } = extractFlow(pi.data, 0);
  const flow = formatMatch({ ...matchForPacket(key), masks: { ...matchForPacket(key).masks, in_port: undefined } } as never);
  const userdata = pi.userdata ? `\n userdata=${[...pi.userdata].map((b) => b.toString(16).padStart(2, '0')).join('.')}` : '';
  return `${head}${userdata}\n${flow}`;
}

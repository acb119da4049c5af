/**
 * ovs-ofctl's action syntax (ovs-actions(7)): `parseActions` reads what
 * `add-flow` accepts after `actions=`, `formatActions` prints an action
 * list exactly as `ovs-ofctl dump-flows` does (OVS's ofpacts_format).
 *
 * Parsing follows OVS's tokenizer: comma-separated `key`, `key:value`,
 * `key=value` or `key(value)` items, parentheses nesting; keywords are
 * case-insensitive; a bare port number or name is an output. Errors use
 * OVS's wording ("unknown action foo", "X: not a valid VLAN VID").
 *
 * Field values in set_field/learn print per the field's format: MACs,
 * dotted quads, IPv6, decimal, or 0x-hex (ovs-fields(7) "Formatting").
 */
import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from '../packet/types.js';
import { PORT_NAMES, portFromName } from '../packet/ports.js';
import type { LearnAction, LearnSpec, OfAction, Subfield } from './actions.js';
import { INSTRUCTION_ORDER } from './actions.js';
import { type MfField, FIELDS, bigToBytes, fieldByName, onesBig, subfieldName } from './fields.js';
import { OFPP } from './constants.js';

export class ActionSyntaxError extends Error {
  override readonly name = 'ActionSyntaxError';
}

export interface ActionFormatOptions {
  readonly portName?: (port: number) => string | undefined;
}

export interface ActionParseOptions {
  readonly portByName?: (name: string) => number | undefined;
}

// ---- field values ----

const HEX_FIELDS = new Set(['tun_id', 'metadata', 'pkt_mark', 'eth_type', 'vlan_tci', 'ipv6_label']);
const REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

function fieldKind(f: MfField): 'mac' | 'ipv4' | 'ipv6' | 'hex' | 'dec' | 'port' {
  if (f.name === 'in_port' || f.name === 'in_port_oxm') return 'port';
  if (f.bytes === 6) return 'mac';
  if (f.bytes === 16) return 'ipv6';
  if (['ip_src', 'ip_dst', 'arp_spa', 'arp_tpa', 'tun_src', 'tun_dst'].includes(f.name)) return 'ipv4';
  if (HEX_FIELDS.has(f.name) || f.name.startsWith('reg')) return 'hex';
  return 'dec';
}

function hex(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

function formatPort(p: number, opts: ActionFormatOptions): string {
  return PORT_NAMES.get(p) ?? opts.portName?.(p) ?? String(p);
}

/** A field value (and mask, unless all ones) as OVS's mf_format prints it. */
export function formatFieldValue(f: MfField, value: bigint, mask: bigint | null, opts: ActionFormatOptions = {}): string {
  const full = mask === null || mask === onesBig(f.bytes * 8);
  const one = (v: bigint): string => {
    switch (fieldKind(f)) {
      case 'mac': return formatMac(Number(v));
      case 'ipv4': return formatIpv4(Number(v));
      case 'ipv6': return formatIpv6(bigToBytes(v, 16));
      case 'hex': return hex(v);
      case 'port': return formatPort(Number(v), opts);
      default: return v.toString();
    }
  };
  if (full) return one(value);
  const kind = fieldKind(f);
  return `${one(value)}/${kind === 'dec' ? hex(mask!) : one(mask!)}`;
}

function parseCInt(s: string): bigint | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return BigInt(s);
  if (/^[0-9]+$/.test(s)) return BigInt(s);
  return null;
}

/** Parses a field value (with optional /mask) in the field's own syntax. */
export function parseFieldValue(f: MfField, s: string, opts: ActionParseOptions = {}): { value: bigint; mask: bigint } {
  const full = onesBig(f.bytes * 8);
  const slash = s.indexOf('/');
  const [vs, ms] = slash < 0 ? [s, null] : [s.slice(0, slash), s.slice(slash + 1)];
  const one = (t: string): bigint => {
    switch (fieldKind(f)) {
      case 'mac': { const m = parseMac(t); if (m === null) throw new ActionSyntaxError(`${t}: invalid Ethernet address`); return BigInt(m); }
      case 'ipv4': { const m = parseIpv4(t); if (m === null) throw new ActionSyntaxError(`${t}: invalid IP address`); return BigInt(m); }
      case 'ipv6': { const m = parseIpv6(t); if (m === null) throw new ActionSyntaxError(`${t}: invalid IPv6 address`); return BigInt('0x' + Buffer.from(m).toString('hex')); }
      case 'port': {
        const n = /^\d+$/.test(t) ? Number(t) : portFromName(t) ?? opts.portByName?.(t);
        if (n === undefined) throw new ActionSyntaxError(`${t}: port is not a valid port number or name`);
        return BigInt(n);
      }
      default: {
        const n = parseCInt(t);
        if (n === null) throw new ActionSyntaxError(`${t}: invalid numeric format`);
        if (n > full) throw new ActionSyntaxError(`${t}: value too large for ${f.bytes}-byte field ${f.name}`);
        return n;
      }
    }
  };
  let value = one(vs);
  let mask = full;
  if (ms !== null) {
    if (fieldKind(f) === 'ipv4' && /^\d+$/.test(ms)) mask = Number(ms) === 0 ? 0n : (onesBig(Number(ms)) << BigInt(32 - Number(ms)));
    else mask = one(ms);
  }
  value &= mask;
  return { value, mask };
}

// ---- subfields ----

export function formatSubfield(sf: Subfield): string {
  const f = FIELDS.get(sf.field)!;
  const name = subfieldName(f);
  if (sf.ofs === 0 && sf.nBits === f.nBits) return `${name}[]`;
  if (sf.nBits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nBits - 1}]`;
}

export function parseSubfield(s: string): Subfield {
  const m = /^([A-Za-z0-9_]+)\[(\d*)(?:\.\.(\d+))?\]$/.exec(s.trim());
  if (!m) throw new ActionSyntaxError(`${s}: missing [ looking for field name`);
  const f = fieldByName(m[1]!);
  if (!f) throw new ActionSyntaxError(`${s}: unknown field \`${m[1]}'`);
  if (m[2] === '') return { field: f.name, ofs: 0, nBits: f.nBits };
  const start = Number(m[2]), end = m[3] !== undefined ? Number(m[3]) : start;
  if (end < start) throw new ActionSyntaxError(`${s}: starting bit ${start} is after ending bit ${end}`);
  if (start >= f.nBits) throw new ActionSyntaxError(`${s}: starting bit ${start} is not valid because field is only ${f.nBits} bits wide`);
  if (end >= f.nBits) throw new ActionSyntaxError(`${s}: ending bit ${end} is not valid because field is only ${f.nBits} bits wide`);
  return { field: f.name, ofs: start, nBits: end - start + 1 };
}

// ---- formatting ----

function dsHex(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

function formatLearn(a: LearnAction, opts: ActionFormatOptions): string {
  const out = [`learn(table=${a.table}`];
  if (a.idleTimeout) out.push(`idle_timeout=${a.idleTimeout}`);
  if (a.hardTimeout) out.push(`hard_timeout=${a.hardTimeout}`);
  if (a.finIdleTimeout) out.push(`fin_idle_timeout=${a.finIdleTimeout}`);
  if (a.finHardTimeout) out.push(`fin_hard_timeout=${a.finHardTimeout}`);
  if (a.priority !== 32768) out.push(`priority=${a.priority}`);
  if (a.flags & 1) out.push('send_flow_rem');
  if (a.flags & 2) out.push('delete_learned');
  if (a.cookie) out.push(`cookie=${dsHex(a.cookie)}`);
  for (const s of a.specs) {
    switch (s.kind) {
      case 'match_imm': {
        const f = FIELDS.get(s.dst.field)!;
        if (s.dst.ofs === 0 && s.dst.nBits === f.nBits) out.push(`${f.name}=${formatFieldValue(f, s.value, null, opts)}`);
        else out.push(`${formatSubfield(s.dst)}=${dsHex(s.value)}`);
        break;
      }
      case 'match_field':
        out.push(s.src.field !== s.dst.field || s.src.ofs !== s.dst.ofs ? `${formatSubfield(s.dst)}=${formatSubfield(s.src)}` : formatSubfield(s.dst));
        break;
      case 'load_imm': out.push(`load:${dsHex(s.value)}->${formatSubfield(s.dst)}`); break;
      case 'load_field': out.push(`load:${formatSubfield(s.src)}->${formatSubfield(s.dst)}`); break;
      case 'output': out.push(`output:${formatSubfield(s.src)}`); break;
    }
  }
  return out.join(',') + ')';
}

function hexArg(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('.');
}

export function formatAction(a: OfAction, opts: ActionFormatOptions = {}): string {
  switch (a.t) {
    case 'normal': return 'NORMAL';
    case 'flood': return 'FLOOD';
    case 'all': return 'ALL';
    case 'in_port': return 'IN_PORT';
    case 'output':
      if (a.port === OFPP.CONTROLLER) return `CONTROLLER:${a.maxLen ?? 0xffff}`;
      return a.port < OFPP.MAX ? `output:${formatPort(a.port, opts)}` : formatPort(a.port, opts);
    case 'controller': {
      if (a.reason === 1 && !a.controllerId && !a.userdata && !a.pause && a.meterId === null) return `CONTROLLER:${a.maxLen}`;
      const p: string[] = [];
      if (a.reason !== 1) p.push(`reason=${REASONS[a.reason] ?? a.reason}`);
      if (a.maxLen !== 0xffff) p.push(`max_len=${a.maxLen}`);
      if (a.controllerId) p.push(`id=${a.controllerId}`);
      if (a.userdata) p.push(`userdata=${hexArg(a.userdata)}`);
      if (a.pause) p.push('pause');
      if (a.meterId !== null) p.push(`meter_id=${a.meterId}`);
      return `controller(${p.join(',')})`;
    }
    case 'enqueue': return `enqueue:${formatPort(a.port, opts)}:${a.queue}`;
    case 'mod_vlan_vid': return `${a.pushIfNeeded === false ? 'set' : 'mod'}_vlan_vid:${a.vid}`;
    case 'mod_vlan_pcp': return `${a.pushIfNeeded === false ? 'set' : 'mod'}_vlan_pcp:${a.pcp}`;
    case 'strip_vlan': return a.raw === 'pop' ? 'pop_vlan' : 'strip_vlan';
    case 'push_vlan': return `push_vlan:0x${a.ethertype.toString(16)}`;
    case 'mod_dl_src': return `mod_dl_src:${formatMac(a.mac)}`;
    case 'mod_dl_dst': return `mod_dl_dst:${formatMac(a.mac)}`;
    case 'mod_nw_src': return `mod_nw_src:${formatIpv4(a.ip)}`;
    case 'mod_nw_dst': return `mod_nw_dst:${formatIpv4(a.ip)}`;
    case 'mod_nw_tos': return `mod_nw_tos:${a.tos}`;
    case 'mod_nw_ecn': return `mod_nw_ecn:${a.ecn}`;
    case 'mod_nw_ttl': return `mod_nw_ttl:${a.ttl}`;
    case 'mod_tp_src': return `mod_tp_src:${a.port}`;
    case 'mod_tp_dst': return `mod_tp_dst:${a.port}`;
    case 'dec_ttl': return a.explicitIds ? `dec_ttl(${a.ids.join(',')})` : 'dec_ttl';
    case 'set_field': {
      const f = FIELDS.get(a.field)!;
      if (a.raw === 'load') {
        const segs: string[] = [];
        let i = 0;
        while (i < f.nBits) {
          if (!((a.mask >> BigInt(i)) & 1n)) { i++; continue; }
          const ofs = i;
          while (i < f.nBits && i - ofs < 64 && ((a.mask >> BigInt(i)) & 1n)) i++;
          const v = (a.value >> BigInt(ofs)) & onesBig(i - ofs);
          segs.push(`load:${v === 0n ? '0' : '0x' + v.toString(16)}->${formatSubfield({ field: f.name, ofs, nBits: i - ofs })}`);
        }
        return segs.join(',');
      }
      return `set_field:${formatFieldValue(f, a.value, a.mask, opts)}->${f.name}`;
    }
    case 'move': return `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`;
    case 'set_tunnel': return `set_tunnel${a.tunId > 0xffffffffn || a.wide ? '64' : ''}:${dsHex(a.tunId)}`;
    case 'set_queue': return `set_queue:${a.queue}`;
    case 'pop_queue': return 'pop_queue';
    case 'resubmit': {
      if (a.port !== OFPP.IN_PORT && a.table === 255) return `resubmit:${formatPort(a.port, opts)}`;
      return `resubmit(${a.port !== OFPP.IN_PORT ? formatPort(a.port, opts) : ''},${a.table !== 255 ? a.table : ''}${a.ct ? ',ct' : ''})`;
    }
    case 'group': return `group:${a.group}`;
    case 'learn': return formatLearn(a, opts);
    case 'note': return `note:${hexArg(a.data)}`;
    case 'exit': return 'exit';
    case 'meter': return `meter:${a.meter}`;
    case 'clear_actions': return 'clear_actions';
    case 'write_actions': return `write_actions(${formatActions(a.actions, opts)})`;
    case 'write_metadata': return `write_metadata:${dsHex(a.metadata)}${a.mask !== onesBig(64) ? '/' + dsHex(a.mask) : ''}`;
    case 'goto_table': return `goto_table:${a.table}`;
  }
}

/** An action list as dump-flows prints it after `actions=`. */
export function formatActions(actions: readonly OfAction[], opts: ActionFormatOptions = {}): string {
  if (actions.length === 0) return 'drop';
  return actions.map((a) => formatAction(a, opts)).join(',');
}

// ---- parsing ----

/** OVS's ofputil_parse_key_value over a whole string. */
export function splitKeyValues(s: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  const skip = () => { while (i < s.length && /[, \t\r\n]/.test(s[i]!)) i++; };
  skip();
  while (i < s.length) {
    let j = i;
    while (j < s.length && !':=(, \t\r\n'.includes(s[j]!)) j++;
    const key = s.slice(i, j);
    let value = '';
    if (s[j] === '(') {
      let depth = 1, k = j + 1;
      while (k < s.length && depth) { if (s[k] === '(') depth++; else if (s[k] === ')') depth--; k++; }
      if (depth) throw new ActionSyntaxError(`${s}: unbalanced parentheses`);
      value = s.slice(j + 1, k - 1);
      i = k;
    } else if (s[j] === ':' || s[j] === '=') {
      let depth = 0, k = j + 1;
      while (k < s.length && (depth || !', \t\r\n'.includes(s[k]!))) { if (s[k] === '(') depth++; else if (s[k] === ')') depth--; k++; }
      value = s.slice(j + 1, k);
      i = k;
    } else i = j;
    out.push([key, value]);
    skip();
  }
  return out;
}

function u(s: string, max: number, what: string): number {
  const n = parseCInt(s.trim());
  if (n === null || n > BigInt(max)) throw new ActionSyntaxError(`invalid ${what} "${s}"`);
  return Number(n);
}

function parsePort(s: string, opts: ActionParseOptions, what: string): number {
  if (/^\d+$/.test(s)) { const n = Number(s); if (n < 0xffff) return n; }
  const p = portFromName(s) ?? opts.portByName?.(s);
  if (p === undefined) throw new ActionSyntaxError(`${s}: ${what} to unknown port`);
  return p;
}

function portAction(p: number, maxLen?: number): OfAction {
  switch (p) {
    case OFPP.NORMAL: return { t: 'normal' };
    case OFPP.FLOOD: return { t: 'flood' };
    case OFPP.ALL: return { t: 'all' };
    case OFPP.IN_PORT: return { t: 'in_port' };
    case OFPP.CONTROLLER: return { t: 'output', port: p, maxLen: maxLen ?? 0xffff };
    default: return { t: 'output', port: p };
  }
}

function parseLoad(v: string, learn: false): OfAction;
function parseLoad(v: string, learn: boolean): OfAction {
  const i = v.indexOf('->');
  if (i < 0) throw new ActionSyntaxError(`${v}: missing \`->'`);
  const dst = parseSubfield(v.slice(i + 2));
  const value = parseCInt(v.slice(0, i));
  if (value === null) throw new ActionSyntaxError(`${v}: cannot parse integer value`);
  if (dst.nBits < 128 && value >> BigInt(dst.nBits)) throw new ActionSyntaxError(`${v}: value ${value} does not fit into ${dst.nBits} bits`);
  void learn;
  return { t: 'set_field', field: dst.field, value: value << BigInt(dst.ofs), mask: onesBig(dst.nBits) << BigInt(dst.ofs), raw: 'load' };
}

function parseLearn(arg: string, opts: ActionParseOptions): LearnAction {
  let table = 1, idle = 0, hard = 0, finIdle = 0, finHard = 0, priority = 32768, cookie = 0n, flags = 0;
  const specs: LearnSpec[] = [];
  for (const [k, v] of splitKeyValues(arg)) {
    switch (k) {
      case 'table': table = u(v, 254, 'table'); continue;
      case 'idle_timeout': idle = u(v, 0xffff, 'idle_timeout'); continue;
      case 'hard_timeout': hard = u(v, 0xffff, 'hard_timeout'); continue;
      case 'fin_idle_timeout': finIdle = u(v, 0xffff, 'fin_idle_timeout'); continue;
      case 'fin_hard_timeout': finHard = u(v, 0xffff, 'fin_hard_timeout'); continue;
      case 'priority': priority = u(v, 0xffff, 'priority'); continue;
      case 'cookie': cookie = BigInt(u(v, Number.MAX_SAFE_INTEGER, 'cookie')); continue;
      case 'send_flow_rem': flags |= 1; continue;
      case 'delete_learned': flags |= 2; continue;
      case 'load': {
        const i = v.indexOf('->');
        if (i < 0) throw new ActionSyntaxError(`${k}: missing \`->' in \`${v}'`);
        const dst = parseSubfield(v.slice(i + 2));
        const imm = parseCInt(v.slice(0, i));
        if (imm !== null) specs.push({ kind: 'load_imm', dst, value: imm });
        else specs.push({ kind: 'load_field', dst, src: parseSubfield(v.slice(0, i)) });
        continue;
      }
      case 'output': specs.push({ kind: 'output', src: parseSubfield(v) }); continue;
      default: {
        const dst = /\[/.test(k) ? parseSubfield(k) : (() => { const f = fieldByName(k); if (!f) throw new ActionSyntaxError(`${arg}: unknown keyword ${k}`); return { field: f.name, ofs: 0, nBits: f.nBits }; })();
        if (v === '') { specs.push({ kind: 'match_field', dst, src: dst }); continue; }
        if (/\[/.test(v)) {
          const src = parseSubfield(v);
          if (src.nBits !== dst.nBits) throw new ActionSyntaxError(`${arg}: bit widths of ${k} (${dst.nBits}) and ${v} (${src.nBits}) differ`);
          specs.push({ kind: 'match_field', dst, src });
          continue;
        }
        const f = FIELDS.get(dst.field)!;
        const full = dst.ofs === 0 && dst.nBits === f.nBits;
        const value = full ? parseFieldValue(f, v, opts).value : parseCInt(v);
        if (value === null) throw new ActionSyntaxError(`${arg}: cannot parse integer value`);
        specs.push({ kind: 'match_imm', dst, value });
      }
    }
  }
  return { t: 'learn', table, idleTimeout: idle, hardTimeout: hard, finIdleTimeout: finIdle, finHardTimeout: finHard, priority, cookie, flags, specs };
}

function parseOne(key: string, v: string, opts: ActionParseOptions, out: OfAction[]): void {
  const k = key.toLowerCase();
  switch (k) {
    case 'output': out.push(portAction(parsePort(v, opts, 'output'))); return;
    case 'controller': {
      if (v === '' || /^\d+$/.test(v)) { out.push({ t: 'output', port: OFPP.CONTROLLER, maxLen: v === '' ? 0xffff : u(v, 0xffff, 'max_len') }); return; }
      let reason = 1, maxLen = 0xffff, id = 0, userdata: Uint8Array | null = null, pause = false, meterId: number | null = null;
      for (const [n, val] of splitKeyValues(v)) {
        if (n === 'reason') { reason = REASONS.indexOf(val); if (reason < 0) throw new ActionSyntaxError(`unknown reason "${val}"`); }
        else if (n === 'max_len') maxLen = u(val, 0xffff, 'max_len');
        else if (n === 'id') id = u(val, 0xffff, 'id');
        else if (n === 'userdata') userdata = Uint8Array.from(Buffer.from(val.replace(/\./g, ''), 'hex'));
        else if (n === 'pause') pause = true;
        else if (n === 'meter_id') meterId = u(val, 0xffffffff, 'meter_id');
        else throw new ActionSyntaxError(`unknown key "${n}" parsing controller action`);
      }
      if (reason === 1 && !id && !userdata && !pause && meterId === null) out.push({ t: 'output', port: OFPP.CONTROLLER, maxLen });
      else out.push({ t: 'controller', maxLen, reason, controllerId: id, userdata, pause, meterId, v2: false });
      return;
    }
    case 'enqueue': {
      const [p, q] = v.includes(':') ? v.split(':') : v.split(',');
      out.push({ t: 'enqueue', port: parsePort(p!, opts, 'enqueue'), queue: u(q ?? '', 0xffffffff, 'queue') });
      return;
    }
    case 'mod_vlan_vid': case 'set_vlan_vid': {
      const vid = u(v, 0xffff, 'VLAN VID');
      if (vid & ~0xfff) throw new ActionSyntaxError(`${v}: not a valid VLAN VID`);
      out.push({ t: 'mod_vlan_vid', vid, pushIfNeeded: k === 'mod_vlan_vid' });
      return;
    }
    case 'mod_vlan_pcp': case 'set_vlan_pcp': {
      const pcp = u(v, 0xff, 'VLAN PCP');
      if (pcp & ~7) throw new ActionSyntaxError(`${v}: not a valid VLAN PCP`);
      out.push({ t: 'mod_vlan_pcp', pcp, pushIfNeeded: k === 'mod_vlan_pcp' });
      return;
    }
    case 'strip_vlan': out.push({ t: 'strip_vlan', raw: 'strip' }); return;
    case 'pop_vlan': out.push({ t: 'strip_vlan', raw: 'pop' }); return;
    case 'push_vlan': out.push({ t: 'push_vlan', ethertype: u(v, 0xffff, 'ethertype') }); return;
    case 'mod_dl_src': case 'mod_dl_dst': {
      const mac = parseMac(v);
      if (mac === null) throw new ActionSyntaxError(`invalid mac address ${v}`);
      out.push({ t: k, mac });
      return;
    }
    case 'mod_nw_src': case 'mod_nw_dst': {
      const ip = parseIpv4(v);
      if (ip === null) throw new ActionSyntaxError(`${v}: could not convert to IP address`);
      out.push({ t: k, ip });
      return;
    }
    case 'mod_nw_tos': { const tos = u(v, 0xff, 'TOS'); if (tos & 3) throw new ActionSyntaxError(`${v}: not a valid TOS`); out.push({ t: k, tos }); return; }
    case 'mod_nw_ecn': { const ecn = u(v, 0xff, 'ECN'); if (ecn & ~3) throw new ActionSyntaxError(`${v}: not a valid ECN`); out.push({ t: k, ecn }); return; }
    case 'mod_nw_ttl': case 'set_nw_ttl': out.push({ t: 'mod_nw_ttl', ttl: u(v, 0xff, 'TTL') }); return;
    case 'mod_tp_src': out.push({ t: k, port: u(v, 0xffff, 'source port') }); return;
    case 'mod_tp_dst': out.push({ t: k, port: u(v, 0xffff, 'destination port') }); return;
    case 'dec_ttl': {
      if (v === '') { out.push({ t: 'dec_ttl', ids: [0], explicitIds: false }); return; }
      out.push({ t: 'dec_ttl', ids: v.split(',').map((x) => u(x, 0xffff, 'controller id')), explicitIds: true });
      return;
    }
    case 'set_field': {
      const i = v.indexOf('->');
      if (i < 0) throw new ActionSyntaxError(`${v}: missing \`->'`);
      const name = v.slice(i + 2);
      const f = fieldByName(name);
      if (!f) throw new ActionSyntaxError(`${name} is not a valid OXM field name`);
      if (!f.writable) throw new ActionSyntaxError(`${name} is read-only`);
      const { value, mask } = parseFieldValue(f, v.slice(0, i), opts);
      out.push({ t: 'set_field', field: f.name, value, mask, raw: 'set_field' });
      return;
    }
    case 'load': out.push(parseLoad(v, false)); return;
    case 'move': {
      const i = v.indexOf('->');
      if (i < 0) throw new ActionSyntaxError(`${v}: missing \`->'`);
      const src = parseSubfield(v.slice(0, i)), dst = parseSubfield(v.slice(i + 2));
      if (src.nBits !== dst.nBits) throw new ActionSyntaxError(`${v}: source field is ${src.nBits} bits wide but destination is ${dst.nBits} bits wide`);
      out.push({ t: 'move', src, dst });
      return;
    }
    case 'set_tunnel': case 'set_tunnel64': {
      const n = parseCInt(v);
      if (n === null) throw new ActionSyntaxError(`${v}: invalid tunnel id`);
      out.push({ t: 'set_tunnel', tunId: n, wide: k === 'set_tunnel64' });
      return;
    }
    case 'set_queue': out.push({ t: 'set_queue', queue: u(v, 0xffffffff, 'queue') }); return;
    case 'pop_queue': out.push({ t: 'pop_queue' }); return;
    case 'resubmit': {
      if (!v.includes(',')) { out.push({ t: 'resubmit', port: parsePort(v, opts, 'resubmit'), table: 255, ct: false, short: true }); return; }
      const [p, t, ct] = v.split(',');
      const port = p ? parsePort(p, opts, 'resubmit') : OFPP.IN_PORT;
      const table = t ? u(t, 254, 'table') : 255;
      if (port === OFPP.IN_PORT && table === 255) throw new ActionSyntaxError('at least one "in_port" or "table" must be specified on resubmit');
      out.push({ t: 'resubmit', port, table, ct: ct === 'ct', short: false });
      return;
    }
    case 'group': out.push({ t: 'group', group: u(v, 0xffffffff, 'group') }); return;
    case 'learn': out.push(parseLearn(v, opts)); return;
    case 'note': {
      const hexs = v.replace(/[.:]/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(hexs)) throw new ActionSyntaxError(`bad hex digit in \`note' argument`);
      out.push({ t: 'note', data: Uint8Array.from(Buffer.from(hexs, 'hex')) });
      return;
    }
    case 'exit': out.push({ t: 'exit' }); return;
    case 'meter': out.push({ t: 'meter', meter: u(v, 0xffffffff, 'meter') }); return;
    case 'clear_actions': out.push({ t: 'clear_actions' }); return;
    case 'write_actions': out.push({ t: 'write_actions', actions: parseActions(v, opts) }); return;
    case 'write_metadata': {
      const [a, b] = v.split('/');
      const md = parseCInt(a!), mask = b === undefined ? onesBig(64) : parseCInt(b);
      if (md === null || mask === null) throw new ActionSyntaxError(`${v}: invalid metadata`);
      out.push({ t: 'write_metadata', metadata: md & mask, mask });
      return;
    }
    case 'goto_table': out.push({ t: 'goto_table', table: u(v, 254, 'table') }); return;
    default: {
      if (/^\d+$/.test(key) || portFromName(key) !== undefined || opts.portByName?.(key) !== undefined) {
        const p = /^\d+$/.test(key) ? Number(key) : portFromName(key) ?? opts.portByName!(key)!;
        out.push(portAction(p, key.toUpperCase() === 'CONTROLLER' && v ? u(v, 0xffff, 'max_len') : undefined));
        return;
      }
      throw new ActionSyntaxError(`unknown action ${key}`);
    }
  }
}

/** Parses an ovs-ofctl action list ("drop" and "" are the empty list). */
export function parseActions(s: string, opts: ActionParseOptions = {}): OfAction[] {
  const out: OfAction[] = [];
  let drop = false;
  for (const [k, v] of splitKeyValues(s)) {
    if (k.toLowerCase() === 'drop') { drop = true; continue; }
    parseOne(k, v, opts, out);
  }
  if (drop && out.length) throw new ActionSyntaxError('"drop" must not be accompanied by any other action or instruction');
  let last = -1;
  for (const a of out) {
    const i = INSTRUCTION_ORDER.indexOf(a.t);
    if (i < 0) {
      if (last >= 0) throw new ActionSyntaxError(`invalid instruction ordering: apply_actions must appear before ${INSTRUCTION_ORDER[last]}, for OpenFlow 1.1+ compatibility`);
      continue;
    }
    if (i < last) throw new ActionSyntaxError(`invalid instruction ordering: ${a.t} must appear before ${INSTRUCTION_ORDER[last]}, for OpenFlow 1.1+ compatibility`);
    if (i === last) throw new ActionSyntaxError(`instruction ${a.t} may be specified only once`);
    last = i;
  }
  return out;
}
